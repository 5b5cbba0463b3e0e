package io.leadscore.common.storage;

import static org.apache.spark.sql.functions.*;

import io.delta.tables.DeltaTable;
import io.leadscore.common.Schemas;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A snapshot table ({@code leads}, {@code accounts}) as it was at a past date, by Delta time
 * travel, so fields the CRM changes later (a lead's stage, title or account once it
 * converts) do not leak into a backtest. The version is found, in this order:
 *
 * <ol>
 *   <li>from {@code run_log}: the table's last commit made by the time the last successful
 *       ingest of a landing date on or before the date finished (and before any ingest of a
 *       later landing date started, so a backfill run afterwards does not count);
 *   <li>from the table's history alone: its last commit made on or before the date (UTC), which
 *       cannot contain anything later.
 * </ol>
 *
 * When neither finds a readable version (history vacuumed, or everything ingested at once
 * after the date) the current snapshot is used and a warning names the risk.
 */
public final class SnapshotAsOf {
  private static final Logger LOG = LoggerFactory.getLogger(SnapshotAsOf.class);

  private SnapshotAsOf() {}

  /** The rows, the version read (empty: the current snapshot) and how it was found. */
  public record Snapshot(String table, Dataset<Row> rows, Optional<Long> version, String how) {
    public boolean asOfDate() {
      return version.isPresent();
    }
  }

  public static Snapshot find(DeltaStore store, String table, LocalDate date) {
    List<Row> history = DeltaTable.forPath(store.spark(), store.path(table)).history()
        .select("version", "timestamp").collectAsList();
    Optional<Timestamp> ingested = lastIngestBy(store, date);
    if (ingested.isPresent()) {
      Optional<Long> v = lastVersionBy(history, ingested.get());
      if (v.isPresent()) {
        Optional<Snapshot> s = readable(store, table, v.get(), "version " + v.get()
            + ", as left by the last ingest of a landing date on or before " + date
            + " (run_log)");
        if (s.isPresent()) {
          return s.get();
        }
      }
    }
    Timestamp endOfDay = Timestamp.from(date.plusDays(1).atStartOfDay(ZoneOffset.UTC)
        .toInstant().minusMillis(1));
    Optional<Long> v = lastVersionBy(history, endOfDay);
    if (v.isPresent()) {
      Optional<Snapshot> s = readable(store, table, v.get(), "version " + v.get()
          + ", committed on or before " + date + " (table history)");
      if (s.isPresent()) {
        return s.get();
      }
    }
    LOG.warn("{}: no version current at {} can be read (no ingest of a landing date on or"
        + " before it in run_log, no commit made by then, or the history was vacuumed):"
        + " using the current snapshot. Fields the CRM changed after {} (title, country,"
        + " account, ...) may leak what happened later into the scores; crm_stage is never"
        + " used.", table, date, date);
    return new Snapshot(table, store.read(table), Optional.empty(),
        "current snapshot (no version as of " + date + " found: may leak later CRM changes)");
  }

  /** When the last successful ingest of a landing date on or before {@code date} finished. */
  private static Optional<Timestamp> lastIngestBy(DeltaStore store, LocalDate date) {
    if (!store.exists(Schemas.T_RUN_LOG)) {
      return Optional.empty();
    }
    Dataset<Row> ingests = store.read(Schemas.T_RUN_LOG).where(col("job").equalTo("ingest"));
    Row later = ingests.where(col("run_date").gt(lit(date.toString()).cast("date")))
        .agg(min("started_at")).first();
    Dataset<Row> before = ingests.where(col("status").equalTo("succeeded")
        .and(col("run_date").leq(lit(date.toString()).cast("date"))));
    if (!later.isNullAt(0)) {
      before = before.where(col("finished_at").leq(lit(later.getTimestamp(0))));
    }
    Row last = before.agg(max("finished_at")).first();
    return last.isNullAt(0) ? Optional.empty() : Optional.of(last.getTimestamp(0));
  }

  private static Optional<Long> lastVersionBy(List<Row> history, Timestamp bound) {
    return history.stream()
        .filter(r -> !r.getTimestamp(1).after(bound))
        .map(r -> r.getLong(0))
        .max(Long::compare);
  }

  private static Optional<Snapshot> readable(DeltaStore store, String table, long version,
      String how) {
    try {
      Dataset<Row> rows = store.readAt(table, version);
      rows.schema();
      return Optional.of(new Snapshot(table, rows, Optional.of(version), how));
    } catch (Exception e) {
      // Scala throws checked exceptions Java cannot name: typically the log was cleaned up.
      LOG.warn("{}: version {} cannot be read ({}); looking further", table, version,
          e.getMessage() == null ? e.getClass().getSimpleName()
              : e.getMessage().lines().findFirst().orElse(""));
      return Optional.empty();
    }
  }
}

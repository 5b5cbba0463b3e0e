package io.leadscore.jobs;

import static io.leadscore.common.Schemas.SCORE_DATE;
import static org.apache.spark.sql.functions.*;

import io.leadscore.common.storage.DeltaStore;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.Predicate;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.slf4j.Logger;

/**
 * The dates of a history table partitioned by score_date ({@code lead_score_history},
 * {@code account_score_history}): which dates were scored, one date's rows, and a
 * fingerprint that tells whether re-scoring a date changed what later dates build on.
 */
final class ScoreHistory {
  private final DeltaStore store;
  private final String table;
  /** Read once per job: the job itself is the only writer it needs to follow. */
  private TreeSet<LocalDate> dates;

  ScoreHistory(DeltaStore store, String table) {
    this.store = store;
    this.table = table;
  }

  /** Every scored date, ascending; a handful of rows, one per scored day. */
  List<LocalDate> dates() {
    if (dates == null) {
      dates = new TreeSet<>();
      if (store.exists(table)) {
        store.partitionValues(table, SCORE_DATE).forEach(d -> dates.add(LocalDate.parse(d)));
      }
    }
    return new ArrayList<>(dates);
  }

  /** Replaces one date's rows atomically. */
  void write(LocalDate date, Dataset<Row> rows) {
    store.replacePartition(table, rows, SCORE_DATE, "DATE'" + date + "'");
    if (dates != null) {
      dates.add(date);
    }
  }

  /** The number of rows the latest {@link #write} wrote, from the commit's metrics. */
  long lastWriteRows() {
    return Long.parseLong(store.lastCommitMetrics(table).getOrDefault("numOutputRows", "0"));
  }

  Optional<LocalDate> latestBefore(LocalDate date) {
    return dates().stream().filter(d -> d.isBefore(date)).reduce((a, b) -> b);
  }

  List<LocalDate> after(LocalDate date) {
    return dates().stream().filter(d -> d.isAfter(date)).toList();
  }

  Optional<LocalDate> latest() {
    List<LocalDate> all = dates();
    return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
  }

  Dataset<Row> on(LocalDate date) {
    return store.read(table).where(col(SCORE_DATE).equalTo(lit(date.toString()).cast("date")));
  }

  /**
   * Scores {@code date}, then re-scores the later dates already in the table, in order, for
   * as long as the date before came out different (see {@link ScoreJob}).
   *
   * @param scoreDate scores one date and says whether the columns later dates build on
   *     changed
   * @return the dates written, {@code date} first
   */
  List<LocalDate> scoreChain(LocalDate date, Predicate<LocalDate> scoreDate, Logger log) {
    List<LocalDate> later = after(date);
    List<LocalDate> written = new ArrayList<>(List.of(date));
    boolean changed = scoreDate.test(date);
    for (LocalDate next : later) {
      if (!changed) {
        break;
      }
      log.info("{} was scored already and follows {}: re-scoring it", next, written.get(
          written.size() - 1));
      changed = scoreDate.test(next);
      written.add(next);
    }
    return written;
  }

  /**
   * Overwrites the current table ({@code lead_scores}, {@code account_scores}) with the
   * latest date's rows when that date was just written.
   *
   * @return the date the current table now holds, if it was written
   */
  Optional<LocalDate> publishLatest(String currentTable, List<LocalDate> written, Logger log) {
    LocalDate latest = latest().orElseThrow();
    if (!written.contains(latest)) {
      log.info("{} holds {}, later than {}: left as it is", currentTable, latest,
          written.get(0));
      return Optional.empty();
    }
    store.overwrite(currentTable, on(latest));
    return Optional.of(latest);
  }

  /** A column, or nulls of the given type where a table written by an older version lacks it. */
  static Column columnOrNull(Dataset<Row> rows, String column, String type) {
    return List.of(rows.columns()).contains(column) ? col(column) : lit(null).cast(type);
  }

  /**
   * Row count and an order-independent hash of the given columns on one date ("0:null" when
   * the date has no rows). Equal fingerprints mean the date's rows are, for those columns,
   * what they were.
   */
  String fingerprint(LocalDate date, String... columns) {
    if (!dates().contains(date)) {
      return "0:null";
    }
    Dataset<Row> rows = on(date);
    Column[] cols = new Column[columns.length];
    for (int i = 0; i < columns.length; i++) {
      cols[i] = columnOrNull(rows, columns[i], "string");
    }
    Row r = rows.agg(count(lit(1)), sum(xxhash64(cols))).first();
    return r.getLong(0) + ":" + (r.isNullAt(1) ? "null" : Long.toString(r.getLong(1)));
  }
}

package io.leadscore.jobs;

import static io.leadscore.common.Schemas.*;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sha2;
import static org.apache.spark.sql.functions.when;

import io.leadscore.common.config.AppSettings;
import io.leadscore.common.config.AppSettings.Input;
import io.leadscore.common.ingest.ActivityParser;
import io.leadscore.common.ingest.Snapshots;
import io.leadscore.common.ingest.Snapshots.Kind;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.commons.codec.digest.DigestUtils;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code ingest}: upserts the CRM snapshots, then reads the activity landing folders of the
 * given dates, rejects bad rows with a reason, drops duplicates within the batch and against
 * what is stored, and inserts the rest into {@code activities}. Reconciles rows read =
 * accepted + duplicates + rejected. A rerun of the same dates changes no table's contents.
 *
 * <p>Every input is read and checked before the first write, so an input that cannot be read
 * (a CSV header naming a column twice, an unreadable file) fails the run with every table as
 * it was. A failure during the writes (a crash, or another job committing to the same table,
 * which Delta refuses) leaves the tables written so far; a rerun of the same dates repairs the
 * warehouse into what one clean run gives, because every write is keyed (upsert by snapshot
 * key, insert-if-absent by event_id and by reject row).
 */
public final class IngestJob {
  private static final Logger LOG = LoggerFactory.getLogger(IngestJob.class);

  public static final String ROWS_READ = "activity_rows_read";
  public static final String ACCEPTED = "activities_accepted";
  public static final String DUPLICATES = "activities_duplicate";
  public static final String DUPLICATES_IN_BATCH = "activities_duplicate_in_batch";
  public static final String REJECTED = "activities_rejected";
  /** Prefix of the counts of accepted rows read with a warning ({@link ActivityParser}). */
  public static final String WARNING = "activities_warning_";
  /** The commit metadata prefix of a snapshot upsert: see {@link #snapshotInputs}. */
  static final String SNAPSHOT_INPUTS = "snapshot-inputs: ";

  private IngestJob() {}

  /** A snapshot read and checked, waiting to be written. */
  private record ParsedSnapshot(Kind kind, String table, Dataset<Row> parsed, long read,
      long rejected, String inputs) {}

  /** Ingests the landing folders of {@code from} to {@code to} (inclusive) as one batch. */
  public static JobResult run(JobRuntime rt, LocalDate from, LocalDate to) {
    StageTimer timer = new StageTimer(LOG);
    Map<String, Long> counts = new LinkedHashMap<>();
    AppSettings settings = rt.settings();

    List<String> folders = new ArrayList<>();
    for (LocalDate d = from; !d.isAfter(to); d = d.plusDays(1)) {
      String folder = settings.activitiesFolder(d);
      if (rt.inputs().exists(folder)) {
        folders.add(folder);
      } else if (settings.failOnMissingActivities()) {
        throw new IllegalStateException("no activity landing folder for " + d + ": " + folder);
      } else {
        LOG.warn("no activity landing folder for {}: {} (nothing to ingest for that day)", d,
            folder);
      }
    }

    List<Dataset<Row>> cached = new ArrayList<>();
    try {
      List<ParsedSnapshot> snapshots = new ArrayList<>();
      timer.time("read snapshots", () -> {
        readSnapshot(rt, Kind.LEADS, settings.leads(), T_LEADS, cached, counts)
            .ifPresent(snapshots::add);
        readSnapshot(rt, Kind.ACCOUNTS, settings.accounts(), T_ACCOUNTS, cached, counts)
            .ifPresent(snapshots::add);
        readSnapshot(rt, Kind.OUTCOMES, settings.outcomes(), T_OUTCOMES, cached, counts)
            .ifPresent(snapshots::add);
      });
      Dataset<Row> parsed = null;
      long read = 0;
      long rejected = 0;
      if (!folders.isEmpty()) {
        // Accepted up to the end of the ingest date plus the configured days, in UTC.
        Instant occurredBefore = to.plusDays(1L + settings.maxDaysAfterIngestDate())
            .atStartOfDay(ZoneOffset.UTC).toInstant();
        // The batch is cached while it is written; its raw text is only written for rejected
        // rows, and for every line it would double the cache (about 200 bytes a line).
        Dataset<Row> p = ActivityParser.parse(settings.defaultTimeZone(), occurredBefore,
                rt.inputs().records(folders, settings.activities().format(),
                    settings.landingDatePattern()))
            .withColumn(RAW, when(col(REASON).isNotNull(), col(RAW)))
            .persist(StorageLevel.MEMORY_AND_DISK());
        cached.add(p);
        parsed = p;
        long[] readAndRejected = timer.time("read and parse activities",
            () -> readAndRejected(p));
        read = readAndRejected[0];
        rejected = readAndRejected[1];
        countWarnings(p.where(col(REASON).isNull()), counts);
      }

      timer.time("snapshots", () -> {
        for (ParsedSnapshot s : snapshots) {
          writeSnapshot(rt, s, counts);
        }
      });
      if (parsed == null) {
        counts.put(ROWS_READ, 0L);
        counts.put(ACCEPTED, 0L);
        counts.put(DUPLICATES, 0L);
        counts.put(DUPLICATES_IN_BATCH, 0L);
        counts.put(REJECTED, 0L);
      } else {
        writeActivities(rt, timer, parsed, read, rejected, counts);
      }
    } finally {
      cached.forEach(Dataset::unpersist);
    }
    return new JobResult("ingest", to, counts, timer.seconds(), timer.elapsed(), List.of(
        rt.store().path(T_ACTIVITIES), rt.store().path(T_ACTIVITIES_REJECTED),
        rt.store().path(T_LEADS), rt.store().path(T_ACCOUNTS), rt.store().path(T_OUTCOMES)));
  }

  /** Rows read and rows with a reject reason, in one pass. */
  private static long[] readAndRejected(Dataset<Row> parsed) {
    Row r = parsed.agg(count(lit(1)), count(col(REASON))).first();
    return new long[] {r.getLong(0), r.getLong(1)};
  }

  private static void countWarnings(Dataset<Row> accepted, Map<String, Long> counts) {
    // At most a few warning kinds come back to the driver.
    for (Row r : accepted.select(explode(col(ActivityParser.WARNINGS)).as("w"))
        .groupBy("w").count().orderBy("w").collectAsList()) {
      counts.put(WARNING + r.getString(0), r.getLong(1));
      LOG.warn("{} activities accepted with warning {} (see the README's input section)",
          r.getLong(1), r.getString(0));
    }
  }

  private static void writeActivities(JobRuntime rt, StageTimer timer, Dataset<Row> parsed,
      long read, long rejectedCount, Map<String, Long> counts) {
    timer.time("write rejects", () -> {
      if (rejectedCount > 0) {
        // Rejected rows of people erased by forget stay out too (their raw text names them).
        Dataset<Row> rows = IngestSuppression.rejects(rt, ActivityParser.toRejected(rt.runId(),
            parsed.where(col(REASON).isNotNull())), T_ACTIVITIES_REJECTED, counts);
        rt.store().insertAbsent(T_ACTIVITIES_REJECTED, rows,
            List.of(SOURCE_FILE, RAW_SHA256, OCCURRENCE));
      }
    });
    Dataset<Row> accepted = parsed.where(col(REASON).isNull()).drop(ActivityParser.WARNINGS);
    ActivityParser.FirstCopies first = timer.time("find duplicates within the batch",
        () -> ActivityParser.firstPerEventId(accepted, read - rejectedCount));
    long firstCount = read - rejectedCount - first.copiesDropped();
    Dataset<Row> stored = ActivityParser.toStored(rt.runId(), rt.store().read(T_LEADS),
        // People erased by forget stay out (their stored events were erased with them).
        IngestSuppression.activities(rt, first.rows(), counts))
        .persist(StorageLevel.MEMORY_AND_DISK());
    try {
      // Insert-if-absent on event_id, in one conflict-checked commit: a concurrent ingest of
      // the same events makes one of the two fail instead of storing them twice.
      long acceptedNew = timer.time("write activities", () ->
          rt.store().insertAbsent(T_ACTIVITIES, stored, List.of(EVENT_ID), EVENT_DATE));
      long rejectsSuppressed = counts.getOrDefault(T_ACTIVITIES_REJECTED + "_suppressed", 0L);
      long activitiesSuppressed = counts.getOrDefault(T_ACTIVITIES + "_suppressed", 0L);
      long duplicates = read - rejectedCount - acceptedNew - activitiesSuppressed;
      counts.put(ROWS_READ, read);
      counts.put(ACCEPTED, acceptedNew);
      counts.put(DUPLICATES, duplicates);
      counts.put(DUPLICATES_IN_BATCH, read - rejectedCount - firstCount);
      counts.put(REJECTED, rejectedCount - rejectsSuppressed);
      LOG.info("reconciliation: {} read = {} accepted + {} duplicates ({} within the batch,"
          + " {} already stored) + {} rejected", read, acceptedNew, duplicates,
          read - rejectedCount - firstCount, firstCount - acceptedNew, rejectedCount);
    } finally {
      stored.unpersist();
    }
  }

  /**
   * Reads and checks a snapshot; empty when it is missing or unchanged since ingest stored it,
   * and the stored table is kept.
   */
  private static Optional<ParsedSnapshot> readSnapshot(JobRuntime rt, Kind kind, Input input,
      String table, List<Dataset<Row>> cached, Map<String, Long> counts) {
    if (!rt.inputs().exists(input.path())) {
      if (rt.store().exists(table)) {
        LOG.warn("{} snapshot not found at {}; keeping the stored table", table, input.path());
        return Optional.empty();
      }
      throw new IllegalStateException(table + " snapshot not found: " + input.path()
          + " (set leadscore.inputs." + table + ".path)");
    }
    String inputs = snapshotInputs(rt, kind, input);
    if (rt.store().exists(table) && rt.store().latestCommitWithMetadata(table, SNAPSHOT_INPUTS)
        .filter(c -> c.userMetadata().equals(inputs)).isPresent()) {
      LOG.info("{}: the snapshot at {} is the one ingest last stored (same files, contents and"
          + " settings); not read again", table, input.path());
      counts.put(table + "_unchanged", 1L);
      return Optional.empty();
    }
    List<String> extras = new ArrayList<>();
    for (String column : rt.inputs().columns(input)) {
      if (!List.of(kind.schema.fieldNames()).contains(column)) {
        extras.add(column);
      }
    }
    Dataset<Row> parsed = Snapshots.parse(kind, rt.settings().defaultTimeZone(), extras,
        rt.inputs().records(input)).persist(StorageLevel.MEMORY_AND_DISK());
    cached.add(parsed);
    long[] readAndRejected = readAndRejected(parsed);
    long read = readAndRejected[0];
    long rejected = readAndRejected[1];
    if (read == 0) {
      LOG.warn("{} snapshot at {} holds no rows; keeping the stored rows", table, input.path());
    }
    return Optional.of(new ParsedSnapshot(kind, table, parsed, read, rejected, inputs));
  }

  /**
   * What a stored snapshot was made from, recorded with its upsert: the files' names and
   * contents, and what reads them the same way (format, time zone, the table's columns and
   * {@link Snapshots#PARSE_VERSION}). The next ingest that finds the same skips the snapshot:
   * reading, parsing and comparing an unchanged 10,000-lead snapshot was most of a daily
   * ingest at S. A table changed since by anything but ingest (forget) keeps that change.
   */
  private static String snapshotInputs(JobRuntime rt, Kind kind, Input input) {
    String made = String.join("\n", "files " + rt.inputs().contentDigest(input),
        "format " + input.format(), "zone " + rt.settings().defaultTimeZone(),
        "columns " + kind.schema.json(), "parse " + Snapshots.PARSE_VERSION);
    return SNAPSHOT_INPUTS + DigestUtils.sha256Hex(made);
  }

  private static void writeSnapshot(JobRuntime rt, ParsedSnapshot s, Map<String, Long> counts) {
    String table = s.table();
    if (s.rejected() > 0) {
      Dataset<Row> rows = IngestSuppression.rejects(rt, s.parsed().where(col(REASON).isNotNull())
          .select(col(SOURCE_FILE), col(RAW), col(REASON)), table + "_rejected", counts)
          .withColumn("snapshot", lit(table))
          .withColumn(RAW_SHA256, sha2(col(RAW), 256))
          .withColumn(INGEST_RUN_ID, lit(rt.runId()))
          .dropDuplicates(SOURCE_FILE, RAW_SHA256);
      rt.store().insertAbsent(T_SNAPSHOTS_REJECTED, rows, List.of(SOURCE_FILE, RAW_SHA256));
      LOG.warn("{}: {} rows rejected (see {})", table, s.rejected(),
          rt.store().path(T_SNAPSHOTS_REJECTED));
    }
    // Enumerations are normalised before de-duplication: "SQL" and "sql" are one key.
    Dataset<Row> latest = IngestSuppression.snapshot(rt, s.kind(), Snapshots.latestPerKey(
        s.kind(), Snapshots.normalizeEnums(s.kind(), s.parsed().where(col(REASON).isNull()))),
        table, counts);
    long kept = latest.count();
    rt.store().upsert(table, latest, s.kind().key, s.inputs());
    long suppressed = counts.getOrDefault(table + "_suppressed", 0L);
    counts.put(table + "_rows_read", s.read());
    counts.put(table + "_rejected", s.rejected()
        - counts.getOrDefault(table + "_rejected_suppressed", 0L));
    counts.put(table + "_repeated_keys", s.read() - s.rejected() - kept - suppressed);
    counts.put(table + "_keys", kept);
    LOG.info("{}: {} rows read, {} rejected, {} repeated keys, {} keys upserted into {}", table,
        s.read(), s.rejected(), s.read() - s.rejected() - kept, kept, rt.store().path(table));
  }
}

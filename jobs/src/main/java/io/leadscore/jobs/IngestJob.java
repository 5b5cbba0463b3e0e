package io.leadscore.jobs;

import static io.leadscore.common.Schemas.*;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sha2;

import io.leadscore.common.config.AppSettings;
import io.leadscore.common.config.AppSettings.Input;
import io.leadscore.common.ingest.ActivityParser;
import io.leadscore.common.ingest.Snapshots;
import io.leadscore.common.ingest.Snapshots.Kind;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code ingest}: upserts the CRM snapshots, then reads the activity landing folders of the
 * given dates, rejects bad rows with a reason, drops duplicates within the batch and against
 * what is stored, and appends the rest to {@code activities}. Reconciles rows read = accepted
 * + duplicates + rejected. A rerun of the same dates changes no table's contents.
 */
public final class IngestJob {
  private static final Logger LOG = LoggerFactory.getLogger(IngestJob.class);

  public static final String ROWS_READ = "activity_rows_read";
  public static final String ACCEPTED = "activities_accepted";
  public static final String DUPLICATES = "activities_duplicate";
  public static final String DUPLICATES_IN_BATCH = "activities_duplicate_in_batch";
  public static final String REJECTED = "activities_rejected";

  private IngestJob() {}

  /** Ingests the landing folders of {@code from} to {@code to} (inclusive) as one batch. */
  public static JobResult run(JobRuntime rt, LocalDate from, LocalDate to) {
    StageTimer timer = new StageTimer(LOG);
    Map<String, Long> counts = new LinkedHashMap<>();
    AppSettings settings = rt.settings();

    timer.time("snapshots", () -> {
      ingestSnapshot(rt, Kind.LEADS, settings.leads(), T_LEADS, counts);
      ingestSnapshot(rt, Kind.ACCOUNTS, settings.accounts(), T_ACCOUNTS, counts);
      ingestSnapshot(rt, Kind.OUTCOMES, settings.outcomes(), T_OUTCOMES, counts);
    });

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
    if (folders.isEmpty()) {
      counts.put(ROWS_READ, 0L);
      counts.put(ACCEPTED, 0L);
      counts.put(DUPLICATES, 0L);
      counts.put(DUPLICATES_IN_BATCH, 0L);
      counts.put(REJECTED, 0L);
    } else {
      ingestActivities(rt, timer, rt.inputs().records(folders, settings.activities().format(),
          settings.landingDatePattern()), counts);
    }
    return new JobResult("ingest", to, counts, timer.seconds(), timer.elapsed(), List.of(
        rt.store().path(T_ACTIVITIES), rt.store().path(T_ACTIVITIES_REJECTED),
        rt.store().path(T_LEADS), rt.store().path(T_ACCOUNTS), rt.store().path(T_OUTCOMES)));
  }

  private static void ingestActivities(JobRuntime rt, StageTimer timer, Dataset<Row> records,
      Map<String, Long> counts) {
    Dataset<Row> parsed = ActivityParser.parse(rt.settings().defaultTimeZone(), records)
        .persist(StorageLevel.MEMORY_AND_DISK());
    try {
      long read = timer.time("read and parse activities", parsed::count);
      Dataset<Row> rejected = parsed.where(col(REASON).isNotNull());
      long rejectedCount = timer.time("write rejects", () -> {
        Dataset<Row> rows = IngestSuppression.rejects(rt, ActivityParser.toRejected(rt.runId(),
            rejected), T_ACTIVITIES_REJECTED, counts).persist(StorageLevel.MEMORY_AND_DISK());
        long n = rows.count();
        if (n > 0) {
          rt.store().insertAbsent(T_ACTIVITIES_REJECTED, rows,
              List.of(SOURCE_FILE, RAW_SHA256, OCCURRENCE));
        }
        rows.unpersist();
        return n;
      });
      Dataset<Row> accepted = parsed.where(col(REASON).isNull());
      // People erased by forget stay out (their stored events were erased with them).
      Dataset<Row> firstCopies = IngestSuppression.activities(rt,
          ActivityParser.firstPerEventId(accepted), counts);
      Dataset<Row> fresh = rt.store().exists(T_ACTIVITIES)
          ? firstCopies.join(rt.store().read(T_ACTIVITIES).select(EVENT_ID), EVENT_ID,
              "left_anti")
          : firstCopies;
      long suppressed = counts.getOrDefault(T_ACTIVITIES + "_suppressed", 0L)
          + counts.getOrDefault(T_ACTIVITIES_REJECTED + "_suppressed", 0L);
      Dataset<Row> stored = ActivityParser.toStored(rt.runId(), rt.store().read(T_LEADS), fresh)
          .persist(StorageLevel.MEMORY_AND_DISK());
      try {
        long acceptedNew = timer.time("de-duplicate activities", stored::count);
        // Distinct ids of accepted rows = first copies; one column, no sort of whole rows.
        long firstCount = timer.time("count duplicates within the batch",
            () -> accepted.select(EVENT_ID).distinct().count());
        timer.time("write activities", () -> {
          if (acceptedNew > 0 || !rt.store().exists(T_ACTIVITIES)) {
            rt.store().append(T_ACTIVITIES, stored, EVENT_DATE);
          }
        });
        long duplicates = read - rejectedCount - acceptedNew - suppressed;
        counts.put(ROWS_READ, read);
        counts.put(ACCEPTED, acceptedNew);
        counts.put(DUPLICATES, duplicates);
        counts.put(DUPLICATES_IN_BATCH, read - rejectedCount - firstCount);
        counts.put(REJECTED, rejectedCount);
        LOG.info("reconciliation: {} read = {} accepted + {} duplicates ({} within the batch,"
            + " {} already stored) + {} rejected", read, acceptedNew, duplicates,
            read - rejectedCount - firstCount, firstCount - acceptedNew, rejectedCount);
      } finally {
        stored.unpersist();
      }
    } finally {
      parsed.unpersist();
    }
  }

  private static void ingestSnapshot(JobRuntime rt, Kind kind, Input input, String table,
      Map<String, Long> counts) {
    if (!rt.inputs().exists(input.path())) {
      if (rt.store().exists(table)) {
        LOG.warn("{} snapshot not found at {}; keeping the stored table", table, input.path());
        return;
      }
      throw new IllegalStateException(table + " snapshot not found: " + input.path()
          + " (set leadscore.inputs." + table + ".path)");
    }
    List<String> extras = new ArrayList<>();
    for (String column : rt.inputs().columns(input)) {
      if (!List.of(kind.schema.fieldNames()).contains(column)) {
        extras.add(column);
      }
    }
    Dataset<Row> parsed = Snapshots.parse(kind, rt.settings().defaultTimeZone(), extras,
        rt.inputs().records(input)).persist(StorageLevel.MEMORY_AND_DISK());
    try {
      long read = parsed.count();
      Dataset<Row> rejected = IngestSuppression.rejects(rt, parsed.where(col(REASON).isNotNull())
          .select(col(SOURCE_FILE), col(RAW), col(REASON)), table + "_rejected", counts);
      long rejectedCount = rejected.count();
      if (rejectedCount > 0) {
        Dataset<Row> rows = rejected
            .withColumn("snapshot", lit(table))
            .withColumn(RAW_SHA256, sha2(col(RAW), 256))
            .withColumn(INGEST_RUN_ID, lit(rt.runId()))
            .dropDuplicates(SOURCE_FILE, RAW_SHA256);
        rt.store().insertAbsent(T_SNAPSHOTS_REJECTED, rows, List.of(SOURCE_FILE, RAW_SHA256));
        LOG.warn("{}: {} rows rejected (see {})", table, rejectedCount,
            rt.store().path(T_SNAPSHOTS_REJECTED));
      }
      // Enumerations are normalised before de-duplication: "SQL" and "sql" are one key.
      Dataset<Row> latest = IngestSuppression.snapshot(rt, kind, Snapshots.latestPerKey(kind,
          Snapshots.normalizeEnums(kind, parsed.where(col(REASON).isNull()))), table, counts);
      long kept = latest.count();
      long suppressed = counts.getOrDefault(table + "_suppressed", 0L)
          + counts.getOrDefault(table + "_rejected_suppressed", 0L);
      rt.store().upsert(table, latest, kind.key);
      counts.put(table + "_rows_read", read);
      counts.put(table + "_rejected", rejectedCount);
      counts.put(table + "_repeated_keys", read - rejectedCount - kept - suppressed);
      counts.put(table + "_keys", kept);
      LOG.info("{}: {} rows read, {} rejected, {} repeated keys, {} keys upserted into {}", table, read,
          rejectedCount, read - rejectedCount - kept, kept, rt.store().path(table));
    } finally {
      parsed.unpersist();
    }
  }
}

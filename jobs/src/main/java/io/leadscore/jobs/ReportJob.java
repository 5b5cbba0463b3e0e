package io.leadscore.jobs;

import static io.leadscore.common.Schemas.*;
import static io.leadscore.common.report.ReportAggregates.*;
import static io.leadscore.common.report.ReportAggregates.LEADS;
import static org.apache.spark.sql.functions.*;

import io.leadscore.common.config.Model;
import io.leadscore.common.report.ReportAggregates;
import io.leadscore.common.storage.DeltaStore;
import io.leadscore.common.storage.RunLog;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.collection.JavaConverters;

/**
 * {@code report}: the aggregates of one scored date as {@code report_*} Delta tables (each
 * replacing its {@code score_date} partition) and one self-contained HTML page built from
 * exactly those rows, {@code <reports>/<date>.html}, copied to {@code latest.html} when the
 * date is the latest scored one. Only small aggregates reach the driver.
 */
public final class ReportJob {
  private static final Logger LOG = LoggerFactory.getLogger(ReportJob.class);

  static final int TOP_N = 25;
  static final int TREND_DATES = 90;
  static final int INGEST_RUNS = 30;
  static final int HISTOGRAM_BUCKETS = 20;

  public static final String REPORT_BYTES = "report_bytes";

  /** report_daily: the headline figures of one date, and which optional sections it had. */
  static final StructType DAILY = new StructType()
      .add(SCORE_DATE, DataTypes.DateType, false)
      .add(PREVIOUS_SCORE_DATE, DataTypes.DateType, true)
      .add("leads_scored", DataTypes.LongType, false)
      .add(MQLS, DataTypes.LongType, false)
      .add("new_mqls", DataTypes.LongType, false)
      .add(HOT_LEADS, DataTypes.LongType, false)
      .add("accounts_scored", DataTypes.LongType, true)
      .add("last_ingest_run_id", DataTypes.StringType, true)
      .add("last_ingest_run_date", DataTypes.DateType, true)
      .add("last_ingest_rows_read", DataTypes.LongType, true)
      .add("last_ingest_duplicates", DataTypes.LongType, true)
      .add("last_ingest_rejected", DataTypes.LongType, true)
      .add("backtest_run_id", DataTypes.StringType, true)
      .add("backtest_cutoff", DataTypes.DateType, true)
      .add("backtest_auc", DataTypes.DoubleType, true)
      .add("backtest_top_decile_lift", DataTypes.DoubleType, true)
      .add("segments", DataTypes.LongType, true)
      .add(MODEL_VERSION, DataTypes.StringType, true);

  private ReportJob() {}

  public static JobResult run(JobRuntime rt, Model model, LocalDate date) {
    return run(rt, model, date, List.of());
  }

  /**
   * @param earlier the results of the jobs run before this one in the same pipeline: they are
   *     recorded in run_log only when the pipeline ends, and the page must show this run's
   *     ingest
   */
  public static JobResult run(JobRuntime rt, Model model, LocalDate date,
      List<JobResult> earlier) {
    StageTimer timer = new StageTimer(LOG);
    DeltaStore store = rt.store();
    ScoreHistory leads = new ScoreHistory(store, T_LEAD_SCORE_HISTORY);
    if (!leads.dates().contains(date)) {
      throw new IllegalStateException("no lead scores for " + date + " in "
          + store.path(T_LEAD_SCORE_HISTORY) + ": run score --date " + date + " first");
    }
    List<LocalDate> upTo = leads.dates().stream().filter(d -> !d.isAfter(date)).toList();
    List<LocalDate> days = upTo.subList(Math.max(0, upTo.size() - TREND_DATES), upTo.size());
    Optional<LocalDate> previous = leads.latestBefore(date);
    Writer out = new Writer(store, date);
    ReportPage.Data page = new ReportPage.Data(date, previous, model.version());

    Dataset<Row> today = leads.on(date);
    timer.time("leads", () -> {
      Column inDays = col(SCORE_DATE).isin(days.stream().map(Date::valueOf).toArray());
      page.trend = out.publish(T_REPORT_TREND, trend(store.read(T_LEAD_SCORE_HISTORY)
          .where(inDays)), DAY);
      page.transitions = out.publish(T_REPORT_TRANSITIONS, stageTransitions(
          store.read(T_SCORE_CHANGES).where(inDays)), DAY, TO, FROM);
      page.distribution = out.publish(T_REPORT_DISTRIBUTION,
          distribution(FIT, FIT_SCORE, model.fit().max(), HISTOGRAM_BUCKETS, today)
              .unionByName(distribution(ENGAGEMENT, ENGAGEMENT_SCORE, model.engagement().max(),
                  HISTOGRAM_BUCKETS, today)), MEASURE, BUCKET);
      page.priority = out.publish(T_REPORT_PRIORITY, priorityMatrix(today), PRIORITY);
      page.rules = out.publish(T_REPORT_RULES, ReportAggregates.rules(model, today),
          KIND, RULE);
      page.topLeads = out.publish(T_REPORT_TOP_LEADS, topLeads(TOP_N, today,
          store.read(T_ACCOUNTS)), RANK);
    });

    timer.time("accounts", () -> {
      ScoreHistory accounts = new ScoreHistory(store, T_ACCOUNT_SCORE_HISTORY);
      if (accounts.dates().contains(date)) {
        page.accountsScored = accounts.on(date).count();
        page.topAccounts = out.publish(T_REPORT_TOP_ACCOUNTS, topAccounts(TOP_N,
            accounts.on(date), store.read(T_ACCOUNTS)), RANK);
      } else {
        page.accountsAbsent = "No account scores for " + date + ": run accounts --date "
            + date + " to see the top accounts here.";
        out.clear(T_REPORT_TOP_ACCOUNTS);
      }
    });

    timer.time("ingest runs", () -> {
      Dataset<Row> runs = ingestRunLog(rt, date, earlier)
          .orderBy(col("finished_at").desc()).limit(INGEST_RUNS);
      page.ingestRuns = out.publish(T_REPORT_INGEST, ingestRuns(runs, IngestJob.ROWS_READ,
          IngestJob.ACCEPTED, IngestJob.DUPLICATES, IngestJob.REJECTED), STARTED_AT);
      if (store.exists(T_ACTIVITIES_REJECTED)) {
        page.rejects = out.publish(T_REPORT_REJECTS, ReportAggregates.rejects(
            store.read(T_REPORT_INGEST).where(col(SCORE_DATE).equalTo(lit(Date.valueOf(date)))),
            store.read(T_ACTIVITIES_REJECTED)), RUN_ID, REASON);
      } else {
        out.clear(T_REPORT_REJECTS);
      }
    });

    ReportSources sources = new ReportSources(store);
    timer.time("segments", () -> {
      ReportSources.Found<Dataset<Row>> spells = sources.segmentSpells();
      page.segmentsAbsent = spells.absent();
      if (spells.value().isPresent()) {
        Dataset<Row> dayRows = store.spark().createDataFrame(days.stream()
                .map(d -> RowFactory.create(Date.valueOf(d))).toList(),
            new StructType().add(DAY, DataTypes.DateType, false));
        page.segments = out.publish(T_REPORT_SEGMENTS,
            ReportAggregates.segments(dayRows, spells.value().get()), SEGMENT, DAY);
      } else {
        out.clear(T_REPORT_SEGMENTS);
      }
    });

    timer.time("backtest", () -> {
      ReportSources.Found<ReportSources.Backtest> backtest = sources.latestBacktest();
      page.backtestAbsent = backtest.absent();
      if (backtest.value().isPresent()) {
        page.backtest = backtest.value().get();
        page.backtestBuckets = out.publish(T_REPORT_BACKTEST, page.backtest.buckets(),
            "dimension", "bucket");
      } else {
        out.clear(T_REPORT_BACKTEST);
      }
    });

    Row daily = timer.time("write report_daily", () -> {
      Row row = page.dailyRow();
      out.publish(T_REPORT_DAILY, store.spark().createDataFrame(List.of(row), DAILY)
          .drop(SCORE_DATE));
      return row;
    });

    String html = timer.time("render page", () -> ReportPage.render(page));
    byte[] bytes = html.getBytes(StandardCharsets.UTF_8);
    String folder = rt.settings().reports();
    List<String> outputs = new ArrayList<>();
    boolean latest = leads.latest().orElseThrow().equals(date);
    timer.time("write page", () -> {
      outputs.add(write(rt, folder, date + ".html", bytes));
      if (latest) {
        outputs.add(write(rt, folder, "latest.html", bytes));
      } else {
        LOG.info("{} is not the latest scored date ({}): latest.html left as it is", date,
            leads.latest().orElseThrow());
      }
    });
    for (String t : out.written) {
      outputs.add(store.path(t) + " (score_date=" + date + ")");
    }
    Map<String, Long> counts = new LinkedHashMap<>();
    counts.put("leads_scored", daily.getLong(DAILY.fieldIndex("leads_scored")));
    counts.put(MQLS, daily.getLong(DAILY.fieldIndex(MQLS)));
    counts.put("new_mqls", daily.getLong(DAILY.fieldIndex("new_mqls")));
    counts.put(HOT_LEADS, daily.getLong(DAILY.fieldIndex(HOT_LEADS)));
    counts.put("accounts_scored", page.accountsScored == null ? 0L : page.accountsScored);
    counts.put("trend_dates", (long) days.size());
    counts.put(REPORT_BYTES, (long) bytes.length);
    return new JobResult("report", date, counts, timer.seconds(), timer.elapsed(), outputs);
  }

  /** Succeeded ingest runs up to the date: run_log's, and this pipeline's own. */
  private static Dataset<Row> ingestRunLog(JobRuntime rt, LocalDate date,
      List<JobResult> earlier) {
    List<Row> pending = new ArrayList<>();
    Instant now = Instant.now();
    for (JobResult r : earlier) {
      if (r.job().equals("ingest") && !r.date().isAfter(date)) {
        pending.add(RowFactory.create(rt.runId(), "ingest", Date.valueOf(r.date()), "succeeded",
            Timestamp.from(now.minusMillis((long) (r.wallSeconds() * 1000))),
            Timestamp.from(now), null, JavaConverters.mapAsScalaMap(r.counts()), null, null,
            null));
      }
    }
    Dataset<Row> runs = rt.spark().createDataFrame(pending, RunLog.SCHEMA);
    if (rt.store().exists(T_RUN_LOG)) {
      runs = runs.unionByName(rt.store().read(T_RUN_LOG)
          .select(java.util.Arrays.stream(RunLog.SCHEMA.fieldNames()).map(c -> col(c))
              .toArray(Column[]::new)));
    }
    return runs.where(col("job").equalTo("ingest").and(col("status").equalTo("succeeded"))
        .and(col("run_date").leq(lit(Date.valueOf(date)))));
  }

  /** Writes one page atomically enough for a reader: a temporary file renamed over the old. */
  private static String write(JobRuntime rt, String folder, String name, byte[] bytes) {
    try {
      Path dir = new Path(folder);
      FileSystem fs = dir.getFileSystem(rt.spark().sparkContext().hadoopConfiguration());
      // No .crc side files next to the pages on a local disk: people open this folder.
      fs.setWriteChecksum(false);
      fs.mkdirs(dir);
      Path target = new Path(dir, name);
      Path tmp = new Path(dir, "." + name + "." + rt.runId() + ".tmp");
      try (OutputStream os = fs.create(tmp, true)) {
        os.write(bytes);
      }
      fs.delete(target, false);
      if (!fs.rename(tmp, target)) {
        throw new IOException("could not rename " + tmp + " to " + target);
      }
      return fs.makeQualified(target).toString();
    } catch (IOException e) {
      throw new UncheckedIOException("writing the report to " + folder + ": " + e.getMessage(),
          e);
    }
  }

  /** Writes the date's partition of each report table and reads back what the page shows. */
  private static final class Writer {
    private final DeltaStore store;
    private final LocalDate date;
    private final List<String> written = new ArrayList<>();

    Writer(DeltaStore store, LocalDate date) {
      this.store = store;
      this.date = date;
    }

    /**
     * Replaces the date's partition of {@code table} with {@code rows} and returns the same
     * rows (so the page shows what BI reads), ordered by {@code orderBy}. The rows are an
     * aggregate: a few hundred at most.
     */
    List<Row> publish(String table, Dataset<Row> rows, String... orderBy) {
      List<Column> cols = new ArrayList<>();
      cols.add(lit(Date.valueOf(date)).as(SCORE_DATE));
      for (String c : rows.columns()) {
        cols.add(col(c));
      }
      // Computed once, kept for the write and the page; one file per date's partition.
      Dataset<Row> stamped = rows.select(cols.toArray(Column[]::new)).coalesce(1).persist();
      try {
        store.replacePartition(table, stamped, SCORE_DATE, "DATE'" + date + "'");
        written.add(table);
        return (orderBy.length == 0 ? stamped : stamped.orderBy(orderBy[0],
            java.util.Arrays.copyOfRange(orderBy, 1, orderBy.length))).collectAsList();
      } finally {
        stamped.unpersist();
      }
    }

    /** Empties the date's partition of a table whose section has no data this time. */
    void clear(String table) {
      if (store.exists(table)) {
        store.replacePartition(table, store.read(table).limit(0), SCORE_DATE,
            "DATE'" + date + "'");
        written.add(table);
      }
    }
  }
}

package io.leadscore.bench;

import io.leadscore.bench.Report.Kind;
import io.leadscore.common.config.Model;
import io.leadscore.jobs.Main;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The measured runs of one scale, in order: (a) a full rescore of D, then the same engagement
 * as one plain Spark SQL query over the same Delta tables (the Spark limit), (b) the daily
 * pipeline on 365 days of history: ingest of day D, score, accounts and segments, (c) the
 * same on 30 days, (d) DuckDB on Parquet snapshots of the activities (b) and (c) scored; then
 * the agreement checks. Every leadscore run is a job through {@link Main#execute}, with its
 * own SparkSession started and stopped inside the timing, on a fresh copy of a cached
 * warehouse.
 */
final class ScaleRun {
  private static final Logger LOG = LoggerFactory.getLogger(ScaleRun.class);
  private static final int[] HISTORIES = {365, 30};
  /** The jobs of the daily pipeline after ingest, in the order a schedule runs them. */
  private static final List<String> DAILY_JOBS = List.of("score", "accounts", "segments");

  final ScaleData data;
  private final Model model;
  private final boolean hasFull;
  private final int repeat;
  private final int batchDays;
  private final int cores;
  private final String duckMemory;
  private final Report report;
  private final LocalDate date;
  String sparkVersion = "?";
  String duckVersion = "?";

  ScaleRun(ScaleData data, Model model, boolean hasFull, int repeat, int batchDays, int cores,
      String duckMemory, Report report) {
    this.data = data;
    this.model = model;
    this.hasFull = hasFull;
    this.repeat = repeat;
    this.batchDays = batchDays;
    this.cores = cores;
    this.duckMemory = duckMemory;
    this.report = report;
    this.date = data.date;
  }

  void run() {
    Scale scale = data.scale;
    data.writeConf();
    data.ensureDataset();
    for (int history : HISTORIES) {
      data.ensureWarehouse(history, batchDays);
    }
    FileTrees.deleteTree(data.runs);
    FileTrees.deleteTree(data.snapshots);
    String d = date.toString();

    List<Measurement> full = new ArrayList<>();
    List<Measurement> plain = new ArrayList<>();
    // Per history: per daily job (ingest first), one measurement per repeat.
    List<List<List<Measurement>>> daily = new ArrayList<>();
    for (int i = 0; i < HISTORIES.length; i++) {
      List<List<Measurement>> jobs = new ArrayList<>();
      for (int j = 0; j <= DAILY_JOBS.size(); j++) {
        jobs.add(new ArrayList<>());
      }
      daily.add(jobs);
    }
    for (int r = 0; r < repeat; r++) {
      boolean first = r == 0;
      LOG.info("bench {}: run {} of {}", scale, r + 1, repeat);

      // (a) The rescore's input is day D ingested; that ingest is not timed (it also warms
      // the JVM up for the runs after it).
      Path wh = copy(365, "full");
      ScaleData.job(data.jobArgs("ingest", wh, "--date", d));
      full.add(timed("full rescore", hasFull
          ? data.jobArgs("score", wh, "--date", d, "--full")
          : data.jobArgs("score", wh, "--date", d)));
      Path warehouse = wh;
      plain.add(timed("plain Spark SQL", () -> PlainSpark.engagement(data.conf, warehouse,
          model, date, snapshot("scores-plain-spark"))));
      if (first) {
        export(wh, e -> e.scores(date, snapshot("scores-full")));
      }
      FileTrees.deleteTree(wh);

      // (b), (c) The daily run: ingest day D, then score, accounts and segments, each timed.
      for (int i = 0; i < HISTORIES.length; i++) {
        int history = HISTORIES[i];
        wh = copy(history, "incremental");
        List<List<Measurement>> jobs = daily.get(i);
        jobs.get(0).add(timed("ingest day D (" + history + " d)",
            data.jobArgs("ingest", wh, "--date", d)));
        for (int j = 0; j < DAILY_JOBS.size(); j++) {
          String job = DAILY_JOBS.get(j);
          jobs.get(j + 1).add(timed(dailyLabel(job, history), data.jobArgs(job, wh, "--date", d)));
        }
        if (first) {
          export(wh, e -> {
            e.scores(date, snapshot("scores-incremental-" + history));
            e.activities(date, snapshot("activities-" + history));
            if (history == 365) {
              e.leads(snapshot("leads"));
            }
          });
        }
        FileTrees.deleteTree(wh);
        FileTrees.deleteTree(data.runs.resolve("exports"));
      }
    }

    try (DuckDb duck = new DuckDb(cores, duckMemory, data.root.resolve("duckdb.tmp"))) {
      duckVersion = duck.version();
      long leads = duck.count(glob("leads"));
      long dayLines = data.landingLines(date);
      String fullLabel = hasFull ? "full rescore (365 d)" : "full rescore (plain score, 365 d)";
      List<Report.Line> duckLines = new ArrayList<>();
      for (int i = 0; i < HISTORIES.length; i++) {
        int history = HISTORIES[i];
        long events = duck.count(glob("activities-" + history));
        String sql = EngagementSql.leadEngagement(model, date, glob("activities-" + history),
            glob("leads"));
        String table = "duckdb_" + history;
        List<Measurement> ms = new ArrayList<>();
        for (int r = 0; r < repeat; r++) {
          LOG.info("bench {}: DuckDB over {} days of history, run {} of {}", scale, history,
              r + 1, repeat);
          ms.add(Measurement.of(() -> {
            duck.createTable(table, sql);
            return 0;
          }));
        }
        if (history == 365) {
          report.add(new Report.Line(scale, fullLabel, Kind.SCORE, 365, events, leads, full));
          report.add(duck.compare(scale + " " + fullLabel, table, "DuckDB",
              glob("scores-full")));
          report.add(new Report.Line(scale, PLAIN_SPARK, Kind.SCORE, 365, events, leads,
              plain));
          report.add(duck.compare(scale + " " + PLAIN_SPARK, table, "DuckDB",
              glob("scores-plain-spark")));
        }
        List<List<Measurement>> jobs = daily.get(i);
        report.add(new Report.Line(scale, "ingest day D (" + history + " d)", Kind.INGEST,
            history, dayLines, leads, jobs.get(0)));
        for (int j = 0; j < DAILY_JOBS.size(); j++) {
          String job = DAILY_JOBS.get(j);
          report.add(new Report.Line(scale, dailyLabel(job, history),
              job.equals("score") ? Kind.SCORE : Kind.DAILY, history, events, leads,
              jobs.get(j + 1)));
        }
        report.add(new Report.Line(scale, DAILY_PIPELINE + " (" + history + " d)",
            Kind.PIPELINE, history, events, leads, Measurement.sums(jobs)));
        report.add(duck.compare(scale + " incremental score (" + history + " d)", table,
            "DuckDB", glob("scores-incremental-" + history)));
        duckLines.add(new Report.Line(scale, "DuckDB (" + history + " d)", Kind.DUCKDB,
            history, events, leads, ms));
      }
      duckLines.forEach(report::add);
    }
  }

  static final String PLAIN_SPARK = "plain Spark SQL (365 d)";
  static final String DAILY_PIPELINE = "daily pipeline: ingest + score + accounts + segments";

  private static String dailyLabel(String job, int history) {
    return (job.equals("score") ? "incremental score" : job) + " (" + history + " d)";
  }

  private Path copy(int history, String purpose) {
    Path target = data.runs.resolve(purpose + "-" + history);
    FileTrees.deleteTree(target);
    LOG.info("bench {}: copying w{} to {}", data.scale, history, target);
    FileTrees.copyTree(data.warehouse(history), target);
    return target;
  }

  private static Measurement timed(String what, String[] args) {
    Measurement m = timed(what, () -> Main.execute(args));
    if (m.exitCode() != 0) {
      throw new IllegalStateException(what + ": leadscore " + String.join(" ", args)
          + " failed with exit code " + m.exitCode());
    }
    return m;
  }

  private static Measurement timed(String what, java.util.function.IntSupplier body) {
    Measurement m = Measurement.of(body);
    LOG.info("bench: {} took {} s", what, String.format(java.util.Locale.ROOT, "%.1f",
        m.wallSeconds()));
    return m;
  }

  private void export(Path warehouse, Consumer<SparkExport> work) {
    try (SparkExport export = new SparkExport(data.conf, warehouse)) {
      sparkVersion = export.sparkVersion();
      work.accept(export);
    }
  }

  private Path snapshot(String name) {
    return data.snapshots.resolve(name);
  }

  private String glob(String name) {
    return snapshot(name).toAbsolutePath() + "/*.parquet";
  }
}

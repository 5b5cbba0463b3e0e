package io.leadscore.jobs;

import static org.apache.spark.sql.functions.*;

import io.leadscore.common.report.ReportAggregates;
import io.leadscore.common.storage.DeltaStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The report's readers of tables other jobs own and may not have written: the backtest
 * tables and the segment spells. Each says why its section is absent instead of failing, and
 * each checks the columns it reads, so a table of another shape shows as absent with the
 * missing columns named. Keep every assumption about those tables' schemas here.
 */
final class ReportSources {
  static final String T_BACKTEST_RUNS = "backtest_runs";
  static final String T_BACKTEST_METRICS = "backtest_metrics";
  static final String T_BACKTEST_BUCKETS = "backtest_buckets";
  static final String T_SEGMENT_MEMBERSHIP = "segment_membership";

  /** The bucket dimensions the page shows, in this order (the others stay in the table). */
  static final List<String> BACKTEST_DIMENSIONS = List.of("band", "grade", "decile");

  /** What was found, or why not. */
  record Found<T>(Optional<T> value, String absent) {
    static <T> Found<T> of(T value) {
      return new Found<>(Optional.of(value), null);
    }

    static <T> Found<T> none(String why) {
      return new Found<>(Optional.empty(), why);
    }
  }

  /**
   * The latest backtest: its run, the model-under-test's metrics at its latest cutoff and
   * that cutoff's conversion buckets.
   */
  record Backtest(String runId, java.sql.Date cutoff, Double auc, Double topDecileLift,
      Double baseRate, Long leads, Long conversions, Dataset<Row> buckets) {}

  private final DeltaStore store;

  ReportSources(DeltaStore store) {
    this.store = store;
  }

  Found<Backtest> latestBacktest() {
    for (String t : List.of(T_BACKTEST_RUNS, T_BACKTEST_METRICS, T_BACKTEST_BUCKETS)) {
      if (!store.exists(t)) {
        return Found.none("No backtest has been run yet (no " + t + " table): run backtest"
            + " to see conversion by band and grade, the lift chart and the AUC here.");
      }
    }
    Dataset<Row> runs = store.read(T_BACKTEST_RUNS);
    Dataset<Row> metrics = store.read(T_BACKTEST_METRICS);
    Dataset<Row> buckets = store.read(T_BACKTEST_BUCKETS);
    String missing = missing(T_BACKTEST_RUNS, runs, "run_id", "started_at")
        + missing(T_BACKTEST_METRICS, metrics, "run_id", "cutoff", "auc_combined",
            "top_decile_lift", "base_rate", "leads", "conversions")
        + missing(T_BACKTEST_BUCKETS, buckets, "run_id", "cutoff", "dimension", "bucket",
            "leads", "conversions", "conversion_rate", "lift");
    if (!missing.isEmpty()) {
      return Found.none("The backtest tables are not in the shape this report reads:"
          + missing + ".");
    }
    List<Row> latest = runs.orderBy(col("started_at").desc(), col("run_id").desc())
        .select("run_id").limit(1).collectAsList();
    if (latest.isEmpty()) {
      return Found.none("The backtest tables are empty: run backtest.");
    }
    String runId = latest.get(0).getString(0);
    Dataset<Row> ofRun = own(metrics.where(col("run_id").equalTo(runId)));
    List<Row> m = ofRun.orderBy(col("cutoff").desc()).select("cutoff", "auc_combined",
        "top_decile_lift", "base_rate", "leads", "conversions").limit(1).collectAsList();
    if (m.isEmpty()) {
      return Found.none("The latest backtest run " + runId + " has no metrics.");
    }
    Row r = m.get(0);
    java.sql.Date cutoff = r.getDate(0);
    Dataset<Row> b = own(buckets.where(col("run_id").equalTo(runId)
            .and(col("cutoff").equalTo(lit(cutoff)))))
        .where(col("dimension").isin(BACKTEST_DIMENSIONS.toArray()))
        .select(lit(runId).as("backtest_run_id"), col("cutoff"), col("dimension"),
            col("bucket"), col("leads").cast("long").as("leads"),
            col("conversions").cast("long").as("conversions"),
            col("conversion_rate").cast("double").as("conversion_rate"),
            col("lift").cast("double").as("lift"));
    return Found.of(new Backtest(runId, cutoff, num(r, 1), num(r, 2), num(r, 3),
        r.isNullAt(4) ? null : ((Number) r.get(4)).longValue(),
        r.isNullAt(5) ? null : ((Number) r.get(5)).longValue(), b));
  }

  /** Spells (segment, lead_id, entered_on, exited_on) as the segments job keeps them. */
  Found<Dataset<Row>> segmentSpells() {
    if (!store.exists(T_SEGMENT_MEMBERSHIP)) {
      return Found.none("No segments have been computed yet (no " + T_SEGMENT_MEMBERSHIP
          + " table): run segments to see their sizes here.");
    }
    Dataset<Row> spells = store.read(T_SEGMENT_MEMBERSHIP);
    String missing = missing(T_SEGMENT_MEMBERSHIP, spells, ReportAggregates.SEGMENT, "lead_id",
        ReportAggregates.ENTERED_ON, ReportAggregates.EXITED_ON);
    if (!missing.isEmpty()) {
      return Found.none("The segment table is not in the shape this report reads:" + missing
          + ".");
    }
    return Found.of(spells.select(col(ReportAggregates.SEGMENT), col("lead_id"),
        col(ReportAggregates.ENTERED_ON).cast("date").as(ReportAggregates.ENTERED_ON),
        col(ReportAggregates.EXITED_ON).cast("date").as(ReportAggregates.EXITED_ON)));
  }

  /** The model under test's rows, where the backtest also compared another model. */
  private static Dataset<Row> own(Dataset<Row> rows) {
    return List.of(rows.columns()).contains("model_role")
        ? rows.where(col("model_role").equalTo("model")) : rows;
  }

  private static String missing(String table, Dataset<Row> rows, String... columns) {
    List<String> absent = new ArrayList<>();
    for (String c : columns) {
      if (!List.of(rows.columns()).contains(c)) {
        absent.add(c);
      }
    }
    return absent.isEmpty() ? "" : " " + table + " lacks " + String.join(", ", absent);
  }

  private static Double num(Row r, int i) {
    return r.isNullAt(i) ? null : ((Number) r.get(i)).doubleValue();
  }
}

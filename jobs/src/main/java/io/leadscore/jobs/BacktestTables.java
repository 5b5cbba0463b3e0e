package io.leadscore.jobs;

import static org.apache.spark.sql.types.DataTypes.*;

import io.leadscore.common.backtest.BacktestMetrics.Bucket;
import io.leadscore.common.backtest.BacktestMetrics.Evaluation;
import io.leadscore.common.backtest.BacktestMetrics.RuleStat;
import io.leadscore.common.backtest.BacktestMetrics.Summary;
import io.leadscore.common.config.Model;
import io.leadscore.jobs.BacktestJob.CutoffResult;
import io.leadscore.jobs.BacktestJob.Report;
import java.sql.Date;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import scala.collection.JavaConverters;

/**
 * The rows of the backtest tables, for BI: one run per run id ({@code backtest_runs}); per
 * run, model and cutoff the summary metrics ({@code backtest_metrics}), the conversion rate
 * by grade, band, priority and score decile ({@code backtest_buckets}) and the rule report
 * ({@code backtest_rules}). {@code model_role} tells the model under test ({@code model})
 * from the one compared with it ({@code compare}); a metric that cannot be computed (no
 * conversions, no leads) is null.
 */
final class BacktestTables {
  static final StructType RUNS = new StructType()
      .add("run_id", StringType, false)
      .add("started_at", TimestampType, false)
      .add("model_version", StringType, false)
      .add("model_file", StringType, true)
      .add("compare_model_version", StringType, true)
      .add("compare_model_file", StringType, true)
      .add("cutoffs", createArrayType(DateType), false)
      .add("horizon_days", IntegerType, false)
      .add("conversion_outcomes", createArrayType(StringType), false)
      .add("impact_date", DateType, true)
      .add("impact_leads", LongType, true)
      .add("impact_grade_changes", LongType, true)
      .add("impact_band_changes", LongType, true)
      .add("impact_mql_changes", LongType, true)
      .add("impact_new_mqls", LongType, true)
      .add("impact_lost_mqls", LongType, true);

  private static StructType keyed() {
    return new StructType()
        .add("run_id", StringType, false)
        .add("model_role", StringType, false)
        .add("model_version", StringType, false)
        .add("cutoff", DateType, false)
        .add("horizon_days", IntegerType, false);
  }

  static final StructType METRICS = keyed()
      .add("leads_snapshot", StringType, true)
      .add("accounts_snapshot", StringType, true)
      .add("leads", LongType, false)
      .add("conversions", LongType, false)
      .add("excluded_created_after", LongType, false)
      .add("excluded_converted_before", LongType, false)
      .add("base_rate", DoubleType, true)
      .add("auc_engagement", DoubleType, true)
      .add("auc_fit", DoubleType, true)
      .add("auc_combined", DoubleType, true)
      .add("top_decile_lift", DoubleType, true)
      .add("top_20pct_lift", DoubleType, true)
      .add("mql_volume", LongType, false)
      .add("mql_conversions", LongType, false)
      .add("mql_precision", DoubleType, true)
      .add("mql_recall", DoubleType, true);

  static final StructType BUCKETS = keyed()
      .add("dimension", StringType, false)
      .add("bucket", StringType, false)
      .add("leads", LongType, false)
      .add("conversions", LongType, false)
      .add("conversion_rate", DoubleType, true)
      .add("lift", DoubleType, true);

  static final StructType RULES = keyed()
      .add("rule", StringType, false)
      .add("kind", StringType, false)
      .add("leads", LongType, false)
      .add("conversions", LongType, false)
      .add("conversion_rate", DoubleType, true)
      .add("lift", DoubleType, true);

  private final SparkSession spark;
  private final Report report;

  BacktestTables(SparkSession spark, Report report) {
    this.spark = spark;
    this.report = report;
  }

  Dataset<Row> runs() {
    var r = report.request();
    List<Date> cutoffs = r.cutoffs().stream().sorted().distinct().map(Date::valueOf).toList();
    var impact = report.impact();
    Row row = RowFactory.create(r.runId(), Timestamp.from(report.startedAt()),
        r.model().version(), r.model().source(),
        r.compare().map(Model::version).orElse(null), r.compare().map(Model::source).orElse(null),
        JavaConverters.asScalaBuffer(new ArrayList<>(cutoffs)).toList(), r.horizonDays(),
        JavaConverters.asScalaBuffer(new ArrayList<>(r.conversionOutcomes())).toList(),
        impact.map(i -> Date.valueOf(i.date())).orElse(null),
        impact.map(i -> i.leads()).orElse(null),
        impact.map(i -> i.gradeChanges()).orElse(null),
        impact.map(i -> i.bandChanges()).orElse(null),
        impact.map(i -> i.mqlChanges()).orElse(null),
        impact.map(i -> i.newMqls()).orElse(null),
        impact.map(i -> i.lostMqls()).orElse(null));
    return spark.createDataFrame(List.of(row), RUNS);
  }

  Dataset<Row> metrics() {
    List<Row> rows = new ArrayList<>();
    each((c, role) -> {
      Summary s = evaluation(c, role).summary();
      rows.add(RowFactory.create(concat(key(c, role), new Object[] {c.leadsSnapshot(),
          c.accountsSnapshot(), s.leads(), s.conversions(), c.createdAfter(),
          c.convertedBefore(), num(s.baseRate()), num(s.aucEngagement()), num(s.aucFit()),
          num(s.aucCombined()), num(s.topDecileLift()), num(s.top20Lift()), s.mqlVolume(),
          s.mqlConversions(), num(s.mqlPrecision()), num(s.mqlRecall())})));
    });
    return spark.createDataFrame(rows, METRICS);
  }

  Dataset<Row> buckets() {
    List<Row> rows = new ArrayList<>();
    each((c, role) -> {
      for (Bucket b : evaluation(c, role).buckets()) {
        rows.add(RowFactory.create(concat(key(c, role), new Object[] {b.dimension(),
            b.bucket(), b.leads(), b.conversions(), num(b.rate()), num(b.lift())})));
      }
    });
    return spark.createDataFrame(rows, BUCKETS);
  }

  Dataset<Row> rules() {
    List<Row> rows = new ArrayList<>();
    each((c, role) -> {
      for (RuleStat r : evaluation(c, role).rules()) {
        rows.add(RowFactory.create(concat(key(c, role), new Object[] {r.rule(), r.kind(),
            r.leads(), r.conversions(), num(r.rate()), num(r.lift())})));
      }
    });
    return spark.createDataFrame(rows, RULES);
  }

  private void each(BiConsumer<CutoffResult, String> f) {
    for (CutoffResult c : report.cutoffs()) {
      f.accept(c, BacktestJob.MODEL);
      if (c.compare().isPresent()) {
        f.accept(c, BacktestJob.COMPARE);
      }
    }
  }

  private static Evaluation evaluation(CutoffResult c, String role) {
    return role.equals(BacktestJob.MODEL) ? c.model() : c.compare().orElseThrow();
  }

  private Object[] key(CutoffResult c, String role) {
    Model m = role.equals(BacktestJob.MODEL) ? report.request().model()
        : report.request().compare().orElseThrow();
    return new Object[] {report.request().runId(), role, m.version(), Date.valueOf(c.cutoff()),
        report.request().horizonDays()};
  }

  private static Object[] concat(Object[] a, Object[] b) {
    Object[] out = new Object[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  /** NaN (no conversions, no leads) is stored as null, which BI tools show as missing. */
  private static Double num(double d) {
    return Double.isNaN(d) || Double.isInfinite(d) ? null : d;
  }
}

package io.leadscore.common.backtest;

import static io.leadscore.common.Schemas.*;
import static org.apache.spark.sql.functions.*;

import io.leadscore.common.config.Model;
import io.leadscore.common.scoring.Stages;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * What a backtest measures of one model at one cutoff, from the judged leads' scores and
 * labels. Every metric is an aggregate computed in Spark; only the aggregates (a few dozen
 * rows) are collected.
 */
public final class BacktestMetrics {
  private BacktestMetrics() {}

  /** The combined ranking: fit and engagement added, both on their 0..max scales. */
  public static final String COMBINED = "combined_score";

  public static final String GRADE_DIM = "grade";
  public static final String BAND_DIM = "band";
  public static final String PRIORITY_DIM = "priority";
  public static final String DECILE_DIM = "decile";

  public static final List<String> GRADES = List.of("A", "B", "C", "D");
  public static final List<String> BANDS = List.of("hot", "warm", "cold");

  public record Summary(long leads, long conversions, double baseRate, double aucEngagement,
      double aucFit, double aucCombined, double topDecileLift, double top20Lift,
      long mqlVolume, long mqlConversions, double mqlPrecision, double mqlRecall) {}

  /** Leads and conversions of one value of a dimension (grade A, band hot, decile 1...). */
  public record Bucket(String dimension, String bucket, long leads, long conversions,
      double rate, double lift) {}

  /** A rule's leads (those it gave non-zero points), their conversion rate and its lift. */
  public record RuleStat(String rule, String kind, long leads, long conversions, double rate,
      double lift) {}

  public record Evaluation(Summary summary, List<Bucket> buckets, List<RuleStat> rules) {}

  public static Column combined() {
    return col(FIT_SCORE).plus(col(ENGAGEMENT_SCORE));
  }

  /**
   * @param judged one row per judged lead: the scores' columns (grade, band, priority,
   *     stage, fit_score, engagement_score, contributions) and {@code converted} (0/1)
   */
  public static Evaluation evaluate(Model model, Dataset<Row> judged) {
    Column converted = col(Population.CONVERTED);
    Column mql = when(col(STAGE).equalTo(Stages.MQL), 1).otherwise(0);
    Row totals = judged.agg(count(lit(1)), sum(converted), sum(mql),
        sum(mql.multiply(converted))).first();
    long leads = totals.getLong(0);
    long conversions = totals.isNullAt(1) ? 0 : totals.getLong(1);
    long mqls = totals.isNullAt(2) ? 0 : totals.getLong(2);
    long mqlConversions = totals.isNullAt(3) ? 0 : totals.getLong(3);
    double base = ratio(conversions, leads);

    double aucEngagement = RankMetrics.auc(judged, col(ENGAGEMENT_SCORE), converted);
    double aucFit = RankMetrics.auc(judged, col(FIT_SCORE), converted);
    double aucCombined = RankMetrics.auc(judged, combined(), converted);

    Dataset<Row> withDecile = RankMetrics.withDecile(judged, LEAD_ID, combined(), leads);
    Dataset<Row> dims = withDecile.select(converted, explode(array(
        struct(lit(GRADE_DIM).as("d"), col(GRADE).as("b")),
        struct(lit(BAND_DIM).as("d"), col(BAND).as("b")),
        struct(lit(PRIORITY_DIM).as("d"), col(PRIORITY).as("b")),
        struct(lit(DECILE_DIM).as("d"), col(RankMetrics.DECILE).cast("string").as("b"))))
        .as("x"));
    Map<String, long[]> counted = new HashMap<>();
    for (Row r : dims.groupBy(col("x.d"), col("x.b"))
        .agg(count(lit(1)), sum(converted)).collectAsList()) {
      counted.put(r.getString(0) + "/" + r.getString(1),
          new long[] {r.getLong(2), r.isNullAt(3) ? 0 : r.getLong(3)});
    }
    Map<String, List<String>> values = new LinkedHashMap<>();
    values.put(GRADE_DIM, GRADES);
    values.put(BAND_DIM, BANDS);
    List<String> priorities = new ArrayList<>();
    for (String g : GRADES) {
      for (int digit = 1; digit <= 3; digit++) {
        priorities.add(g + digit);
      }
    }
    values.put(PRIORITY_DIM, priorities);
    values.put(DECILE_DIM, RankMetrics.decileNames());
    List<Bucket> buckets = new ArrayList<>();
    values.forEach((dim, names) -> {
      for (String name : names) {
        long[] c = counted.getOrDefault(dim + "/" + name, new long[2]);
        double rate = ratio(c[1], c[0]);
        buckets.add(new Bucket(dim, name, c[0], c[1], rate, ratio(rate, base)));
      }
    });
    long[] d1 = counted.getOrDefault(DECILE_DIM + "/1", new long[2]);
    long[] d2 = counted.getOrDefault(DECILE_DIM + "/2", new long[2]);
    double topDecileLift = ratio(ratio(d1[1], d1[0]), base);
    double top20Lift = ratio(ratio(d1[1] + d2[1], d1[0] + d2[0]), base);

    return new Evaluation(new Summary(leads, conversions, base, aucEngagement, aucFit,
        aucCombined, topDecileLift, top20Lift, mqls, mqlConversions,
        ratio(mqlConversions, mqls), ratio(mqlConversions, conversions)), buckets,
        rules(model, judged, base));
  }

  /** The rule report: every rule of the model, with the leads it gave points to. */
  static List<RuleStat> rules(Model model, Dataset<Row> judged, double base) {
    Column converted = col(Population.CONVERTED);
    Map<String, long[]> counted = new HashMap<>();
    for (Row r : judged.select(explode(map_keys(col(CONTRIBUTIONS))).as(RULE), converted)
        .groupBy(RULE).agg(count(lit(1)), sum(converted)).collectAsList()) {
      counted.put(r.getString(0), new long[] {r.getLong(1), r.isNullAt(2) ? 0 : r.getLong(2)});
    }
    Map<String, String> kinds = new LinkedHashMap<>();
    model.engagement().rules().forEach(r -> kinds.put(r.name(), "engagement"));
    model.engagement().inactivity().ifPresent(i -> kinds.put(Model.INACTIVITY, "engagement"));
    model.fit().rules().forEach(r -> kinds.put(r.name(), "fit"));
    List<RuleStat> out = new ArrayList<>();
    kinds.forEach((rule, kind) -> {
      long[] c = counted.getOrDefault(rule, new long[2]);
      double rate = ratio(c[1], c[0]);
      out.add(new RuleStat(rule, kind, c[0], c[1], rate, ratio(rate, base)));
    });
    return out;
  }

  static double ratio(double a, double b) {
    return b == 0 || Double.isNaN(a) || Double.isNaN(b) ? Double.NaN : a / b;
  }
}

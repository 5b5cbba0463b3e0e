package io.leadscore.common.scoring;

import static io.leadscore.common.Schemas.*;
import static org.apache.spark.sql.functions.*;

import io.leadscore.common.config.Model;
import io.leadscore.common.config.Model.EngagementRule;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import scala.collection.JavaConverters;

/**
 * Decayed engagement per subject from daily counts (SPEC §4):
 *
 * <pre>
 *   n'(l,r,d) = min(n, max-per-day)
 *   decay(age) = 0.5 ^ (age / H_r)      age = D - d in whole days, H_r in days; 1 if decay = false
 *   c(l,r)    = sum over d with 0 <= age < lookback of n' * p_r * decay(age),
 *               clamped in magnitude to cap
 * </pre>
 *
 * Output per subject: {@code engagement_raw} (sum of c over rules, unrounded) and
 * {@code engagement_contributions} (rule to c rounded to 2 decimals, zeros left out).
 */
public final class Engagement {
  private Engagement() {}

  public static final String RAW = "engagement_raw";
  public static final String CONTRIBUTIONS = "engagement_contributions";
  public static final String LAST_ACTIVITY = "last_activity_date";
  public static final String DECAYED_COUNT = "decayed_count";
  public static final String DAYS = "days";
  /** Per subject, rule to struct(decayed_count, days): see {@link #sumsBySubject}. */
  public static final String SUMS = "sums";

  private static final StructType RULES = new StructType()
      .add("rule", DataTypes.StringType)
      .add("points", DataTypes.DoubleType)
      .add("max_per_day", DataTypes.LongType)
      .add("half_life_days", DataTypes.DoubleType)
      .add("decay", DataTypes.BooleanType)
      .add("cap", DataTypes.DoubleType);

  /** Engagement of one kind of subject ({@code lead} or {@code account}) as of {@code asOf}. */
  public static Dataset<Row> score(Model model, LocalDate asOf, String subjectKind,
      Dataset<Row> daily) {
    return fromDecayedCounts(model, decayedCounts(model, asOf, subjectKind, daily));
  }

  /**
   * Per subject and rule, the decayed count {@code sum of n' * decay(D - d)} over the days
   * within the lookback as of {@code asOf}, and the number of those days: everything of
   * {@code c(l, r)} that does not depend on points or cap, so it can be carried from one day
   * to the next ({@link EngagementCarry}). Columns: subject_id, rule, decayed_count, days.
   */
  public static Dataset<Row> decayedCounts(Model model, LocalDate asOf, String subjectKind,
      Dataset<Row> daily) {
    Column age = datediff(lit(asOf.toString()).cast("date"), col(EVENT_DATE));
    return decayedCountsOfDays(model, asOf, subjectKind,
        daily.where(age.geq(0).and(age.lt(model.engagement().lookbackDays()))));
  }

  /**
   * {@link #decayedCounts} over whichever days {@code daily} holds, inside the lookback or
   * not: the terms a carried sum gains or loses when days enter, leave or change.
   */
  public static Dataset<Row> decayedCountsOfDays(Model model, LocalDate asOf,
      String subjectKind, Dataset<Row> daily) {
    Column age = datediff(lit(asOf.toString()).cast("date"), col(EVENT_DATE));
    Column perDay = least(col(DailyCounts.N), coalesce(col("max_per_day"), col(DailyCounts.N)));
    return daily
        .where(col(DailyCounts.SUBJECT_KIND).equalTo(subjectKind)
            .and(col(DailyCounts.RULE).notEqual(DailyCounts.ANY)))
        .join(broadcast(rules(daily.sparkSession(), model)), DailyCounts.RULE)
        .withColumn("w", perDay.multiply(decay(age)))
        .groupBy(DailyCounts.SUBJECT_ID, DailyCounts.RULE)
        .agg(sum("w").as(DECAYED_COUNT), count(lit(1)).as(DAYS));
  }

  /**
   * {@code decay(age)} of each rule's row: {@code 0.5 ^ (age / H_r)}, or 1 without decay.
   * Needs the columns of {@link #rules}.
   */
  public static Column decay(Column age) {
    return when(col("decay"), pow(lit(0.5), age.divide(col("half_life_days"))))
        .otherwise(lit(1.0));
  }

  /**
   * Engagement from {@link #decayedCounts}: the rows gathered into one {@link #SUMS} map per
   * subject ({@link #sumsBySubject}), then {@link #fromSums}.
   */
  public static Dataset<Row> fromDecayedCounts(Model model, Dataset<Row> decayedCounts) {
    return fromSums(model, sumsBySubject(decayedCounts));
  }

  /**
   * {@link #decayedCounts} rows as one row per subject: subject_id and {@link #SUMS}, a map
   * of rule to struct(decayed_count, days), in no particular key order.
   */
  public static Dataset<Row> sumsBySubject(Dataset<Row> decayedCounts) {
    return decayedCounts.groupBy(DailyCounts.SUBJECT_ID)
        .agg(map_from_entries(collect_list(struct(col(DailyCounts.RULE).as("key"),
            struct(col(DECAYED_COUNT), col(DAYS)).as("value")))).as(SUMS));
  }

  /**
   * Engagement from each subject's {@link #SUMS}, row by row (no shuffle): per rule {@code
   * c = points * decayed_count}, clamped to the cap; {@link #RAW} is the sum of c over the
   * rules, {@link #CONTRIBUTIONS} c rounded to 2 decimals by rule name, zeros left out. c is
   * first rounded to 9 decimals: a sum carried over many days and one computed in a single
   * pass differ in the last bits, and a value exactly on a rounding boundary (1 point three
   * half-lives ago is 0.125) must round the same way from either. Rules the model does not
   * have are left out. Keeps the other columns.
   */
  public static Dataset<Row> fromSums(Model model, Dataset<Row> sums) {
    Map<String, Double> points = new HashMap<>();
    Map<String, Double> caps = new HashMap<>();
    for (EngagementRule r : model.engagement().rules()) {
      points.put(r.name(), r.points());
      r.cap().ifPresent(cap -> caps.put(r.name(), cap));
    }
    // One typed pass per subject: the same arithmetic as Spark's higher-order functions over
    // the map (transform, filter, aggregate), which Spark evaluates interpreted, element by
    // element; at L they were 16% of a daily score's task time.
    UserDefinedFunction engagement = udf(new OfSums(points, caps), ENGAGEMENT);
    return sums
        .withColumn("_engagement", engagement.apply(col(SUMS)))
        .withColumn(RAW, col("_engagement." + RAW))
        .withColumn(CONTRIBUTIONS, col("_engagement." + CONTRIBUTIONS))
        .drop("_engagement", SUMS);
  }

  private static final StructType ENGAGEMENT = new StructType()
      .add(RAW, DataTypes.DoubleType)
      .add(CONTRIBUTIONS, DataTypes.createMapType(DataTypes.StringType, DataTypes.DoubleType));

  /** {@link #fromSums} of one subject's map: (raw, contributions), both null for no map. */
  private static final class OfSums implements UDF1<scala.collection.Map<String, Row>, Row> {
    private final Map<String, Double> points;
    private final Map<String, Double> caps;

    OfSums(Map<String, Double> points, Map<String, Double> caps) {
      this.points = points;
      this.caps = caps;
    }

    @Override
    public Row call(scala.collection.Map<String, Row> sums) {
      if (sums == null) {
        return RowFactory.create(null, null);
      }
      // Rules in the order Spark sorts strings: by their UTF-8 bytes.
      TreeMap<byte[], Map.Entry<String, Row>> rules = new TreeMap<>(Arrays::compareUnsigned);
      for (Map.Entry<String, Row> e : JavaConverters.mapAsJavaMap(sums).entrySet()) {
        if (points.containsKey(e.getKey())) {
          rules.put(e.getKey().getBytes(StandardCharsets.UTF_8), e);
        }
      }
      double raw = 0.0;
      Map<String, Double> contributions = new LinkedHashMap<>();
      for (Map.Entry<String, Row> e : rules.values()) {
        String rule = e.getKey();
        double c = roundHalfUp(e.getValue().getDouble(0) * points.get(rule), 9);
        Double cap = caps.get(rule);
        if (cap != null && Math.abs(c) > cap) {
          c = Math.signum(c) * cap;
        }
        raw += c;
        double shown = roundHalfUp(c, 2);
        if (shown != 0.0) {
          contributions.put(rule, shown);
        }
      }
      return RowFactory.create(raw, contributions);
    }
  }

  /** Spark's {@code round(x, scale)} of a double: half up, on its shortest decimal form. */
  static double roundHalfUp(double x, int scale) {
    if (Double.isNaN(x) || Double.isInfinite(x)) {
      return x;
    }
    return new BigDecimal(Double.toString(x)).setScale(scale, RoundingMode.HALF_UP)
        .doubleValue();
  }

  /** The decay factor of a rule after {@code days}: {@link #decay} for one rule, in Java. */
  public static double decayFactor(EngagementRule rule, long days) {
    return rule.decay() ? Math.pow(0.5, days / rule.halfLifeDays()) : 1.0;
  }

  /** The latest day with any activity on or before {@code asOf}, per subject. */
  public static Dataset<Row> lastActivity(LocalDate asOf, String subjectKind,
      Dataset<Row> daily) {
    return daily
        .where(col(DailyCounts.SUBJECT_KIND).equalTo(subjectKind)
            .and(col(DailyCounts.RULE).equalTo(DailyCounts.ANY))
            .and(col(EVENT_DATE).leq(lit(asOf.toString()).cast("date"))))
        .groupBy(DailyCounts.SUBJECT_ID)
        .agg(max(EVENT_DATE).as(LAST_ACTIVITY));
  }

  /**
   * The engagement rules as a small table: rule, points, max_per_day, half_life_days, decay,
   * cap; joined (broadcast) to rows that carry a rule name.
   */
  public static Dataset<Row> rules(SparkSession spark, Model model) {
    List<Row> rows = new ArrayList<>();
    for (EngagementRule r : model.engagement().rules()) {
      rows.add(RowFactory.create(r.name(), r.points(),
          r.maxPerDay().map(Integer::longValue).orElse(null), r.halfLifeDays(), r.decay(),
          r.cap().orElse(null)));
    }
    return spark.createDataFrame(rows, RULES);
  }
}

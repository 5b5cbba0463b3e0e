package io.leadscore.common.scoring;

import static io.leadscore.common.Schemas.*;
import static org.apache.spark.sql.functions.*;

import io.leadscore.common.config.Model;
import io.leadscore.common.config.Model.EngagementRule;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

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
    List<Column> names = new ArrayList<>();
    List<Column> points = new ArrayList<>();
    List<Column> caps = new ArrayList<>();
    for (EngagementRule r : model.engagement().rules()) {
      names.add(lit(r.name()));
      points.add(lit(r.name()));
      points.add(lit(r.points()));
      caps.add(lit(r.name()));
      caps.add(lit(r.cap().orElse(null)).cast("double"));
    }
    Column known = array(names.toArray(new Column[0]));
    Column pointsOf = map(points.toArray(new Column[0]));
    Column capOf = map(caps.toArray(new Column[0]));
    // Sorted by rule: the map's key order is what to_json and exports show, and the order of
    // the sum must not depend on how the map was built.
    Column perRule = transform(
        filter(array_sort(map_entries(col(SUMS))), e -> array_contains(known, e.getField("key"))),
        e -> {
          Column c = round(e.getField("value").getField(DECAYED_COUNT)
              .multiply(element_at(pointsOf, e.getField("key"))), 9);
          Column cap = element_at(capOf, e.getField("key"));
          return struct(e.getField("key").as("key"),
              when(cap.isNotNull().and(abs(c).gt(cap)), signum(c).multiply(cap)).otherwise(c)
                  .as("c"));
        });
    return sums
        .withColumn("per_rule", perRule)
        .withColumn(RAW, aggregate(col("per_rule"), lit(0.0), (acc, e) -> acc.plus(e.getField("c"))))
        .withColumn(CONTRIBUTIONS, map_from_entries(filter(
            transform(col("per_rule"), e -> struct(e.getField("key").as("key"),
                round(e.getField("c"), 2).as("value"))),
            e -> e.getField("value").notEqual(0.0))))
        .drop("per_rule", SUMS);
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

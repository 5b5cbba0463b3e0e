package io.leadscore.common.scoring;

import static io.leadscore.common.Schemas.*;
import static org.apache.spark.sql.functions.*;

import io.leadscore.common.config.Model;
import io.leadscore.common.identity.Identity;
import java.sql.Date;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.api.java.UDF2;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import scala.collection.JavaConverters;
import scala.collection.Seq;

/**
 * Each lead's engagement inputs as of a date, in a shape that can be carried from one day to
 * the next instead of re-reading the whole lookback window (the rows of {@code
 * engagement_state}, one per lead, {@link #SCHEMA}): per rule the decayed count {@code s = sum
 * of n' * decay(D - d)} over the window (the part of SPEC §4's {@code c(l, r)} before points
 * and cap, see {@link Engagement#decayedCounts}) and the number of days in it, in the map
 * {@link Engagement#SUMS}; the latest activity date and the latest opt-out.
 *
 * <p>Going from the state's date S to D ({@link CarryPlan} says which days):
 *
 * <pre>
 *   s(D) = s(S) * decay(D - S)                                         (decay)
 *          - old terms n'_old(d) * decay(D - d) for days d that left   (leave)
 *            the window or were rewritten
 *          + new terms n'_new(d) * decay(D - d) for days d that        (enter)
 *            entered the window or were rewritten
 * </pre>
 *
 * The decay is a map over each lead's row; the terms of the few days that leave or enter are
 * aggregated per lead and joined in. The day count tells when a rule has no day left, so
 * such a sum becomes exactly 0 and the rule goes. The result differs from a single pass only
 * in the last bits, which {@link Engagement#fromSums} rounds away. What a carry cannot
 * express (a latest activity that was removed, an email that now resolves to another lead)
 * is found by {@link #activityRemoved} and {@link #resolvedElsewhere} and recomputed with
 * {@link #computed}.
 *
 * <p>All functions are pure: the caller reads the tables and writes the result.
 */
public final class EngagementCarry {
  private EngagementCarry() {}

  /** The state's latest activity date. */
  public static final String LAST_EVENT_DATE = "last_event_date";

  private static final StructType SUM = new StructType()
      .add(Engagement.DECAYED_COUNT, DataTypes.DoubleType)
      .add(Engagement.DAYS, DataTypes.LongType);

  /** The state's rows: one per lead with any activity or opt-out in the window. */
  public static final StructType SCHEMA = new StructType()
      .add(DailyCounts.SUBJECT_ID, DataTypes.StringType)
      .add(Engagement.SUMS, DataTypes.createMapType(DataTypes.StringType, SUM))
      .add(LAST_EVENT_DATE, DataTypes.DateType)
      .add(LAST_OCCURRED_AT, DataTypes.TimestampType);

  /** The state's columns, in {@link #SCHEMA}'s order. */
  public static Column[] columns() {
    return Arrays.stream(SCHEMA.fieldNames()).map(functions::col).toArray(Column[]::new);
  }

  /**
   * The state from all of the window: {@link DailyCounts#resolve}d activity_daily rows as
   * {@link DailyCounts#neededAsOf} {@code date} selects them, and their {@link
   * DailyCounts#perSubject} counts (given, so a caller can cache them).
   */
  public static Dataset<Row> computed(Model model, LocalDate date, Dataset<Row> resolved,
      Dataset<Row> daily) {
    Dataset<Row> sums = Engagement.decayedCounts(model, date, DailyCounts.LEAD, daily);
    Dataset<Row> last = Engagement.lastActivity(date, DailyCounts.LEAD, daily)
        .select(col(DailyCounts.SUBJECT_ID), col(Engagement.LAST_ACTIVITY).as(LAST_EVENT_DATE));
    Dataset<Row> optOuts = LeadScoring.optOuts(date, resolved)
        .select(col(LEAD_ID).as(DailyCounts.SUBJECT_ID),
            col(LeadScoring.LAST_OPT_OUT).as(LAST_OCCURRED_AT));
    return byLead(longForm(sums).unionByName(longForm(last)).unionByName(longForm(optOuts)));
  }

  /**
   * The state carried along {@code plan}: decay, leave, enter.
   *
   * @param state the state as of {@code plan.from()}
   * @param before lead rows ({@link #leadRows}) of activity_daily as it was when the state was
   *     taken, on at least {@link CarryPlan#readBefore}
   * @param now lead rows of activity_daily as it is, on at least {@link CarryPlan#readNow}
   */
  public static Dataset<Row> carried(Model model, CarryPlan plan, Dataset<Row> state,
      Dataset<Row> before, Dataset<Row> now) {
    LocalDate d = plan.to();
    // Per lead and rule, what the days that enter add and the days that leave take away.
    // Days that were rewritten do both, so a rule's day count may net to 0 here.
    Dataset<Row> terms = Engagement.decayedCountsOfDays(model, d, DailyCounts.LEAD,
            DailyCounts.perSubject(onDays(now, plan.entering())))
        .unionByName(negated(Engagement.decayedCountsOfDays(model, d, DailyCounts.LEAD,
            DailyCounts.perSubject(onDays(before, plan.leaving())))))
        .groupBy(DailyCounts.SUBJECT_ID, DailyCounts.RULE)
        .agg(sum(Engagement.DECAYED_COUNT).as(Engagement.DECAYED_COUNT),
            sum(Engagement.DAYS).as(Engagement.DAYS));
    Dataset<Row> changes = byLead(longForm(terms).unionByName(longForm(latestOf(onDays(now,
            plan.newer())))))
        .select(col(DailyCounts.SUBJECT_ID), col(Engagement.SUMS).as("new_sums"),
            col(LAST_EVENT_DATE).as("new_last_event_date"),
            col(LAST_OCCURRED_AT).as("new_last_occurred_at"));

    Map<String, Double> factors = new HashMap<>();
    for (Model.EngagementRule r : model.engagement().rules()) {
      factors.put(r.name(), Engagement.decayFactor(r, plan.days()));
    }
    // One typed pass per lead, as Engagement.fromSums: Spark evaluates transform_values,
    // map_zip_with and map_filter interpreted, element by element (7% of the L daily score's
    // task time). The maps go in as their entries, whose order the result keeps.
    UserDefinedFunction carry = udf(new Carry(factors), SCHEMA.apply(Engagement.SUMS).dataType());
    return state.join(changes, new String[] {DailyCounts.SUBJECT_ID}, "full_outer")
        .select(col(DailyCounts.SUBJECT_ID),
            carry.apply(map_entries(col(Engagement.SUMS)), map_entries(col("new_sums")))
                .as(Engagement.SUMS),
            greatest(col(LAST_EVENT_DATE), col("new_last_event_date")).as(LAST_EVENT_DATE),
            greatest(col(LAST_OCCURRED_AT), col("new_last_occurred_at")).as(LAST_OCCURRED_AT))
        .where(size(col(Engagement.SUMS)).gt(0).or(col(LAST_EVENT_DATE).isNotNull())
            .or(col(LAST_OCCURRED_AT).isNotNull()));
  }

  /**
   * One lead's carried map from its stored entries and its entries of change (either may be
   * null): each stored sum decayed by its rule's factor (a rule the model no longer has
   * becomes 0), plus the change of the same rule, days added; rules with no day left go.
   * Stored rules keep their order, new ones follow in theirs.
   */
  private static final class Carry
      implements UDF2<Seq<Row>, Seq<Row>, Map<String, Row>> {
    private final Map<String, Double> factors;

    Carry(Map<String, Double> factors) {
      this.factors = factors;
    }

    @Override
    public Map<String, Row> call(Seq<Row> stored, Seq<Row> change) {
      // Per rule: {stored decayed, change} and {stored days, change days}; an absent side
      // adds 0, as in s(S) * decay + change.
      Map<String, double[]> sums = new LinkedHashMap<>();
      Map<String, long[]> days = new HashMap<>();
      if (stored != null) {
        for (Row e : JavaConverters.seqAsJavaList(stored)) {
          String rule = e.getString(0);
          Row v = e.getStruct(1);
          Double factor = factors.get(rule);
          sums.put(rule, new double[] {factor == null || v.isNullAt(0) ? 0.0
              : v.getDouble(0) * factor, 0.0});
          days.put(rule, new long[] {v.isNullAt(1) ? 0L : v.getLong(1)});
        }
      }
      if (change != null) {
        for (Row e : JavaConverters.seqAsJavaList(change)) {
          String rule = e.getString(0);
          Row v = e.getStruct(1);
          sums.computeIfAbsent(rule, r -> new double[] {0.0, 0.0})[1] =
              v.isNullAt(0) ? 0.0 : v.getDouble(0);
          days.computeIfAbsent(rule, r -> new long[] {0L})[0] += v.isNullAt(1) ? 0L : v.getLong(1);
        }
      }
      Map<String, Row> carried = new LinkedHashMap<>();
      for (Map.Entry<String, double[]> e : sums.entrySet()) {
        long d = days.get(e.getKey())[0];
        if (d > 0) {
          carried.put(e.getKey(), RowFactory.create(e.getValue()[0] + e.getValue()[1], d));
        }
      }
      return carried;
    }
  }

  /**
   * Leads with fewer activities or opt-outs on a rewritten date than before (erased
   * activity): a maximum cannot be taken back, so they are recomputed. Column subject_id.
   */
  public static Dataset<Row> activityRemoved(CarryPlan plan, Dataset<Row> before,
      Dataset<Row> now) {
    List<String> key = List.of(DailyCounts.SUBJECT_ID, DailyCounts.RULE, EVENT_DATE);
    Dataset<Row> was = perDay(onDays(before, plan.rewritten()))
        .withColumnRenamed(DailyCounts.N, "n_was")
        .withColumnRenamed(LAST_OCCURRED_AT, "last_was");
    Dataset<Row> is = perDay(onDays(now, plan.rewritten()));
    return was.join(is, key.toArray(new String[0]), "left")
        .where(coalesce(col(DailyCounts.N), lit(0L)).lt(col("n_was"))
            .or(coalesce(col(LAST_OCCURRED_AT).lt(col("last_was")),
                col(LAST_OCCURRED_AT).isNull().and(col("last_was").isNotNull()))))
        .select(DailyCounts.SUBJECT_ID);
  }

  /**
   * Leads an email resolved to before or resolves to now, for emails whose lead changed
   * between two leads snapshots. Column subject_id.
   */
  public static Dataset<Row> resolvedElsewhere(Dataset<Row> leadsBefore, Dataset<Row> leads) {
    Dataset<Row> changed = Identity.emailOwners(leadsBefore)
        .withColumnRenamed(Identity.EMAIL_OWNER, "owner_was")
        .join(Identity.emailOwners(leads), new String[] {EMAIL_KEY}, "full_outer")
        .where(not(col("owner_was").eqNullSafe(col(Identity.EMAIL_OWNER))));
    return changed.select(col("owner_was").as(DailyCounts.SUBJECT_ID))
        .unionByName(changed.select(col(Identity.EMAIL_OWNER).as(DailyCounts.SUBJECT_ID)))
        .where(col(DailyCounts.SUBJECT_ID).isNotNull());
  }

  /**
   * The given leads' state from the window, reading only their identities' rows.
   *
   * @param window activity_daily rows {@link DailyCounts#neededAsOf} {@code date}
   * @param subjects the leads, column subject_id
   */
  public static Dataset<Row> recomputed(Model model, LocalDate date, Dataset<Row> leads,
      Dataset<Row> window, Dataset<Row> subjects) {
    Dataset<Row> ids = subjects.select(col(DailyCounts.SUBJECT_ID).as(LEAD_ID));
    Dataset<Row> emails = Identity.emailOwners(leads)
        .join(subjects, col(Identity.EMAIL_OWNER).equalTo(col(DailyCounts.SUBJECT_ID)))
        .select(EMAIL_KEY);
    Dataset<Row> rows = window.join(ids, LEAD_ID, "left_semi")
        .unionByName(window.where(col(LEAD_ID).isNull()).join(emails, EMAIL_KEY, "left_semi"));
    Dataset<Row> resolved = DailyCounts.resolve(leads, rows);
    return computed(model, date, resolved, DailyCounts.perSubject(resolved))
        .join(subjects, DailyCounts.SUBJECT_ID, "left_semi");
  }

  /** Lead rows of activity_daily on the given dates, resolved with the leads snapshot. */
  public static Dataset<Row> leadRows(Dataset<Row> leads, Dataset<Row> activityDaily,
      Collection<LocalDate> dates) {
    return DailyCounts.resolve(leads, activityDaily.where(col(EVENT_DATE).isin(sqlDates(dates))))
        .where(col(DailyCounts.SUBJECT_KIND).equalTo(DailyCounts.LEAD));
  }

  /**
   * {@link LeadScoring.Inputs#activity} from state rows, in one pass over them: each lead's
   * engagement ({@link #engagement}), latest activity date ({@link Engagement#lastActivity})
   * and latest opt-out ({@link LeadScoring#optOuts}), as the state carries them.
   */
  public static Dataset<Row> perLead(Model model, Dataset<Row> state) {
    return Engagement.fromSums(model, state.select(col(DailyCounts.SUBJECT_ID).as(LEAD_ID),
        col(Engagement.SUMS), col(LAST_EVENT_DATE).as(Engagement.LAST_ACTIVITY),
        col(LAST_OCCURRED_AT).as(LeadScoring.LAST_OPT_OUT)));
  }

  /** Engagement of the state's leads ({@link Engagement#fromSums}): subject_id, raw, map. */
  public static Dataset<Row> engagement(Model model, Dataset<Row> state) {
    return Engagement.fromSums(model, state.select(DailyCounts.SUBJECT_ID, Engagement.SUMS));
  }

  /**
   * Per-rule sums, latest activity dates and opt-outs (rows with some of the columns
   * subject_id, rule, decayed_count, days, last_event_date, last_occurred_at) gathered into
   * one state row per lead. A lead has at most one row per rule.
   */
  private static Dataset<Row> byLead(Dataset<Row> longRows) {
    Column sumEntry = when(col(DailyCounts.RULE).isNotNull(),
        struct(col(DailyCounts.RULE).as("key"),
            struct(col(Engagement.DECAYED_COUNT), col(Engagement.DAYS)).as("value")));
    return longRows.groupBy(DailyCounts.SUBJECT_ID)
        .agg(map_from_entries(collect_list(sumEntry)).as(Engagement.SUMS),
            max(LAST_EVENT_DATE).as(LAST_EVENT_DATE), max(LAST_OCCURRED_AT).as(LAST_OCCURRED_AT));
  }

  /** Rows in the long columns {@link #byLead} gathers; the ones a row does not have null. */
  private static Dataset<Row> longForm(Dataset<Row> rows) {
    List<String> have = List.of(rows.columns());
    List<Column> out = new ArrayList<>();
    out.add(col(DailyCounts.SUBJECT_ID));
    out.add(have.contains(DailyCounts.RULE) ? col(DailyCounts.RULE)
        : lit(null).cast("string").as(DailyCounts.RULE));
    out.add(have.contains(Engagement.DECAYED_COUNT) ? col(Engagement.DECAYED_COUNT)
        : lit(null).cast("double").as(Engagement.DECAYED_COUNT));
    out.add(have.contains(Engagement.DAYS) ? col(Engagement.DAYS).cast("long")
        : lit(null).cast("long").as(Engagement.DAYS));
    out.add(have.contains(LAST_EVENT_DATE) ? col(LAST_EVENT_DATE)
        : lit(null).cast("date").as(LAST_EVENT_DATE));
    out.add(have.contains(LAST_OCCURRED_AT) ? col(LAST_OCCURRED_AT)
        : lit(null).cast("timestamp").as(LAST_OCCURRED_AT));
    return rows.select(out.toArray(new Column[0]));
  }

  private static Dataset<Row> onDays(Dataset<Row> resolved, Collection<LocalDate> dates) {
    return resolved.where(col(EVENT_DATE).isin(sqlDates(dates)));
  }

  /** The latest activity date and opt-out per lead in resolved rows. */
  private static Dataset<Row> latestOf(Dataset<Row> resolved) {
    return resolved.where(col(DailyCounts.RULE).isin(DailyCounts.ANY, DailyCounts.OPT_OUT))
        .groupBy(DailyCounts.SUBJECT_ID)
        .agg(max(when(col(DailyCounts.RULE).equalTo(DailyCounts.ANY), col(EVENT_DATE)))
                .as(LAST_EVENT_DATE),
            max(when(col(DailyCounts.RULE).equalTo(DailyCounts.OPT_OUT),
                col(LAST_OCCURRED_AT))).as(LAST_OCCURRED_AT));
  }

  private static Dataset<Row> perDay(Dataset<Row> resolved) {
    return resolved.where(col(DailyCounts.RULE).isin(DailyCounts.ANY, DailyCounts.OPT_OUT))
        .groupBy(DailyCounts.SUBJECT_ID, DailyCounts.RULE, EVENT_DATE)
        .agg(sum(DailyCounts.N).as(DailyCounts.N), max(LAST_OCCURRED_AT).as(LAST_OCCURRED_AT));
  }

  private static Dataset<Row> negated(Dataset<Row> decayedCounts) {
    return decayedCounts.select(col(DailyCounts.SUBJECT_ID), col(DailyCounts.RULE),
        col(Engagement.DECAYED_COUNT).multiply(-1.0).as(Engagement.DECAYED_COUNT),
        col(Engagement.DAYS).multiply(-1L).as(Engagement.DAYS));
  }

  private static Object[] sqlDates(Collection<LocalDate> dates) {
    return dates.stream().map(Date::valueOf).toArray();
  }
}

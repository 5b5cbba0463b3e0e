package io.leadscore.common.scoring;

import static io.leadscore.common.Schemas.*;
import static org.apache.spark.sql.functions.*;

import io.leadscore.common.Schemas;
import io.leadscore.common.Text;
import io.leadscore.common.config.Model.EngagementRule;
import io.leadscore.common.config.Model;
import io.leadscore.common.identity.Identity;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The one pass over activities that scoring needs: counts per identity, rule and day, from
 * which {@code n(l, r, d)} of SPEC §4 follows. Scores are computed from these counts, never
 * from events.
 *
 * <p>Two stages, so the expensive one can be kept: {@link #byIdentity} counts what the
 * activities say (the {@code activity_daily} table); it depends on the rules' conditions but
 * on neither the leads snapshot nor the score date, so a day's counts stay valid until that
 * day's activities or a condition change ({@link Fingerprints#ruleConditions}). {@link #resolve} then applies identity as of the
 * current leads snapshot and {@link #perSubject} gives the scoring shape: {@code
 * subject_kind} ({@code lead} or {@code account}), {@code subject_id}, {@code rule}, {@code
 * event_date}, {@code n}. The pseudo-rule {@link #ANY} counts every activity of any type, for
 * inactivity and last_activity_date; {@link #OPT_OUT} carries consent (SPEC §8.13).
 */
public final class DailyCounts {
  private DailyCounts() {}

  public static final String SUBJECT_KIND = "subject_kind";
  public static final String SUBJECT_ID = "subject_id";
  public static final String RULE = Schemas.RULE;
  public static final String N = Schemas.N;
  public static final String LEAD = "lead";
  public static final String ACCOUNT = "account";
  /** Rule names cannot contain '*' (ModelLoader), so this never collides with a rule. */
  public static final String ANY = "*";
  /** Opt-out activities ({@link LeadScoring#OPT_OUT_TYPES}); '*' keeps it apart from rules. */
  public static final String OPT_OUT = "*opt-out";

  /**
   * Daily counts by raw identity: {@code lead_id} (trimmed) when the activity has one, else
   * {@code email_key} and {@code account_id}; one row per identity, matched rule (without
   * lookback: that is applied when scoring) and event_date, with {@code last_occurred_at}
   * only on {@link #OPT_OUT} rows. Columns as {@link Schemas#ACTIVITY_DAILY}.
   *
   * <p>One aggregation per identity and day counts every rule side by side; the counts are
   * then unpivoted into a row per rule that matched. (Exploding each activity into its two
   * or three matched rules first, and grouping by rule as well, aggregated that many times
   * the rows.)
   */
  public static Dataset<Row> byIdentity(Model model, Dataset<Row> activities) {
    Column leadId = Text.clean(col(LEAD_ID));
    Column optOut = col(ACTIVITY_TYPE).isin(LeadScoring.OPT_OUT_TYPES.toArray());
    // Rule names cannot contain '*', so they never collide with ANY and OPT_OUT.
    Map<String, Column> counts = new LinkedHashMap<>();
    for (EngagementRule rule : model.engagement().rules()) {
      counts.put(rule.name(), count_if(RuleConditions.engagement(rule)));
    }
    counts.put(ANY, count(lit(1)));
    counts.put(OPT_OUT, count_if(optOut));
    List<Column> aggregates = new ArrayList<>();
    List<Column> perRule = new ArrayList<>();
    for (Map.Entry<String, Column> count : counts.entrySet()) {
      String column = "n" + aggregates.size();
      aggregates.add(count.getValue().as(column));
      perRule.add(struct(lit(count.getKey()).as(RULE), col(column).as(N)));
    }
    aggregates.add(max(when(optOut, col(OCCURRED_AT))).as(LAST_OCCURRED_AT));

    Dataset<Row> perDay = RuleConditions.withComparisonForms(activities)
        .groupBy(leadId.as(LEAD_ID),
            when(leadId.isNull(), Text.normalized(col(EMAIL))).as(EMAIL_KEY),
            when(leadId.isNull(), Text.clean(col(ACCOUNT_ID))).as(ACCOUNT_ID),
            col(EVENT_DATE))
        .agg(aggregates.get(0), aggregates.subList(1, aggregates.size()).toArray(new Column[0]))
        .where(col(LEAD_ID).isNotNull().or(col(EMAIL_KEY).isNotNull())
            .or(col(ACCOUNT_ID).isNotNull()));
    Column matched = col("matched");
    return perDay
        .withColumn("matched", explode(array(perRule.toArray(new Column[0]))))
        .where(matched.getField(N).gt(0))
        .select(col(LEAD_ID), col(EMAIL_KEY), col(ACCOUNT_ID), matched.getField(RULE).as(RULE),
            col(EVENT_DATE), matched.getField(N).as(N),
            when(matched.getField(RULE).equalTo(OPT_OUT), col(LAST_OCCURRED_AT))
                .as(LAST_OCCURRED_AT));
  }

  /**
   * Two sets of {@link #byIdentity} rows as one, per identity, rule and day: {@code n} added,
   * the later {@code last_occurred_at} kept. Counts of disjoint sets of activities add up
   * (event_ids are unique, so no activity is in both), which lets the counts of a day's rows
   * added since the last count be added to the stored ones.
   */
  public static Dataset<Row> plus(Dataset<Row> counts, Dataset<Row> moreCounts) {
    return counts.unionByName(moreCounts)
        .groupBy(LEAD_ID, EMAIL_KEY, ACCOUNT_ID, RULE, EVENT_DATE)
        .agg(sum(N).as(N), max(LAST_OCCURRED_AT).as(LAST_OCCURRED_AT))
        .select(LEAD_ID, EMAIL_KEY, ACCOUNT_ID, RULE, EVENT_DATE, N, LAST_OCCURRED_AT);
  }

  /**
   * The rows of {@link #byIdentity} a score as of {@code asOf} needs: every rule within the
   * lookback, and {@link #ANY} and {@link #OPT_OUT} on any day up to {@code asOf}, since the
   * last activity and the last opt-out are not bounded by the lookback.
   */
  public static Column neededAsOf(Model model, LocalDate asOf) {
    Column first = lit(asOf.minusDays(model.engagement().lookbackDays() - 1L).toString())
        .cast("date");
    return col(EVENT_DATE).leq(lit(asOf.toString()).cast("date"))
        .and(col(EVENT_DATE).geq(first).or(col(RULE).isin(ANY, OPT_OUT)));
  }

  /**
   * The rows of {@link #byIdentity} that can resolve to an {@link #ACCOUNT}: only rows without
   * a lead_id keep an account_id, and they are the account's when their email names no lead.
   * Account scoring reads only these; the rows of leads are nearly all of a window.
   */
  public static Column mayBeAccountLevel() {
    return col(ACCOUNT_ID).isNotNull();
  }

  /**
   * Resolves {@link #byIdentity} rows to subjects with the leads snapshot ({@link
   * Identity#resolveKeys}), dropping rows that resolve to nobody. Columns: {@code
   * subject_kind}, {@code subject_id}, {@code rule}, {@code event_date}, {@code n}, {@code
   * last_occurred_at}; a subject may have several rows per rule and day (one per identity).
   */
  public static Dataset<Row> resolve(Dataset<Row> leads, Dataset<Row> byIdentity) {
    Column subjectKind = when(col(Identity.RESOLVED_LEAD).isNotNull(), lit(LEAD))
        .when(col(Identity.RESOLVED_ACCOUNT).isNotNull(), lit(ACCOUNT));
    Column subjectId = coalesce(col(Identity.RESOLVED_LEAD), col(Identity.RESOLVED_ACCOUNT));
    return Identity.resolveKeys(leads, byIdentity)
        .select(subjectKind.as(SUBJECT_KIND), subjectId.as(SUBJECT_ID), col(RULE),
            col(EVENT_DATE), col(N), col(LAST_OCCURRED_AT))
        .where(col(SUBJECT_KIND).isNotNull());
  }

  /**
   * Counts per subject, rule and day from {@link #resolve}d rows: n summed over the
   * identities of one subject, so per-day limits apply to the subject, not to each identity.
   */
  public static Dataset<Row> perSubject(Dataset<Row> resolved) {
    return resolved
        .where(col(RULE).notEqual(OPT_OUT))
        .groupBy(SUBJECT_KIND, SUBJECT_ID, RULE, EVENT_DATE)
        .agg(sum(N).as(N));
  }
}

package io.leadscore.common.scoring;

import static io.leadscore.common.Schemas.*;
import static org.apache.spark.sql.functions.*;

import io.leadscore.common.Text;
import io.leadscore.common.config.Model.FitRule;
import io.leadscore.common.config.Model;
import io.leadscore.common.identity.Identity;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Lead scores as of a date (SPEC §4, §6, §8): fit and grade, engagement with inactivity and
 * band, priority, stage, consent, last activity and the reasons behind the scores. Every lead
 * of the leads snapshot gets exactly one row.
 */
public final class LeadScoring {
  private LeadScoring() {}

  /** Activity types that withdraw email consent (SPEC §8.13). */
  public static final List<String> OPT_OUT_TYPES = List.of("email_unsubscribe", "email_bounce");
  public static final String LAST_OPT_OUT = "last_opt_out_at";
  public static final String PREVIOUS_STAGE = "previous_stage";
  public static final String PREVIOUS_STAGE_SINCE = "previous_stage_since";

  /** The shape of {@link Inputs#previousStages}. */
  public static final StructType PREVIOUS_SCHEMA = new StructType()
      .add(LEAD_ID, DataTypes.StringType)
      .add(PREVIOUS_STAGE, DataTypes.StringType)
      .add(PREVIOUS_STAGE_SINCE, DataTypes.DateType);

  /** The inputs of {@link #score}; every dataset is keyed by lead. */
  public record Inputs(
      Dataset<Row> leads,
      Dataset<Row> accounts,
      /**
       * At most one row per lead that has activity: lead_id, {@link Engagement#RAW} and
       * {@link Engagement#CONTRIBUTIONS}, {@link Engagement#LAST_ACTIVITY} and
       * {@link #LAST_OPT_OUT} (null where the lead has none), as {@link #activity} gathers
       * them; one row per lead so that scoring joins it once.
       */
      Dataset<Row> activity,
      /** lead_id, previous_stage, previous_stage_since: the latest scored date before D. */
      Dataset<Row> previousStages) {}

  /**
   * {@link Inputs#activity} from its three parts, each at most one row per lead: engagement
   * (subject_id, raw, contributions), the latest activity date (subject_id, last_activity)
   * and the latest opt-out ({@link #optOuts}).
   */
  public static Dataset<Row> activity(Dataset<Row> engagement, Dataset<Row> lastActivity,
      Dataset<Row> optOuts) {
    return engagement.withColumnRenamed(DailyCounts.SUBJECT_ID, LEAD_ID)
        .join(lastActivity.withColumnRenamed(DailyCounts.SUBJECT_ID, LEAD_ID), LEAD_ID,
            "full_outer")
        .join(optOuts, LEAD_ID, "full_outer");
  }

  /**
   * The latest opt-out (unsubscribe or bounce) per resolved lead on or before {@code asOf},
   * from {@link DailyCounts#resolve}d rows.
   */
  public static Dataset<Row> optOuts(LocalDate asOf, Dataset<Row> resolved) {
    return resolved
        .where(col(DailyCounts.RULE).equalTo(DailyCounts.OPT_OUT)
            .and(col(DailyCounts.SUBJECT_KIND).equalTo(DailyCounts.LEAD))
            .and(col(EVENT_DATE).leq(lit(asOf.toString()).cast("date"))))
        .groupBy(col(DailyCounts.SUBJECT_ID).as(LEAD_ID))
        .agg(max(LAST_OCCURRED_AT).as(LAST_OPT_OUT));
  }

  /**
   * Each lead as fit rules see it: lead_id, the resolved account_id, and the structs
   * {@code lead} (the snapshot's columns plus email_domain) and {@code account} (the resolved
   * account's columns), over which {@link RuleConditions#fit} is evaluated.
   */
  public static Dataset<Row> profiles(Model model, Dataset<Row> leadsSnapshot,
      Dataset<Row> accountsSnapshot) {
    Dataset<Row> leads = Identity.resolveLeadAccounts(model.freeMailDomains(), leadsSnapshot,
        accountsSnapshot);
    List<Column> leadFields = new ArrayList<>();
    for (StructField f : leadsSnapshot.schema().fields()) {
      leadFields.add(col("l.`" + f.name() + "`"));
    }
    leadFields.add(Text.emailDomain(col("l." + EMAIL)).as(EMAIL_DOMAIN));
    List<Column> accountFields = new ArrayList<>();
    for (StructField f : accountsSnapshot.schema().fields()) {
      accountFields.add(col("a.`" + f.name() + "`"));
    }
    return leads.as("l")
        .join(accountsSnapshot.as("a"), col("l." + Identity.RESOLVED_ACCOUNT)
            .equalTo(col("a." + ACCOUNT_ID)), "left")
        .select(
            col("l." + LEAD_ID).as(LEAD_ID),
            col("l." + Identity.RESOLVED_ACCOUNT).as(ACCOUNT_ID),
            struct(leadFields.toArray(new Column[0])).as("lead"),
            struct(accountFields.toArray(new Column[0])).as("account"));
  }

  public static Dataset<Row> score(Model model, LocalDate asOf, Inputs in) {
    Column date = lit(asOf.toString()).cast("date");
    Dataset<Row> rows = profiles(model, in.leads(), in.accounts())
        .join(in.activity(), LEAD_ID, "left")
        .join(in.previousStages(), LEAD_ID, "left");

    // Fit: the sum of matching rules' points.
    List<Column> fitEntries = new ArrayList<>();
    Column fitRaw = lit(0.0);
    for (FitRule rule : model.fit().rules()) {
      Column matched = RuleConditions.fit(rule, model);
      fitRaw = fitRaw.plus(when(matched, lit(rule.points())).otherwise(lit(0.0)));
      fitEntries.add(when(matched, struct(lit(rule.name()).as("key"),
          round(lit(rule.points()), 2).as("value"))));
    }
    Column fitScore = Scales.score(fitRaw, model.fit().max());

    // Inactivity: the latest activity on or before D, or the creation date without any.
    Column since = coalesce(col(Engagement.LAST_ACTIVITY), to_date(col("lead." + CREATED_AT)));
    Column inactive = model.engagement().inactivity()
        .map(i -> coalesce(datediff(date, since).geq(i.days()), lit(false)))
        .orElse(lit(false));
    double inactivityPoints = model.engagement().inactivity().map(i -> i.points()).orElse(0.0);
    Column inactivity = when(inactive, lit(inactivityPoints)).otherwise(lit(0.0));
    Column engagementScore = Scales.score(
        coalesce(col(Engagement.RAW), lit(0.0)).plus(inactivity), model.engagement().max());

    Column fitMap = map_from_entries(filter(array(fitEntries.toArray(new Column[0])),
        e -> e.isNotNull().and(e.getField("value").notEqual(0.0))));
    Column inactivityMap = when(inactive.and(lit(inactivityPoints).notEqual(0.0)),
        map(lit(Model.INACTIVITY), round(lit(inactivityPoints), 2)))
        .otherwise(map().cast("map<string,double>"));
    Column contributions = map_concat(
        coalesce(col(Engagement.CONTRIBUTIONS), map().cast("map<string,double>")),
        fitMap, inactivityMap);

    Column crmStage = lower(Text.clean(col("lead." + CRM_STAGE)));
    Column emailable = coalesce(col("lead." + EMAIL_OPT_IN), lit(false))
        .and(col(LAST_OPT_OUT).isNull()
            .or(col("lead." + UPDATED_AT).isNotNull()
                .and(col(LAST_OPT_OUT).leq(col("lead." + UPDATED_AT)))));

    return rows
        .withColumn(FIT_SCORE, fitScore)
        .withColumn(ENGAGEMENT_SCORE, engagementScore)
        .withColumn(GRADE, Scales.grade(model, col(FIT_SCORE)))
        .withColumn(BAND, Scales.band(model, col(ENGAGEMENT_SCORE)))
        .withColumn(PRIORITY, Scales.priority(col(GRADE), col(BAND)))
        .withColumn(CRM_STAGE, crmStage)
        .withColumn(STAGE, Stages.stage(model.lifecycle(), crmStage, col(PREVIOUS_STAGE),
            col(GRADE), col(ENGAGEMENT_SCORE)))
        // A stage carried over keeps the day it began; a new stage begins on D.
        .withColumn(STAGE_SINCE, when(col(STAGE).equalTo(col(PREVIOUS_STAGE))
            .and(col(PREVIOUS_STAGE_SINCE).isNotNull()), col(PREVIOUS_STAGE_SINCE))
            .otherwise(date))
        .withColumn(DAYS_IN_STAGE, datediff(date, col(STAGE_SINCE)))
        .withColumn(CONTRIBUTIONS, contributions)
        .withColumn(TOP_REASONS, topReasons(col(CONTRIBUTIONS)))
        .withColumn(EMAILABLE, emailable)
        .withColumn(SCORE_DATE, date)
        .withColumn(MODEL_VERSION, lit(model.version()))
        .select(
            col(LEAD_ID), col(ACCOUNT_ID),
            col("lead." + EMAIL).as(EMAIL), col("lead." + FIRST_NAME).as(FIRST_NAME),
            col("lead." + LAST_NAME).as(LAST_NAME), col("lead." + JOB_TITLE).as(JOB_TITLE),
            col(FIT_SCORE), col(GRADE), col(ENGAGEMENT_SCORE), col(BAND), col(PRIORITY),
            col(STAGE), col(STAGE_SINCE), col(DAYS_IN_STAGE), col(CRM_STAGE), col(Engagement.LAST_ACTIVITY).as(LAST_ACTIVITY_DATE),
            col(TOP_REASONS), col(CONTRIBUTIONS), col(EMAILABLE), col(SCORE_DATE),
            col(MODEL_VERSION));
  }

  /**
   * The three largest contributions by absolute rounded points, ties by rule name
   * (SPEC §8.11), as an array of struct(rule, points).
   */
  static Column topReasons(Column contributions) {
    Column entries = transform(map_entries(contributions),
        e -> struct(e.getField("key").as("rule"), e.getField("value").as("points")));
    Column sorted = array_sort(entries, (a, b) ->
        when(abs(a.getField("points")).gt(abs(b.getField("points"))), lit(-1))
            .when(abs(a.getField("points")).lt(abs(b.getField("points"))), lit(1))
            .when(a.getField("rule").lt(b.getField("rule")), lit(-1))
            .when(a.getField("rule").gt(b.getField("rule")), lit(1))
            .otherwise(lit(0)));
    return slice(sorted, 1, 3);
  }
}

package io.leadscore.common;

import static org.apache.spark.sql.types.DataTypes.*;

import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/** Column names and schemas of the inputs and of the Delta tables, in one place. */
public final class Schemas {
  private Schemas() {}

  // activities (input and table)
  public static final String EVENT_ID = "event_id";
  public static final String OCCURRED_AT = "occurred_at";
  public static final String EVENT_DATE = "event_date";
  public static final String ACTIVITY_TYPE = "activity_type";
  public static final String LEAD_ID = "lead_id";
  public static final String EMAIL = "email";
  public static final String ACCOUNT_ID = "account_id";
  public static final String URL = "url";
  public static final String CAMPAIGN_ID = "campaign_id";
  public static final String PROPERTIES = "properties";
  /** Top-level input fields the contract does not name; kept so rules can use them. */
  public static final String EXTRAS = "extras";
  public static final String SOURCE_FILE = "source_file";
  public static final String INGEST_RUN_ID = "ingest_run_id";

  public static final List<String> ACTIVITY_INPUT_FIELDS =
      List.of(EVENT_ID, OCCURRED_AT, ACTIVITY_TYPE, LEAD_ID, EMAIL, ACCOUNT_ID, URL, CAMPAIGN_ID,
          PROPERTIES);

  public static final StructType ACTIVITIES = struct(
      field(EVENT_ID, StringType, false),
      field(OCCURRED_AT, TimestampType, false),
      field(EVENT_DATE, DateType, false),
      field(ACTIVITY_TYPE, StringType, false),
      field(LEAD_ID, StringType, true),
      field(EMAIL, StringType, true),
      field(ACCOUNT_ID, StringType, true),
      field(URL, StringType, true),
      field(CAMPAIGN_ID, StringType, true),
      field(PROPERTIES, createMapType(StringType, StringType), true),
      field(EXTRAS, createMapType(StringType, StringType), true),
      field(SOURCE_FILE, StringType, true),
      field(INGEST_RUN_ID, StringType, true));

  // activities_rejected
  public static final String RAW = "raw";
  public static final String REASON = "reason";
  public static final String RAW_SHA256 = "raw_sha256";
  /** Numbers identical raw texts within one file, so the rejects key stays unique. */
  public static final String OCCURRENCE = "occurrence";
  public static final String LANDING_DATE = "landing_date";

  // leads
  public static final String FIRST_NAME = "first_name";
  public static final String LAST_NAME = "last_name";
  public static final String JOB_TITLE = "job_title";
  public static final String COUNTRY = "country";
  public static final String CRM_STAGE = "crm_stage";
  public static final String EMAIL_OPT_IN = "email_opt_in";
  public static final String CREATED_AT = "created_at";
  public static final String UPDATED_AT = "updated_at";
  /** Derived: the text after the last '@' of the email, lower-cased. */
  public static final String EMAIL_DOMAIN = "email_domain";

  public static final StructType LEADS = struct(
      field(LEAD_ID, StringType, false),
      field(EMAIL, StringType, true),
      field(FIRST_NAME, StringType, true),
      field(LAST_NAME, StringType, true),
      field(JOB_TITLE, StringType, true),
      field(COUNTRY, StringType, true),
      field(ACCOUNT_ID, StringType, true),
      field(CRM_STAGE, StringType, true),
      field(EMAIL_OPT_IN, BooleanType, true),
      field(CREATED_AT, TimestampType, true),
      field(UPDATED_AT, TimestampType, true));

  // accounts
  public static final String DOMAIN = "domain";
  public static final String NAME = "name";
  public static final String INDUSTRY = "industry";
  public static final String EMPLOYEE_COUNT = "employee_count";
  public static final String ANNUAL_REVENUE = "annual_revenue";

  public static final StructType ACCOUNTS = struct(
      field(ACCOUNT_ID, StringType, false),
      field(DOMAIN, StringType, true),
      field(NAME, StringType, true),
      field(INDUSTRY, StringType, true),
      field(EMPLOYEE_COUNT, LongType, true),
      field(ANNUAL_REVENUE, DoubleType, true),
      field(COUNTRY, StringType, true),
      field(UPDATED_AT, TimestampType, true));

  // outcomes
  public static final String OUTCOME = "outcome";
  public static final String AMOUNT = "amount";

  public static final StructType OUTCOMES = struct(
      field(LEAD_ID, StringType, true),
      field(ACCOUNT_ID, StringType, true),
      field(OUTCOME, StringType, false),
      field(OCCURRED_AT, TimestampType, false),
      field(AMOUNT, DoubleType, true),
      field(UPDATED_AT, TimestampType, true));

  // lead_scores / lead_score_history
  public static final String FIT_SCORE = "fit_score";
  public static final String GRADE = "grade";
  public static final String ENGAGEMENT_SCORE = "engagement_score";
  public static final String BAND = "band";
  public static final String PRIORITY = "priority";
  public static final String STAGE = "stage";
  public static final String STAGE_SINCE = "stage_since";
  public static final String DAYS_IN_STAGE = "days_in_stage";
  public static final String LAST_ACTIVITY_DATE = "last_activity_date";
  public static final String TOP_REASONS = "top_reasons";
  public static final String CONTRIBUTIONS = "contributions";
  public static final String EMAILABLE = "emailable";
  public static final String SCORE_DATE = "score_date";
  public static final String MODEL_VERSION = "model_version";

  // account_scores / account_score_history
  public static final String ENGAGED_LEADS = "engaged_leads";
  public static final String PERSONAS_COVERED = "personas_covered";
  public static final String PERSONAS = "personas";
  public static final String COMMITTEE_COVERAGE = "committee_coverage";
  public static final String LEADS_COUNT = "leads";
  public static final String BEST_LEAD_ID = "best_lead_id";
  public static final String BEST_LEAD_PRIORITY = "best_lead_priority";
  public static final String LEAD_ENGAGEMENT = "lead_engagement";
  public static final String ACTIVITY_ENGAGEMENT = "activity_engagement";
  public static final String ACTIVITY_CONTRIBUTIONS = "activity_contributions";

  // score_changes / account_score_changes: one row per changed attribute
  public static final String WHAT = "what";
  public static final String FROM = "from";
  public static final String TO = "to";
  public static final String PREVIOUS_SCORE_DATE = "previous_score_date";

  // activity_daily: per-day rule counts keyed by the raw identity of the activities
  /** {@code Text.normalized(email)} of an activity without lead_id. */
  public static final String EMAIL_KEY = "email_key";
  public static final String RULE = "rule";
  public static final String N = "n";
  public static final String LAST_OCCURRED_AT = "last_occurred_at";

  /**
   * The persisted daily aggregates (see {@code DailyCounts#byIdentity}). Keyed by what an
   * activity says, not by whom it resolves to, so a later leads snapshot re-resolves them.
   */
  public static final StructType ACTIVITY_DAILY = struct(
      field(LEAD_ID, StringType, true),
      field(EMAIL_KEY, StringType, true),
      field(ACCOUNT_ID, StringType, true),
      field(RULE, StringType, false),
      field(EVENT_DATE, DateType, false),
      field(N, LongType, false),
      field(LAST_OCCURRED_AT, TimestampType, true));

  // table names under the warehouse
  public static final String T_ACTIVITIES = "activities";
  public static final String T_ACTIVITIES_REJECTED = "activities_rejected";
  public static final String T_LEADS = "leads";
  public static final String T_ACCOUNTS = "accounts";
  public static final String T_OUTCOMES = "outcomes";
  public static final String T_SNAPSHOTS_REJECTED = "snapshots_rejected";
  public static final String T_ACTIVITY_DAILY = "activity_daily";
  public static final String T_ENGAGEMENT_STATE = "engagement_state";
  public static final String T_LEAD_SCORES = "lead_scores";
  public static final String T_LEAD_SCORE_HISTORY = "lead_score_history";
  public static final String T_SCORE_CHANGES = "score_changes";
  public static final String T_ACCOUNT_SCORES = "account_scores";
  public static final String T_ACCOUNT_SCORE_HISTORY = "account_score_history";
  public static final String T_ACCOUNT_SCORE_CHANGES = "account_score_changes";
  public static final String T_RUN_LOG = "run_log";
  public static final String T_SEGMENT_MEMBERS = "segment_members";
  public static final String T_SEGMENT_MEMBERSHIP = "segment_membership";
  public static final String T_SEGMENT_RUNS = "segment_runs";
  public static final String T_FORGET_LOG = "forget_log";
  public static final String T_FORGET_SUPPRESSION = "forget_suppression";

  /** The CRM stages that override the model's lifecycle. */
  public static final List<String> CRM_OVERRIDE_STAGES =
      List.of("sql", "opportunity", "customer", "disqualified");

  public static StructField field(String name, DataType type, boolean nullable) {
    return createStructField(name, type, nullable);
  }

  public static StructType struct(StructField... fields) {
    return createStructType(Arrays.asList(fields));
  }

  /** Lead columns as rules see them under {@code lead.*}: the snapshot plus email_domain. */
  public static StructType leadRuleSchema(StructType leads) {
    return leads.add(EMAIL_DOMAIN, StringType, true);
  }
}

package io.leadscore.common.generate;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sequence;
import static org.apache.spark.sql.functions.when;

import io.leadscore.common.Schemas;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Synthetic inputs in the shapes of SPEC §2, at any scale, for the demo, tests and
 * benchmarks. Each method only builds a Dataset; the {@code generate} job writes them.
 *
 * <p>Every value is a hash of (seed, row number, purpose), so the same {@link
 * GeneratorSpec} yields the same rows on any cluster and partitioning, and no row is ever
 * built in the driver. The datasets agree without joins: an activity row re-derives its
 * lead's persona, email, account and active period from the lead number, and a lead's
 * conversion chance rises with the same activity weight its activity rows are drawn with
 * and with its fit, so a backtest of the reference model finds signal.
 *
 * <p>The activity projection is large: whole-stage codegen turns it into one Java method
 * of about 50 KB of bytecode, beyond the 8000 bytes HotSpot compiles, so it would run in
 * the bytecode interpreter. With {@link #SESSION_SETTINGS} Spark falls back to
 * per-expression code for it instead, about five times faster (10M lines produced in
 * 30 s instead of 146 s on two cores). A transform leaves the session alone; the job that
 * writes the data applies them.
 *
 * <p>Timestamps are ISO-8601 text in UTC ({@code 2026-11-20T14:03:11Z}), as CSV
 * snapshots carry them; activity lines mix spellings on purpose (see {@link
 * #activityLines}).
 */
public final class SyntheticData {
  private SyntheticData() {}

  /**
   * Session settings for generating at scale: Spark's own advice for HotSpot
   * ({@code spark.sql.codegen.hugeMethodLimit} = 8000, the JVM's huge-method limit).
   */
  public static final Map<String, String> SESSION_SETTINGS =
      Map.of("spark.sql.codegen.hugeMethodLimit", "8000");

  /**
   * The accounts snapshot: account_id, domain, name, industry, employee_count (10..50000,
   * heavy-tailed, 2% null), annual_revenue (5% null), country, updated_at. Domains are
   * unique ({@code acme-analytics-17.com}).
   */
  public static Dataset<Row> accounts(SparkSession spark, GeneratorSpec spec) {
    AccountColumns accounts = new AccountColumns(spec);
    String p = "a_";
    return Fence.around(accounts.add(numbers(spark, spec.accounts(), "a_no"), "a_no", p).select(
        col(p + AccountColumns.ID).as(Schemas.ACCOUNT_ID),
        col(p + AccountColumns.DOMAIN).as(Schemas.DOMAIN),
        col(p + AccountColumns.NAME).as(Schemas.NAME),
        col(p + AccountColumns.INDUSTRY).as(Schemas.INDUSTRY),
        col(p + AccountColumns.EMPLOYEES).as(Schemas.EMPLOYEE_COUNT),
        col(p + AccountColumns.REVENUE).as(Schemas.ANNUAL_REVENUE),
        col(p + AccountColumns.COUNTRY).as(Schemas.COUNTRY),
        col(p + AccountColumns.UPDATED_AT).as(Schemas.UPDATED_AT)));
  }

  /**
   * The leads snapshot. Personas by job title: economic buyers 15%, champions 25%,
   * users 50%, students and interns 10%. About 10% use free mail and have no account_id;
   * 15% of the others have no account_id but an email at their account's domain. Emails
   * are unique; a few are upper-cased, capitalised or padded with spaces. crm_stage is
   * mostly {@code lead}; leads whose outcomes reached sql, opportunity or a close by the
   * end date show it.
   */
  public static Dataset<Row> leads(SparkSession spark, GeneratorSpec spec) {
    LeadColumns leads = new LeadColumns(spec);
    return Fence.around(leads.add(numbers(spark, spec.leads(), LeadColumns.NO)).select(
        col(LeadColumns.ID).as(Schemas.LEAD_ID),
        col(LeadColumns.SNAPSHOT_EMAIL).as(Schemas.EMAIL),
        col(LeadColumns.FIRST_NAME).as(Schemas.FIRST_NAME),
        col(LeadColumns.LAST_NAME).as(Schemas.LAST_NAME),
        col(LeadColumns.TITLE).as(Schemas.JOB_TITLE),
        col(LeadColumns.COUNTRY).as(Schemas.COUNTRY),
        col(LeadColumns.CRM_ACCOUNT_ID).as(Schemas.ACCOUNT_ID),
        col(LeadColumns.CRM_STAGE).as(Schemas.CRM_STAGE),
        col(LeadColumns.OPT_IN).as(Schemas.EMAIL_OPT_IN),
        Timestamps.isoUtc(col(LeadColumns.CREATED_SECOND)).as(Schemas.CREATED_AT),
        Timestamps.isoUtc(col(LeadColumns.UPDATED_SECOND)).as(Schemas.UPDATED_AT)));
  }

  /**
   * Conversions: one row per step a lead reached by the end date, {@code sql}, then
   * {@code opportunity}, then {@code won} or {@code lost}, each later than the one before.
   * account_id is the lead's account (also for leads the CRM links only by domain).
   * amount is set on opportunity, won and lost. updated_at equals occurred_at
   * ({@link Schemas#OUTCOMES} has the column; CRMs export it).
   */
  public static Dataset<Row> outcomes(SparkSession spark, GeneratorSpec spec) {
    LeadColumns leads = new LeadColumns(spec);
    Dataset<Row> converting = leads.add(numbers(spark, spec.leads(), LeadColumns.NO)).select(
        col(LeadColumns.ID), col(LeadColumns.ACCOUNT_ID), col(LeadColumns.LEVEL),
        col(LeadColumns.WON), col(LeadColumns.SQL_DAY), col(LeadColumns.OPPORTUNITY_DAY),
        col(LeadColumns.CLOSE_DAY), col(LeadColumns.AMOUNT));
    Dataset<Row> steps = Fence.around(converting)
        .where(col(LeadColumns.LEVEL).gt(0))
        .withColumn("o_step", explode(sequence(lit(1), col(LeadColumns.LEVEL))));
    Column step = col("o_step");
    Column day = when(step.equalTo(LeadColumns.LEVEL_SQL), col(LeadColumns.SQL_DAY))
        .when(step.equalTo(LeadColumns.LEVEL_OPPORTUNITY), col(LeadColumns.OPPORTUNITY_DAY))
        .otherwise(col(LeadColumns.CLOSE_DAY));
    Column outcome = when(step.equalTo(LeadColumns.LEVEL_SQL), "sql")
        .when(step.equalTo(LeadColumns.LEVEL_OPPORTUNITY), "opportunity")
        .when(col(LeadColumns.WON), "won")
        .otherwise("lost");
    // 10:00, 11:00, 12:00 UTC for steps 1..3: steps on one day stay in order.
    Column second = lit(spec.startDate().toEpochDay()).plus(day)
        .multiply(Timestamps.DAY_SECONDS).plus(step.multiply(3600)).plus(9 * 3600);
    Column occurredAt = Timestamps.isoUtc(second);
    return Fence.around(steps
        .where(day.leq(spec.days() - 1L))
        .select(
            col(LeadColumns.ID).as(Schemas.LEAD_ID),
            col(LeadColumns.ACCOUNT_ID).as(Schemas.ACCOUNT_ID),
            outcome.as(Schemas.OUTCOME),
            occurredAt.as(Schemas.OCCURRED_AT),
            when(step.equalTo(LeadColumns.LEVEL_SQL), null)
                .otherwise(col(LeadColumns.AMOUNT)).as(Schemas.AMOUNT),
            occurredAt.as(Schemas.UPDATED_AT)));
  }

  /**
   * Activity landing lines: {@code landing_date} (date) and {@code value} (one JSONL line),
   * exactly {@code spec.events()} rows, for a writer that partitions by landing date.
   *
   * <p>Activity per lead follows a power law, with a persona-dependent mix of types;
   * a quarter of the leads go quiet early in the window, some leads are new. About 86%
   * of rows carry a lead_id of a lead, 0.5% one that no lead has, 8% only an email
   * (sometimes re-cased, or padded with spaces or a tab), 5% only an account_id (intent
   * signals, de-anonymised visits). occurred_at is mostly {@code 2026-11-20T14:03:11Z},
   * else with an offset (+05:30, -08:00, +0200, +09...; half of those fall on another
   * local date than the UTC one), epoch milliseconds as a number or a string, a space for
   * T (some without offset: UTC under the default ingest zone), fractions, no seconds.
   * The landing date is the UTC date of occurred_at except for 2% late arrivals (1-3 days
   * later). 0.5% of lines are bad, one defect each: truncated JSON, a JSON array, no or a
   * blank event_id, an unparseable occurred_at, no activity_type, no identity. 1% are
   * exact replays of an earlier line, 30% of them on a later landing date. Event ids are
   * {@code e-<seed>-<n>}, unique except for the replays.
   */
  public static Dataset<Row> activityLines(SparkSession spark, GeneratorSpec spec) {
    return Fence.around(new ActivityLines(spec).build(spark));
  }

  private static Dataset<Row> numbers(SparkSession spark, long count, String column) {
    return spark.range(1, count + 1).toDF(column);
  }
}

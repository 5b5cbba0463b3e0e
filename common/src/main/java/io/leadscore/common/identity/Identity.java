package io.leadscore.common.identity;

import static io.leadscore.common.Schemas.*;
import static org.apache.spark.sql.functions.*;

import io.leadscore.common.Text;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** Who an activity or a lead belongs to (SPEC §2, §8.3). */
public final class Identity {
  private Identity() {}

  /** Column naming the resolved lead of an activity. */
  public static final String RESOLVED_LEAD = "resolved_lead_id";
  /** Column naming the account of an account-level activity (no lead resolved). */
  public static final String RESOLVED_ACCOUNT = "resolved_account_id";
  /** Column of {@link #emailOwners}: the lead an email resolves to. */
  public static final String EMAIL_OWNER = "email_owner";

  /**
   * Resolves activities to leads: a present lead_id decides even when no such lead exists;
   * only without one is the email matched (trimmed, case-insensitive) to leads.email. A row
   * is account-level when no lead is resolved and account_id is present.
   */
  public static Dataset<Row> resolveActivities(Dataset<Row> leads, Dataset<Row> activities) {
    return resolve(leads, Text.normalized(col(EMAIL)), activities);
  }

  /**
   * The same resolution for rows that carry the identity already normalised: lead_id,
   * {@code email_key} ({@code Text.normalized(email)}) and account_id, as activity_daily does.
   */
  public static Dataset<Row> resolveKeys(Dataset<Row> leads, Dataset<Row> keyed) {
    return resolve(leads, col(EMAIL_KEY), keyed);
  }

  /**
   * Which lead an email-only activity belongs to: per {@code email_key} (the normalised email)
   * the {@code email_owner}, the smallest lead_id with that email, so the choice is stable.
   */
  public static Dataset<Row> emailOwners(Dataset<Row> leads) {
    return leads.where(col(EMAIL).isNotNull())
        .groupBy(Text.normalized(col(EMAIL)).as(EMAIL_KEY))
        .agg(min(LEAD_ID).as(EMAIL_OWNER));
  }

  private static Dataset<Row> resolve(Dataset<Row> leads, Column emailKey, Dataset<Row> rows) {
    Dataset<Row> byEmail = emailOwners(leads)
        .withColumnRenamed(EMAIL_KEY, "_email").withColumnRenamed(EMAIL_OWNER, "_email_lead");
    // Only rows without a lead_id take part in the email join: the others (most of them)
    // are not shuffled at all.
    Dataset<Row> withLead = rows.where(col(LEAD_ID).isNotNull())
        .withColumn(RESOLVED_LEAD, col(LEAD_ID))
        .withColumn(RESOLVED_ACCOUNT, lit(null).cast("string"));
    Dataset<Row> byEmailOrAccount = rows.where(col(LEAD_ID).isNull())
        .join(byEmail, emailKey.equalTo(col("_email")), "left")
        .withColumn(RESOLVED_LEAD, col("_email_lead"))
        .withColumn(RESOLVED_ACCOUNT, when(col("_email_lead").isNull(), col(ACCOUNT_ID)))
        .drop("_email", "_email_lead");
    return withLead.unionByName(byEmailOrAccount);
  }

  /**
   * Adds {@code resolved_account_id} to leads: the CRM account_id when present, otherwise the
   * account whose domain equals the email's domain, unless that domain is free mail. When
   * several accounts share a domain the smallest account_id wins, so the result is stable.
   */
  public static Dataset<Row> resolveLeadAccounts(List<String> freeMailDomains,
      Dataset<Row> leads, Dataset<Row> accounts) {
    Dataset<Row> byDomain = accounts.where(col(DOMAIN).isNotNull())
        .groupBy(Text.normalized(col(DOMAIN)).as("_domain"))
        .agg(min(ACCOUNT_ID).as("_domain_account"));
    Column domain = Text.emailDomain(col(EMAIL));
    Column matchable = col(ACCOUNT_ID).isNull().and(domain.isNotNull())
        .and(not(domain.isin(freeMailDomains.toArray())));
    return leads
        .join(broadcast(byDomain), matchable.and(domain.equalTo(col("_domain"))), "left")
        .withColumn(RESOLVED_ACCOUNT, coalesce(col(ACCOUNT_ID), col("_domain_account")))
        .drop("_domain", "_domain_account");
  }
}

package io.leadscore.common.segments;

import static io.leadscore.common.Schemas.*;
import static org.apache.spark.sql.functions.*;

import io.leadscore.common.identity.Identity;
import java.time.LocalDate;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Why an email segment holds a lead back (SPEC §8.13). {@code emailable} of the score date
 * decides; the reason only explains it: {@code no_email}, {@code no_opt_in}, {@code
 * unsubscribed} (an unsubscribe after the lead's updated_at, on or before D), {@code bounced}
 * (a bounce and no such unsubscribe), or {@code not_emailable} when the current snapshot no
 * longer shows why.
 */
public final class Consent {
  private Consent() {}

  public static final String HELD_BACK = "held_back";
  public static final List<String> REASONS =
      List.of("no_email", "no_opt_in", "unsubscribed", "bounced", "not_emailable");
  static final String UNSUBSCRIBED = "_unsubscribed";
  static final String BOUNCED = "_bounced";

  /**
   * Per lead, whether it has an unsubscribe or a bounce that withdraws consent as of {@code
   * asOf}: occurred after the lead's updated_at (any, when it is null) and on or before D.
   *
   * @param leadIds the leads to look at (held back with an opt-in): keeps the read small
   */
  public static Dataset<Row> optOuts(LocalDate asOf, Dataset<Row> leads, Dataset<Row> activities,
      Dataset<Row> leadIds) {
    Column date = lit(asOf.toString()).cast("date");
    Dataset<Row> rows = activities
        .where(col(EVENT_DATE).leq(date).and(col(ACTIVITY_TYPE).isin("email_unsubscribe",
            "email_bounce")))
        .select(EVENT_ID, LEAD_ID, EMAIL, ACCOUNT_ID, ACTIVITY_TYPE, OCCURRED_AT);
    return Identity.resolveActivities(leads, rows)
        .join(broadcast(leadIds.select(col(LEAD_ID).as(Identity.RESOLVED_LEAD))),
            Identity.RESOLVED_LEAD)
        .join(leads.select(col(LEAD_ID).as(Identity.RESOLVED_LEAD), col(UPDATED_AT)),
            Identity.RESOLVED_LEAD)
        .where(col(UPDATED_AT).isNull().or(col(OCCURRED_AT).gt(col(UPDATED_AT))))
        .groupBy(col(Identity.RESOLVED_LEAD).as(LEAD_ID))
        .agg(max(col(ACTIVITY_TYPE).equalTo("email_unsubscribe")).as(UNSUBSCRIBED),
            max(col(ACTIVITY_TYPE).equalTo("email_bounce")).as(BOUNCED));
  }

  /**
   * Adds {@link #HELD_BACK}: null for a lead an email segment may hold, else the reason.
   *
   * @param optIns lead_id, email_opt_in of the leads snapshot
   * @param optOuts {@link #optOuts} of the not emailable leads
   */
  public static Dataset<Row> withReason(Dataset<Row> candidates, Dataset<Row> optIns,
      Dataset<Row> optOuts) {
    return candidates
        .join(optIns.select(col(LEAD_ID), col(EMAIL_OPT_IN).as("_opt_in")), LEAD_ID, "left")
        .join(optOuts, LEAD_ID, "left")
        .withColumn(HELD_BACK, reason())
        .drop("_opt_in", UNSUBSCRIBED, BOUNCED);
  }

  private static Column reason() {
    Column emailable = coalesce(col(EMAILABLE), lit(false));
    return when(trim(coalesce(col(EMAIL), lit(""))).equalTo(""), lit("no_email"))
        .when(emailable, lit(null).cast("string"))
        .when(not(coalesce(col("_opt_in"), lit(false))), lit("no_opt_in"))
        .when(coalesce(col(UNSUBSCRIBED), lit(false)), lit("unsubscribed"))
        .when(coalesce(col(BOUNCED), lit(false)), lit("bounced"))
        .otherwise(lit("not_emailable"));
  }
}

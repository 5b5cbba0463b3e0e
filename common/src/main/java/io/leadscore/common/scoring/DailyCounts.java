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

/**
 * The one pass over activities that scoring needs: counts per subject, rule and day,
 * {@code n(l, r, d)} of SPEC §4. Scores are computed from these counts, never from events.
 *
 * <p>Output columns: {@code subject_kind} ({@code lead} or {@code account}),
 * {@code subject_id}, {@code rule}, {@code event_date}, {@code n}. The pseudo-rule
 * {@link #ANY} counts every activity of any type, for inactivity and last_activity_date.
 */
public final class DailyCounts {
  private DailyCounts() {}

  public static final String SUBJECT_KIND = "subject_kind";
  public static final String SUBJECT_ID = "subject_id";
  public static final String RULE = "rule";
  public static final String N = "n";
  public static final String LEAD = "lead";
  public static final String ACCOUNT = "account";
  /** Rule names cannot contain '*' (ModelLoader), so this never collides with a rule. */
  public static final String ANY = "*";

  /**
   * @param activities resolved activities ({@link Identity#resolveActivities}); rows after
   *     {@code asOf} are ignored, so an old date is reproduced from the same inputs
   */
  public static Dataset<Row> aggregate(Model model, LocalDate asOf, Dataset<Row> activities) {
    Column inLookback = datediff(lit(asOf.toString()).cast("date"), col(EVENT_DATE))
        .lt(model.engagement().lookbackDays());
    List<Column> ruleNames = new ArrayList<>();
    for (EngagementRule rule : model.engagement().rules()) {
      ruleNames.add(when(inLookback.and(RuleConditions.engagement(rule)), lit(rule.name())));
    }
    ruleNames.add(lit(ANY));
    Column subjectKind = when(col(Identity.RESOLVED_LEAD).isNotNull(), lit(LEAD))
        .when(col(Identity.RESOLVED_ACCOUNT).isNotNull(), lit(ACCOUNT));
    Column subjectId = coalesce(col(Identity.RESOLVED_LEAD), col(Identity.RESOLVED_ACCOUNT));
    return activities
        .where(col(EVENT_DATE).leq(lit(asOf.toString()).cast("date")))
        .select(subjectKind.as(SUBJECT_KIND), subjectId.as(SUBJECT_ID), col(EVENT_DATE),
            explode(filter(array(ruleNames.toArray(new Column[0])), x -> x.isNotNull())).as(RULE))
        .where(col(SUBJECT_KIND).isNotNull())
        .groupBy(SUBJECT_KIND, SUBJECT_ID, RULE, EVENT_DATE)
        .agg(count(lit(1)).as(N));
  }
}

package io.leadscore.common.scoring;

import static io.leadscore.common.Schemas.*;
import static org.apache.spark.sql.functions.*;

import io.leadscore.common.Text;
import io.leadscore.common.config.Model;
import io.leadscore.common.config.Model.EngagementRule;
import io.leadscore.common.config.Model.FitRule;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Rule conditions as Spark columns (SPEC §3, §8.4–8.5). Every condition is a non-null
 * boolean: a null field, a null {@code when} result or a {@code when} that fails on a row
 * is "no match", never an error.
 */
public final class RuleConditions {
  private RuleConditions() {}

  // The comparison forms of the text fields engagement conditions compare (SPEC §8.4).
  private static final String TYPE_FORM = "_compared_activity_type";
  private static final String URL_FORM = "_compared_url";
  private static final String CAMPAIGN_FORM = "_compared_campaign_id";

  /**
   * The activities with the trimmed, lower-cased forms of activity_type, url and campaign_id
   * that {@link #engagement} compares, computed once per row rather than once per rule (the
   * bench's 14 rules cleaned each activity_type 14 times).
   */
  public static Dataset<Row> withComparisonForms(Dataset<Row> activities) {
    return activities.withColumn(TYPE_FORM, Text.normalized(col(ACTIVITY_TYPE)))
        .withColumn(URL_FORM, Text.normalized(col(URL)))
        .withColumn(CAMPAIGN_FORM, Text.normalized(col(CAMPAIGN_ID)));
  }

  /**
   * Whether an activity row matches an engagement rule; the row has the columns of the
   * activities table and the forms {@link #withComparisonForms} adds.
   */
  public static Column engagement(EngagementRule rule) {
    List<Column> all = new ArrayList<>();
    if (!rule.types().isEmpty()) {
      all.add(col(TYPE_FORM).isin(rule.types().toArray()));
    }
    rule.urlContains().ifPresent(v ->
        all.add(col(URL_FORM).contains(v.trim().toLowerCase(Locale.ROOT))));
    rule.urlMatches().ifPresent(regex -> all.add(col(URL).rlike(regex)));
    if (!rule.campaignIn().isEmpty()) {
      all.add(col(CAMPAIGN_FORM).isin(lowered(rule.campaignIn())));
    }
    rule.when().ifPresent(sql -> all.add(WhenGuard.condition(sql)));
    return allOf(all);
  }

  /**
   * Whether a lead matches a fit rule. Evaluated over a row with struct columns {@code lead}
   * (lead columns plus email_domain) and {@code account} (the resolved account's columns).
   */
  public static Column fit(FitRule rule, Model model) {
    if (rule.when().isPresent()) {
      return coalesce(WhenGuard.condition(rule.when().get()), lit(false));
    }
    Column field = col(rule.field().orElseThrow());
    Column text = Text.normalized(field.cast("string"));
    Column number = Text.clean(field.cast("string")).cast("double");
    List<String> v = rule.values();
    Column match = switch (rule.operator().orElseThrow()) {
      case EQUALS -> text.equalTo(v.get(0).trim().toLowerCase(Locale.ROOT));
      case IN -> text.isin(lowered(v));
      case IN_LIST -> text.isin(lowered(model.lists().get(v.get(0))));
      case NOT_IN -> text.isNotNull().and(not(text.isin(lowered(v))));
      case CONTAINS -> text.contains(v.get(0).trim().toLowerCase(Locale.ROOT));
      case MATCHES -> field.cast("string").rlike(v.get(0));
      case BETWEEN -> number.between(Double.parseDouble(v.get(0)), Double.parseDouble(v.get(1)));
      case GTE -> number.geq(Double.parseDouble(v.get(0)));
      case LTE -> number.leq(Double.parseDouble(v.get(0)));
      case IS_NULL -> Boolean.parseBoolean(v.get(0)) ? field.isNull() : field.isNotNull();
      case IS_NOT_NULL -> Boolean.parseBoolean(v.get(0)) ? field.isNotNull() : field.isNull();
    };
    return coalesce(match, lit(false));
  }

  private static Column allOf(List<Column> conditions) {
    Column all = lit(true);
    for (Column c : conditions) {
      all = all.and(c);
    }
    return coalesce(all, lit(false));
  }

  private static Object[] lowered(List<String> values) {
    return values.stream().map(s -> s.trim().toLowerCase(Locale.ROOT)).toArray();
  }
}

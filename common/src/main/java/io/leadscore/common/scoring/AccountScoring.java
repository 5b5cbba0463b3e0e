package io.leadscore.common.scoring;

import static io.leadscore.common.Schemas.*;
import static org.apache.spark.sql.functions.*;

import io.leadscore.common.config.Model;
import io.leadscore.common.config.Model.FitRule;
import io.leadscore.common.config.Model.Persona;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructField;

/**
 * Account scores as of a date (SPEC §4, §8.9): fit from the rules over {@code account.*},
 * engagement from the buying committee (the mean of the top {@code top-leads} lead
 * engagement scores, a missing lead counting 0) plus the account's own decayed activity,
 * engaged leads and the personas they cover, and the best lead. Every account of the
 * accounts snapshot gets exactly one row; leads resolved to an account not in it are left
 * out.
 */
public final class AccountScoring {
  private AccountScoring() {}

  /**
   * @param accounts the accounts snapshot
   * @param leadScores the leads' scores on the same date ({@code lead_score_history}): its
   *     account_id is the resolved account, its scores are the rounded ones (SPEC §8.8)
   * @param activityEngagement {@link Engagement#score} of the account-level activities
   */
  public record Inputs(Dataset<Row> accounts, Dataset<Row> leadScores,
      Dataset<Row> activityEngagement) {}

  public static Dataset<Row> score(Model model, LocalDate asOf, Inputs in) {
    Column date = lit(asOf.toString()).cast("date");
    Model.Accounts settings = model.accounts();
    List<Persona> personas = settings.personas();

    List<Column> accountFields = new ArrayList<>();
    for (StructField f : in.accounts().schema().fields()) {
      accountFields.add(col("`" + f.name() + "`"));
    }
    Column fitRaw = lit(0.0);
    for (FitRule rule : accountRules(model, in.accounts())) {
      fitRaw = fitRaw.plus(when(RuleConditions.fit(rule, model), lit(rule.points()))
          .otherwise(lit(0.0)));
    }
    Dataset<Row> fit = in.accounts()
        .select(col(ACCOUNT_ID), struct(accountFields.toArray(new Column[0])).as("account"))
        .select(col(ACCOUNT_ID), Scales.score(fitRaw, model.fit().max()).as(FIT_SCORE));

    // A lead's persona is the first, in model order, whose pattern matches its job title;
    // kept as its position so the covered list comes out in model order.
    Column persona = lit(null).cast("int");
    for (int i = personas.size() - 1; i >= 0; i--) {
      persona = when(col(JOB_TITLE).rlike(personas.get(i).matches()), lit(i))
          .otherwise(persona);
    }
    Column engaged = Scales.bandDigit(col(BAND)).leq(Scales.bandDigit(settings.engagedBand()));
    Column personaNames = array(personas.stream().map(p -> lit(p.name()))
        .toArray(Column[]::new));
    int topLeads = settings.topLeads();
    // The best lead: best priority, then higher engagement, higher fit, smaller id.
    Column best = struct(col(PRIORITY).as("priority"), negate(col(ENGAGEMENT_SCORE)).as("e"),
        negate(col(FIT_SCORE)).as("f"), col(LEAD_ID).as("id"));
    Dataset<Row> committee = in.leadScores()
        .where(col(ACCOUNT_ID).isNotNull())
        .withColumn("_persona", persona)
        .withColumn("_engaged", engaged)
        .groupBy(ACCOUNT_ID)
        .agg(count(lit(1)).as(LEADS_COUNT),
            slice(sort_array(collect_list(col(ENGAGEMENT_SCORE)), false), 1, topLeads)
                .as("_top"),
            count(when(col("_engaged"), lit(1))).as(ENGAGED_LEADS),
            array_sort(collect_set(when(col("_engaged"), col("_persona")))).as("_personas"),
            min(best).as("_best"))
        .select(col(ACCOUNT_ID), col(LEADS_COUNT), col(ENGAGED_LEADS), col("_best"),
            aggregate(col("_top"), lit(0.0), (acc, x) -> acc.plus(x))
                .divide(lit((double) topLeads)).as("_lead_engagement"),
            transform(col("_personas"), i -> element_at(personaNames, i.plus(1)))
                .as(PERSONAS));

    Column leadEngagement = coalesce(col("_lead_engagement"), lit(0.0));
    Column activityEngagement = coalesce(col(Engagement.RAW), lit(0.0));
    Column coverage = personas.isEmpty() ? lit(null).cast("double")
        : round(size(col(PERSONAS)).divide(lit((double) personas.size())), 2);
    return fit
        .join(committee, ACCOUNT_ID, "left")
        .join(in.activityEngagement().withColumnRenamed(DailyCounts.SUBJECT_ID, ACCOUNT_ID),
            ACCOUNT_ID, "left")
        .withColumn(PERSONAS, coalesce(col(PERSONAS), array().cast("array<string>")))
        .withColumn(ENGAGEMENT_SCORE, Scales.score(leadEngagement.plus(activityEngagement),
            model.engagement().max()))
        .select(
            col(ACCOUNT_ID),
            col(FIT_SCORE),
            Scales.grade(model, col(FIT_SCORE)).as(GRADE),
            col(ENGAGEMENT_SCORE),
            Scales.band(model, col(ENGAGEMENT_SCORE)).as(BAND),
            round(leadEngagement, 2).as(LEAD_ENGAGEMENT),
            round(activityEngagement, 2).as(ACTIVITY_ENGAGEMENT),
            coalesce(col(LEADS_COUNT), lit(0L)).as(LEADS_COUNT),
            coalesce(col(ENGAGED_LEADS), lit(0L)).as(ENGAGED_LEADS),
            size(col(PERSONAS)).as(PERSONAS_COVERED),
            col(PERSONAS),
            coverage.as(COMMITTEE_COVERAGE),
            col("_best.id").as(BEST_LEAD_ID),
            col("_best.priority").as(BEST_LEAD_PRIORITY),
            coalesce(col(Engagement.CONTRIBUTIONS), map().cast("map<string,double>"))
                .as(ACTIVITY_CONTRIBUTIONS),
            date.as(SCORE_DATE),
            lit(model.version()).as(MODEL_VERSION));
  }

  /**
   * The fit rules that speak of the account alone: a {@code field} under {@code account.},
   * or a {@code when} that Spark can analyse with only {@code account.*} in scope. Rules
   * about the lead do not apply to an account.
   */
  public static List<FitRule> accountRules(Model model, Dataset<Row> accounts) {
    List<Column> accountFields = new ArrayList<>();
    for (StructField f : accounts.schema().fields()) {
      accountFields.add(col("`" + f.name() + "`"));
    }
    Dataset<Row> scope = accounts.limit(0)
        .select(struct(accountFields.toArray(new Column[0])).as("account"));
    List<FitRule> out = new ArrayList<>();
    for (FitRule rule : model.fit().rules()) {
      if (rule.field().isPresent()) {
        if (rule.field().get().startsWith("account.")) {
          out.add(rule);
        }
      } else if (analysesOn(scope, rule.when().orElseThrow())) {
        out.add(rule);
      }
    }
    return out;
  }

  private static boolean analysesOn(Dataset<Row> scope, String sql) {
    try {
      scope.select(expr(sql));
      return true;
    } catch (Exception e) {
      // AnalysisException is checked in Scala's eyes only; javac cannot see it thrown.
      if (e instanceof AnalysisException) {
        return false;
      }
      throw e;
    }
  }
}

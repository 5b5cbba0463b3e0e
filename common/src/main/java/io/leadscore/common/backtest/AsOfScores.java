package io.leadscore.common.backtest;

import static io.leadscore.common.Schemas.*;
import static org.apache.spark.sql.functions.*;

import io.leadscore.common.config.Model;
import io.leadscore.common.scoring.DailyCounts;
import io.leadscore.common.scoring.Engagement;
import io.leadscore.common.scoring.LeadScoring;
import java.time.LocalDate;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Lead scores as of a past date computed the way {@code score --full} computes them (the
 * transforms of {@code io.leadscore.common.scoring}, no second implementation of the math),
 * but from the activities table itself and without touching any scoring table: a backtest
 * must neither depend on nor change what production scored.
 */
public final class AsOfScores {
  private AsOfScores() {}

  /**
   * The per-day rule counts of {@link DailyCounts#byIdentity} over the activities on or
   * before {@code upTo}. One day's counts do not depend on the score date, so one result
   * serves every cutoff up to {@code upTo}; {@link #score} keeps the days it needs.
   */
  public static Dataset<Row> dailyCounts(Model model, LocalDate upTo, Dataset<Row> activities) {
    return DailyCounts.byIdentity(model,
        activities.where(col(EVENT_DATE).leq(lit(upTo.toString()).cast("date"))));
  }

  /**
   * Every lead of {@code leads} scored as of {@code asOf} from {@link #dailyCounts} rows,
   * with the columns of {@code lead_score_history}. Rows after {@code asOf} are ignored, so
   * counts computed up to a later date give the same scores.
   *
   * @param previousStages lead_id, previous_stage, previous_stage_since; empty for none
   */
  public static Dataset<Row> score(Model model, LocalDate asOf, Dataset<Row> leads,
      Dataset<Row> accounts, Dataset<Row> dailyCounts, Dataset<Row> previousStages) {
    Dataset<Row> resolved = DailyCounts.resolve(leads,
        dailyCounts.where(DailyCounts.neededAsOf(model, asOf)));
    Dataset<Row> perSubject = DailyCounts.perSubject(resolved);
    return LeadScoring.score(model, asOf, new LeadScoring.Inputs(
        leads,
        accounts,
        LeadScoring.activity(Engagement.score(model, asOf, DailyCounts.LEAD, perSubject),
            Engagement.lastActivity(asOf, DailyCounts.LEAD, perSubject),
            LeadScoring.optOuts(asOf, resolved)),
        previousStages));
  }

  /**
   * Scores for a backtest: the CRM stage is blanked, so it can neither win the stage nor
   * feed a rule (it changes when a lead converts: the very thing being predicted), and there
   * is no previous stage, so {@code stage} is {@code mql} exactly when the lead qualifies.
   */
  public static Dataset<Row> forBacktest(Model model, LocalDate asOf, Dataset<Row> leads,
      Dataset<Row> accounts, Dataset<Row> dailyCounts) {
    return score(model, asOf, withoutCrmStage(leads), accounts, dailyCounts,
        noPreviousStages(leads));
  }

  public static Dataset<Row> withoutCrmStage(Dataset<Row> leads) {
    return leads.withColumn(CRM_STAGE, lit(null).cast("string"));
  }

  public static Dataset<Row> noPreviousStages(Dataset<Row> any) {
    return any.sparkSession().createDataFrame(List.of(), LeadScoring.PREVIOUS_SCHEMA);
  }
}

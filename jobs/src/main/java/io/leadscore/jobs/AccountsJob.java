package io.leadscore.jobs;

import static io.leadscore.common.Schemas.*;
import static org.apache.spark.sql.functions.*;

import io.leadscore.common.config.Model;
import io.leadscore.common.scoring.AccountScoring;
import io.leadscore.common.scoring.DailyCounts;
import io.leadscore.common.scoring.Engagement;
import io.leadscore.common.state.ActivityDailyStore;
import io.leadscore.common.storage.DeltaStore;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code accounts}: account scores as of a date, from the leads' scores of that date (run
 * {@code score} first) and the account-level activities. Replaces the date's partition of
 * {@code account_score_history} and {@code account_score_changes}, and {@code account_scores}
 * when the date is the latest. Dates scored out of order are handled as in {@link ScoreJob}.
 */
public final class AccountsJob {
  private static final Logger LOG = LoggerFactory.getLogger(AccountsJob.class);

  public static final String ACCOUNTS_SCORED = "accounts_scored";

  private static final String[] CHAINED = {ACCOUNT_ID, GRADE, BAND, FIT_SCORE,
      ENGAGEMENT_SCORE};

  private static final DateChain.Tables TABLES = new DateChain.Tables(
      T_ACCOUNT_SCORE_HISTORY, T_ACCOUNT_SCORE_CHANGES, ACCOUNT_ID, List.of(GRADE, BAND),
      CHAINED, "account_changes");

  private AccountsJob() {}

  public static JobResult run(JobRuntime rt, Model model, LocalDate date) {
    StageTimer timer = new StageTimer(LOG);
    DeltaStore store = rt.store();
    rt.requireIngested();
    ScoreHistory leadHistory = new ScoreHistory(store, T_LEAD_SCORE_HISTORY);
    if (!leadHistory.dates().contains(date)) {
      throw new IllegalStateException("no lead scores for " + date + " in "
          + store.path(T_LEAD_SCORE_HISTORY) + ": run score --date " + date + " first");
    }
    // Normally a no-op (score just did it); it keeps accounts right when run on its own
    // after an ingest.
    ActivityDailyStore.Refresh refresh = timer.time("refresh activity_daily",
        () -> ActivityDailyStore.refresh(store, model, false));
    DateChain chain = new DateChain(store, TABLES, timer, LOG);
    Map<String, Long> counts = new LinkedHashMap<>();
    counts.put("aggregate_dates_refreshed", refresh.dates());
    List<LocalDate> written = chain.run(date, (d, previous, dateCounts) -> {
      Dataset<Row> daily = DailyCounts.perSubject(DailyCounts.resolve(store.read(T_LEADS),
          store.read(T_ACTIVITY_DAILY).where(DailyCounts.neededAsOf(model, d)
              .and(DailyCounts.mayBeAccountLevel()))));
      return DateChain.Scored.of(AccountScoring.score(model, d, new AccountScoring.Inputs(
          store.read(T_ACCOUNTS),
          leadHistory.on(d),
          Engagement.score(model, d, DailyCounts.ACCOUNT, daily))));
    }, counts);
    counts.put(ScoreJob.LATER_DATES_RESCORED, (long) written.size() - 1);
    Optional<LocalDate> current = chain.publishLatest(T_ACCOUNT_SCORES, written);

    Dataset<Row> scored = chain.history().on(date);
    timer.time("summarise", () -> {
      long total = 0;
      for (Row r : scored.groupBy(GRADE, BAND).count().orderBy(GRADE, BAND).collectAsList()) {
        counts.put("accounts_" + r.getString(0) + "_" + r.getString(1), r.getLong(2));
        total += r.getLong(2);
      }
      counts.put(ACCOUNTS_SCORED, total);
    });
    List<String> outputs = new ArrayList<>();
    for (LocalDate d : written) {
      outputs.add(store.path(T_ACCOUNT_SCORE_HISTORY) + " (score_date=" + d + ")");
      outputs.add(store.path(T_ACCOUNT_SCORE_CHANGES) + " (score_date=" + d + ")");
    }
    current.ifPresent(d ->
        outputs.add(store.path(T_ACCOUNT_SCORES) + " (score_date=" + d + ")"));
    return new JobResult("accounts", date, counts, timer.seconds(), timer.elapsed(), outputs);
  }
}

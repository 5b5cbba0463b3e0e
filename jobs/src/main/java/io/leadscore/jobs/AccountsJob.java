package io.leadscore.jobs;

import static io.leadscore.common.Schemas.*;
import static org.apache.spark.sql.functions.*;

import io.leadscore.common.config.Model;
import io.leadscore.common.scoring.AccountScoring;
import io.leadscore.common.scoring.DailyCounts;
import io.leadscore.common.scoring.Engagement;
import io.leadscore.common.scoring.ScoreChanges;
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
    ActivityDailyRefresh.Result refresh = timer.time("refresh activity_daily",
        () -> ActivityDailyRefresh.run(store, model, false));
    ScoreHistory history = new ScoreHistory(store, T_ACCOUNT_SCORE_HISTORY);
    Map<String, Long> counts = new LinkedHashMap<>();
    counts.put("aggregate_dates_refreshed", refresh.dates());
    List<LocalDate> written = history.scoreChain(date, d -> scoreDate(rt, model, d, history,
        leadHistory, timer, d.equals(date) ? counts : new LinkedHashMap<>()), LOG);
    counts.put(ScoreJob.LATER_DATES_RESCORED, (long) written.size() - 1);
    Optional<LocalDate> current = timer.time("write account_scores",
        () -> history.publishLatest(T_ACCOUNT_SCORES, written, LOG));

    Dataset<Row> scored = history.on(date);
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

  private static boolean scoreDate(JobRuntime rt, Model model, LocalDate date,
      ScoreHistory history, ScoreHistory leadHistory, StageTimer timer,
      Map<String, Long> counts) {
    DeltaStore store = rt.store();
    // Only a date with later dates after it has a chain to keep; the daily run has none.
    boolean chained = !history.after(date).isEmpty();
    String before = chained ? history.fingerprint(date, CHAINED) : "";
    Optional<ScoreChanges.Previous> previous = history.latestBefore(date)
        .map(p -> new ScoreChanges.Previous(p, history.on(p)));

    Dataset<Row> daily = DailyCounts.perSubject(DailyCounts.resolve(store.read(T_LEADS),
        store.read(T_ACTIVITY_DAILY).where(DailyCounts.neededAsOf(model, date))));
    Dataset<Row> scores = AccountScoring.score(model, date, new AccountScoring.Inputs(
        store.read(T_ACCOUNTS),
        leadHistory.on(date),
        Engagement.score(model, date, DailyCounts.ACCOUNT, daily)));
    timer.time("write account_score_history " + date, () -> history.write(date, scores));
    Dataset<Row> changes = ScoreChanges.between(ACCOUNT_ID, List.of(GRADE, BAND), date,
        history.on(date), previous);
    ScoreHistory changeLog = new ScoreHistory(store, T_ACCOUNT_SCORE_CHANGES);
    timer.time("write account_score_changes " + date, () -> changeLog.write(date, changes));
    counts.put("account_changes", changeLog.lastWriteRows());
    return chained && !before.equals(history.fingerprint(date, CHAINED));
  }
}

package io.leadscore.jobs;

import static io.leadscore.common.Schemas.*;
import static org.apache.spark.sql.functions.*;

import io.leadscore.common.config.Model;
import io.leadscore.common.scoring.LeadScoring;
import io.leadscore.common.scoring.ScoreChanges;
import io.leadscore.common.state.ActivityDailyStore;
import io.leadscore.common.state.EngagementStateStore;
import io.leadscore.common.storage.DeltaStore;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code score}: lead scores as of a date. Aggregates activities once into per-lead,
 * per-rule, per-day counts, scores from those, replaces the date's partition of
 * {@code lead_score_history} and {@code score_changes} atomically and, when the date is the
 * latest scored, {@code lead_scores}.
 *
 * <p>Stages depend on the previous scored date's stage, so the scored dates form a chain.
 * Scoring a date before the latest scored one (a backfill, a rerun after late data) re-scores
 * the later dates in order for as long as a date's stages or scores came out different:
 * whatever order dates are run in, each date's stage, stage_since and changes follow from the
 * date before it. An unchanged rerun stops the chain at once.
 */
public final class ScoreJob {
  private static final Logger LOG = LoggerFactory.getLogger(ScoreJob.class);

  public static final String LEADS_SCORED = "leads_scored";
  public static final String CHANGES = "score_changes";
  public static final String LATER_DATES_RESCORED = "later_dates_rescored";

  /** The columns a later date builds on: its stages (hysteresis) and its changes. */
  private static final String[] CHAINED = {LEAD_ID, STAGE, STAGE_SINCE, GRADE, BAND,
      FIT_SCORE, ENGAGEMENT_SCORE};

  private static final DateChain.Tables TABLES = new DateChain.Tables(T_LEAD_SCORE_HISTORY,
      T_SCORE_CHANGES, LEAD_ID, List.of(GRADE, BAND, STAGE), CHAINED, CHANGES);

  private ScoreJob() {}

  public static JobResult run(JobRuntime rt, Model model, LocalDate date) {
    return run(rt, model, date, false);
  }

  /** @param full rebuild activity_daily from all activities, not only the dates touched */
  public static JobResult run(JobRuntime rt, Model model, LocalDate date, boolean full) {
    StageTimer timer = new StageTimer(LOG);
    DeltaStore store = rt.store();
    rt.requireIngested();
    ActivityDailyStore.Refresh refresh = timer.time("refresh activity_daily",
        () -> ActivityDailyStore.refresh(store, model, full));
    DateChain chain = new DateChain(store, TABLES, timer, LOG);
    Map<String, Long> counts = new LinkedHashMap<>();
    counts.put("aggregate_mode_" + refresh.mode(), 1L);
    counts.put("aggregate_dates_refreshed", refresh.dates());
    LeadDates dates = new LeadDates(rt, model, timer, refresh.full());
    List<LocalDate> written = chain.run(date, dates::score, counts);
    counts.put(LATER_DATES_RESCORED, (long) written.size() - 1);
    Optional<LocalDate> current = chain.publishLatest(T_LEAD_SCORES, written);
    Dataset<Row> scored = chain.history().on(date);
    timer.time("summarise", () -> {
      // One pass: at most 12 priorities x 7 stages come back to the driver.
      Map<String, Long> priorities = new TreeMap<>();
      Map<String, Long> stages = new TreeMap<>();
      long total = 0;
      for (Row r : scored.groupBy(PRIORITY, STAGE).count().collectAsList()) {
        priorities.merge("priority_" + r.getString(0), r.getLong(2), Long::sum);
        stages.merge("stage_" + r.getString(1), r.getLong(2), Long::sum);
        total += r.getLong(2);
      }
      counts.putAll(priorities);
      counts.put(LEADS_SCORED, total);
      counts.putAll(stages);
    });
    List<String> outputs = new ArrayList<>();
    for (LocalDate d : written) {
      outputs.add(store.path(T_LEAD_SCORE_HISTORY) + " (score_date=" + d + ")");
      outputs.add(store.path(T_SCORE_CHANGES) + " (score_date=" + d + ")");
    }
    current.ifPresent(d -> outputs.add(store.path(T_LEAD_SCORES) + " (score_date=" + d + ")"));
    return new JobResult("score", date, counts, timer.seconds(), timer.elapsed(), outputs);
  }

  /** Scores the dates of one run's chain, which share whether the state must be rebuilt. */
  private static final class LeadDates {
    private final JobRuntime rt;
    private final Model model;
    private final StageTimer timer;
    /**
     * After a rebuild of activity_daily, carrying the state would re-read every date anyway.
     * Until a date has written the state (a backfill before it does not), keep rebuilding.
     */
    private boolean rebuildState;

    LeadDates(JobRuntime rt, Model model, StageTimer timer, boolean rebuildState) {
      this.rt = rt;
      this.model = model;
      this.timer = timer;
      this.rebuildState = rebuildState;
    }

    DateChain.Scored score(LocalDate date, Optional<ScoreChanges.Previous> previous,
        Map<String, Long> counts) {
      previous.ifPresent(p -> LOG.info("previous stages from score_date {}", p.date()));
      DeltaStore store = rt.store();
      Dataset<Row> leads = store.read(T_LEADS);
      Dataset<Row> accounts = store.read(T_ACCOUNTS);
      EngagementStateStore.AsOf state = EngagementStateStore.asOf(store, model, date,
          rebuildState, timer);
      counts.putAll(state.stats().counts());
      rebuildState &= !state.stored();
      try {
        return new DateChain.Scored(LeadScoring.score(model, date, new LeadScoring.Inputs(
            leads,
            accounts,
            state.activity(model),
            previousStages(rt, previous))), state.release());
      } catch (RuntimeException e) {
        state.release().run();
        throw e;
      }
    }
  }

  /** Each lead's stage and stage_since on the previous scored date; empty on a first run. */
  private static Dataset<Row> previousStages(JobRuntime rt,
      Optional<ScoreChanges.Previous> previous) {
    return previous
        .map(p -> p.rows().select(col(LEAD_ID), col(STAGE).as(LeadScoring.PREVIOUS_STAGE),
            ScoreHistory.columnOrNull(p.rows(), STAGE_SINCE, "date")
                .as(LeadScoring.PREVIOUS_STAGE_SINCE)))
        .orElse(rt.spark().createDataFrame(List.of(), LeadScoring.PREVIOUS_SCHEMA));
  }
}

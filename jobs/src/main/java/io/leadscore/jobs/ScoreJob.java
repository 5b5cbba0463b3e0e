package io.leadscore.jobs;

import static io.leadscore.common.Schemas.*;
import static org.apache.spark.sql.functions.*;

import io.leadscore.common.config.Model;
import io.leadscore.common.scoring.DailyCounts;
import io.leadscore.common.scoring.Engagement;
import io.leadscore.common.scoring.LeadScoring;
import io.leadscore.common.storage.DeltaStore;
import java.sql.Date;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code score}: lead scores as of a date. Brings the per-identity, per-rule, per-day counts
 * of activity_daily up to date ({@link ActivityDailyRefresh}), resolves the days the date
 * needs to leads, scores from those, replaces the date's partition of
 * {@code lead_score_history} atomically and, when the date is the latest scored,
 * {@code lead_scores}.
 */
public final class ScoreJob {
  private static final Logger LOG = LoggerFactory.getLogger(ScoreJob.class);

  public static final String LEADS_SCORED = "leads_scored";

  private ScoreJob() {}

  public static JobResult run(JobRuntime rt, Model model, LocalDate date) {
    return run(rt, model, date, false);
  }

  /** @param full rebuild activity_daily from all activities, not only the dates touched */
  public static JobResult run(JobRuntime rt, Model model, LocalDate date, boolean full) {
    StageTimer timer = new StageTimer(LOG);
    DeltaStore store = rt.store();
    for (String table : List.of(T_LEADS, T_ACCOUNTS, T_ACTIVITIES)) {
      if (!store.exists(table)) {
        throw new IllegalStateException("table " + store.path(table)
            + " does not exist: run ingest first");
      }
    }
    Dataset<Row> leads = store.read(T_LEADS);
    Dataset<Row> accounts = store.read(T_ACCOUNTS);
    ActivityDailyRefresh.Result refresh = timer.time("refresh activity_daily",
        () -> ActivityDailyRefresh.run(store, model, full));
    Dataset<Row> resolved = DailyCounts.resolve(leads,
        store.read(T_ACTIVITY_DAILY).where(DailyCounts.neededAsOf(model, date)))
        .persist(StorageLevel.MEMORY_AND_DISK());
    Dataset<Row> daily = DailyCounts.perSubject(resolved);
    try {
      long dailyRows = timer.time("resolve activity_daily per lead, rule and day", daily::count);
      Dataset<Row> scores = LeadScoring.score(model, date, new LeadScoring.Inputs(
          leads,
          accounts,
          Engagement.score(model, date, DailyCounts.LEAD, daily),
          Engagement.lastActivity(date, DailyCounts.LEAD, daily),
          LeadScoring.optOuts(date, resolved),
          previousStages(rt, date)));
      timer.time("write lead_score_history", () ->
          store.replacePartition(T_LEAD_SCORE_HISTORY, scores, SCORE_DATE,
              "DATE'" + date + "'"));
      Dataset<Row> written = store.read(T_LEAD_SCORE_HISTORY)
          .where(col(SCORE_DATE).equalTo(lit(date.toString()).cast("date")));
      boolean latest = timer.time("write lead_scores", () -> {
        LocalDate current = latestDate(store, T_LEAD_SCORES);
        if (current != null && current.isAfter(date)) {
          LOG.info("lead_scores holds {}, later than {}: left as it is", current, date);
          return false;
        }
        store.overwrite(T_LEAD_SCORES, written);
        return true;
      });
      Map<String, Long> counts = new LinkedHashMap<>();
      counts.put("aggregate_mode_" + refresh.mode(), 1L);
      counts.put("aggregate_dates_refreshed", refresh.dates());
      counts.put("daily_rule_counts", dailyRows);
      timer.time("summarise", () -> {
        long total = 0;
        for (Row r : written.groupBy(PRIORITY).count().orderBy(PRIORITY).collectAsList()) {
          counts.put("priority_" + r.getString(0), r.getLong(1));
          total += r.getLong(1);
        }
        counts.put(LEADS_SCORED, total);
        for (Row r : written.groupBy(STAGE).count().orderBy(STAGE).collectAsList()) {
          counts.put("stage_" + r.getString(0), r.getLong(1));
        }
      });
      List<String> outputs = latest
          ? List.of(store.path(T_LEAD_SCORE_HISTORY) + " (score_date=" + date + ")",
              store.path(T_LEAD_SCORES))
          : List.of(store.path(T_LEAD_SCORE_HISTORY) + " (score_date=" + date + ")");
      return new JobResult("score", date, counts, timer.seconds(), timer.elapsed(), outputs);
    } finally {
      resolved.unpersist();
    }
  }

  /** Each lead's stage on the latest scored date before {@code date}; empty on a first run. */
  private static Dataset<Row> previousStages(JobRuntime rt, LocalDate date) {
    StructType schema = new StructType()
        .add(LEAD_ID, DataTypes.StringType)
        .add(LeadScoring.PREVIOUS_STAGE, DataTypes.StringType);
    DeltaStore store = rt.store();
    if (!store.exists(T_LEAD_SCORE_HISTORY)) {
      return rt.spark().createDataFrame(List.of(), schema);
    }
    Dataset<Row> before = store.read(T_LEAD_SCORE_HISTORY)
        .where(col(SCORE_DATE).lt(lit(date.toString()).cast("date")));
    Row last = before.agg(max(SCORE_DATE)).first();
    if (last.isNullAt(0)) {
      return rt.spark().createDataFrame(List.of(), schema);
    }
    Date previous = last.getDate(0);
    LOG.info("previous stages from score_date {}", previous);
    return before.where(col(SCORE_DATE).equalTo(lit(previous)))
        .select(col(LEAD_ID), col(STAGE).as(LeadScoring.PREVIOUS_STAGE));
  }

  private static LocalDate latestDate(DeltaStore store, String table) {
    if (!store.exists(table)) {
      return null;
    }
    Row r = store.read(table).agg(max(SCORE_DATE)).first();
    return r.isNullAt(0) ? null : r.getDate(0).toLocalDate();
  }
}

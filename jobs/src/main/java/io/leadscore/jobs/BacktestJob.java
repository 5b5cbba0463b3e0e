package io.leadscore.jobs;

import static io.leadscore.common.Schemas.*;
import static org.apache.spark.sql.functions.*;

import io.leadscore.common.backtest.AsOfScores;
import io.leadscore.common.backtest.BacktestMetrics;
import io.leadscore.common.backtest.BacktestMetrics.Evaluation;
import io.leadscore.common.config.Model;
import io.leadscore.common.scoring.LeadScoring;
import io.leadscore.common.scoring.Stages;
import io.leadscore.common.storage.DeltaStore;
import java.io.PrintStream;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code backtest}: replays a model (and optionally a second one) over past cutoffs and
 * measures how well its scores predicted the conversions that followed each cutoff. Reads
 * only what was known at each cutoff ({@link CutoffInputs}) and writes only the backtest
 * tables, never a scoring table. With a second model it adds the impact preview: how many
 * leads would change grade, band and MQL status if it replaced the first as of the latest
 * scored date.
 */
public final class BacktestJob {
  private static final Logger LOG = LoggerFactory.getLogger(BacktestJob.class);

  public static final String T_RUNS = "backtest_runs";
  public static final String T_METRICS = "backtest_metrics";
  public static final String T_BUCKETS = "backtest_buckets";
  public static final String T_RULES = "backtest_rules";
  /** model_role of the model under test and of the one it is compared with. */
  public static final String MODEL = "model";
  public static final String COMPARE = "compare";

  private BacktestJob() {}

  /** What to run. */
  public record Request(String runId, Model model, Optional<Model> compare,
      List<LocalDate> cutoffs, int horizonDays, List<String> conversionOutcomes) {}

  /** One cutoff: where its snapshots came from, who was left out, each model's metrics. */
  public record CutoffResult(LocalDate cutoff, String leadsSnapshot, String accountsSnapshot,
      long createdAfter, long convertedBefore, Evaluation model,
      Optional<Evaluation> compare) {}

  /**
   * How many leads would change if the compared model replaced the model as of {@code date}
   * (the latest scored date): grade, band, MQL status, and in which direction for MQL.
   */
  public record Impact(LocalDate date, long leads, long gradeChanges, long bandChanges,
      long mqlChanges, long newMqls, long lostMqls) {
    public boolean empty() {
      return gradeChanges == 0 && bandChanges == 0 && mqlChanges == 0;
    }
  }

  public record Report(Request request, Instant startedAt, List<CutoffResult> cutoffs,
      Optional<Impact> impact, String impactNote) {}

  /** Runs the backtest, writes its tables, prints the report on {@code out}. */
  public static JobResult run(JobRuntime rt, Request request, PrintStream out) {
    StageTimer timer = new StageTimer(LOG);
    Report report = evaluate(rt, request, timer);
    timer.time("write backtest tables", () -> write(rt.store(), report));
    BacktestReport.print(report, out);
    Map<String, Long> counts = new LinkedHashMap<>();
    counts.put("cutoffs", (long) report.cutoffs().size());
    for (CutoffResult c : report.cutoffs()) {
      counts.put("leads_judged_" + c.cutoff(), c.model().summary().leads());
      counts.put("conversions_" + c.cutoff(), c.model().summary().conversions());
    }
    List<String> outputs = new ArrayList<>();
    for (String t : List.of(T_RUNS, T_METRICS, T_BUCKETS, T_RULES)) {
      outputs.add(rt.store().path(t) + " (run_id=" + request.runId() + ")");
    }
    return new JobResult("backtest", request.cutoffs().get(request.cutoffs().size() - 1),
        counts, timer.seconds(), timer.elapsed(), outputs);
  }

  /** Computes every metric; writes nothing. */
  static Report evaluate(JobRuntime rt, Request request, StageTimer timer) {
    rt.requireIngested();
    Instant started = Instant.now();
    List<LocalDate> cutoffs = request.cutoffs().stream().sorted().distinct().toList();
    List<CutoffResult> results = new ArrayList<>();
    try (CutoffInputs inputs = new CutoffInputs(rt.store(), cutoffs.get(cutoffs.size() - 1),
        request.horizonDays(), request.conversionOutcomes())) {
      for (LocalDate date : cutoffs) {
        CutoffInputs.Cutoff cutoff = timer.time("population " + date,
            () -> inputs.cutoff(date));
        Evaluation a = timer.time("score and measure " + request.model().version() + " as of "
            + date, () -> measure(inputs, request.model(), cutoff));
        Optional<Evaluation> b = request.compare().map(m -> timer.time("score and measure "
            + m.version() + " as of " + date, () -> measure(inputs, m, cutoff)));
        results.add(new CutoffResult(date, cutoff.leads().how(), cutoff.accounts().how(),
            cutoff.createdAfter(), cutoff.convertedBefore(), a, b));
      }
      Optional<Impact> impact = Optional.empty();
      String note = "";
      if (request.compare().isPresent()) {
        Optional<LocalDate> latest = latestScoredDate(rt.store());
        if (latest.isEmpty()) {
          note = "no scored date yet (run score first): no impact preview";
        } else {
          impact = Optional.of(timer.time("impact preview as of " + latest.get(),
              () -> impact(rt.store(), request.model(), request.compare().get(),
                  latest.get())));
        }
      }
      return new Report(request, started, results, impact, note);
    }
  }

  private static Evaluation measure(CutoffInputs inputs, Model model,
      CutoffInputs.Cutoff cutoff) {
    Dataset<Row> judged = inputs.judgedScores(model, cutoff)
        .persist(StorageLevel.MEMORY_AND_DISK());
    try {
      Evaluation e = BacktestMetrics.evaluate(model, judged);
      var s = e.summary();
      LOG.info("{} as of {}: {} leads, {} conversions (base rate {}), AUC engagement {}, fit {},"
          + " combined {}, top-decile lift {}, top-20% lift {}", model.version(), cutoff.date(),
          s.leads(), s.conversions(), s.baseRate(), s.aucEngagement(), s.aucFit(),
          s.aucCombined(), s.topDecileLift(), s.top20Lift());
      return e;
    } finally {
      judged.unpersist();
    }
  }

  static Optional<LocalDate> latestScoredDate(DeltaStore store) {
    if (!store.exists(T_LEAD_SCORE_HISTORY)) {
      return Optional.empty();
    }
    Row r = store.read(T_LEAD_SCORE_HISTORY).agg(max(SCORE_DATE)).first();
    return r.isNullAt(0) ? Optional.empty() : Optional.of(r.getDate(0).toLocalDate());
  }

  /**
   * Both models scored as of the latest scored date exactly as {@code score} would (the
   * current snapshots, CRM stages, the previous scored date's stages), compared lead by lead.
   */
  static Impact impact(DeltaStore store, Model a, Model b, LocalDate date) {
    Dataset<Row> leads = store.read(T_LEADS);
    Dataset<Row> accounts = store.read(T_ACCOUNTS);
    Dataset<Row> history = store.read(T_LEAD_SCORE_HISTORY);
    Row prev = history.where(col(SCORE_DATE).lt(lit(date.toString()).cast("date")))
        .agg(max(SCORE_DATE)).first();
    Dataset<Row> previous = prev.isNullAt(0) ? AsOfScores.noPreviousStages(leads)
        : history.where(col(SCORE_DATE).equalTo(lit(prev.getDate(0))))
            .select(col(LEAD_ID), col(STAGE).as(LeadScoring.PREVIOUS_STAGE),
                ScoreHistory.columnOrNull(history, STAGE_SINCE, "date")
                    .as(LeadScoring.PREVIOUS_STAGE_SINCE));
    Dataset<Row> activities = store.read(T_ACTIVITIES);
    Dataset<Row> sa = AsOfScores.score(a, date, leads, accounts,
        AsOfScores.dailyCounts(a, date, activities), previous)
        .select(col(LEAD_ID), col(GRADE).as("ga"), col(BAND).as("ba"), col(STAGE).as("sa"));
    Dataset<Row> sb = AsOfScores.score(b, date, leads, accounts,
        AsOfScores.dailyCounts(b, date, activities), previous)
        .select(col(LEAD_ID), col(GRADE).as("gb"), col(BAND).as("bb"), col(STAGE).as("sb"));
    Column mqlA = col("sa").equalTo(Stages.MQL);
    Column mqlB = col("sb").equalTo(Stages.MQL);
    Row r = sa.join(sb, LEAD_ID).agg(count(lit(1)),
        sum(when(col("ga").notEqual(col("gb")), 1).otherwise(0)),
        sum(when(col("ba").notEqual(col("bb")), 1).otherwise(0)),
        sum(when(mqlA.notEqual(mqlB), 1).otherwise(0)),
        sum(when(mqlB.and(not(mqlA)), 1).otherwise(0)),
        sum(when(mqlA.and(not(mqlB)), 1).otherwise(0))).first();
    return new Impact(date, r.getLong(0), longOr0(r, 1), longOr0(r, 2), longOr0(r, 3),
        longOr0(r, 4), longOr0(r, 5));
  }

  private static long longOr0(Row r, int i) {
    return r.isNullAt(i) ? 0 : r.getLong(i);
  }

  /**
   * Adds the run's rows; keyed by run id, so a retried write adds nothing twice.
   * backtest_runs is written last: a run listed there is complete in the other tables.
   */
  static void write(DeltaStore store, Report report) {
    BacktestTables tables = new BacktestTables(store.spark(), report);
    store.insertAbsent(T_METRICS, tables.metrics(), List.of("run_id", "model_role", "cutoff"));
    store.insertAbsent(T_BUCKETS, tables.buckets(),
        List.of("run_id", "model_role", "cutoff", "dimension", "bucket"));
    store.insertAbsent(T_RULES, tables.rules(), List.of("run_id", "model_role", "cutoff",
        "rule"));
    store.insertAbsent(T_RUNS, tables.runs(), List.of("run_id"));
  }
}

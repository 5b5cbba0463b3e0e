package io.leadscore.jobs;

import static io.leadscore.common.Schemas.*;
import static org.apache.spark.sql.functions.col;

import io.leadscore.common.backtest.Calibration;
import io.leadscore.common.backtest.Calibration.Feature;
import io.leadscore.common.backtest.Calibration.Fitted;
import io.leadscore.common.backtest.RankMetrics;
import io.leadscore.common.backtest.SuggestedModel;
import io.leadscore.common.backtest.SuggestedModel.Change;
import io.leadscore.common.backtest.SuggestedModel.Suggestion;
import io.leadscore.common.config.AnalysisSettings;
import io.leadscore.common.config.Model;
import io.leadscore.common.scoring.LeadScoring;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code calibrate}: learns from the conversions after a training cutoff which of the model's
 * rules and which candidate field values predict conversion ({@link Calibration}), checks the
 * regression on a later cutoff (time-ordered: it never sees the validation period), writes a
 * suggested model ({@link SuggestedModel}) and backtests current against suggested on the
 * validation cutoff. Nothing is deployed: the file is for marketing to review.
 */
public final class CalibrateJob {
  private static final Logger LOG = LoggerFactory.getLogger(CalibrateJob.class);

  private CalibrateJob() {}

  public record Request(Model model, LocalDate trainAsOf, LocalDate validateAsOf,
      int horizonDays, File out) {}

  /** What calibrate found; the backtest of current vs suggested is in {@code backtest}. */
  public record Result(List<Feature> features, Fitted fitted, double trainAuc,
      double validationAuc, Suggestion suggestion, Model suggested, BacktestJob.Report backtest,
      JobResult job, JobResult backtestJob) {}

  public static Result run(JobRuntime rt, AnalysisSettings settings, Request request,
      PrintStream out) {
    if (!request.validateAsOf().isAfter(request.trainAsOf())) {
      throw new IllegalArgumentException("--validate-as-of " + request.validateAsOf()
          + " must be after --as-of " + request.trainAsOf() + ": validation is on a later"
          + " cutoff, never on the training period");
    }
    if (request.validateAsOf().isBefore(request.trainAsOf().plusDays(request.horizonDays()))) {
      LOG.warn("--validate-as-of {} is within the training horizon (until {}): some"
          + " conversions count in both", request.validateAsOf(),
          request.trainAsOf().plusDays(request.horizonDays()));
    }
    rt.requireIngested();
    StageTimer timer = new StageTimer(LOG);
    Model model = request.model();
    List<Feature> features;
    Fitted fitted;
    double trainAuc;
    double validationAuc;
    Map<String, Long> counts = new LinkedHashMap<>();
    try (CutoffInputs inputs = new CutoffInputs(rt.store(), request.validateAsOf(),
        request.horizonDays(), settings.conversionOutcomes())) {
      Matrix trainMatrix = timer.time("features as of " + request.trainAsOf(), () ->
          matrixOf(inputs, model, request.trainAsOf(), settings, null));
      features = trainMatrix.features();
      Dataset<Row> train = trainMatrix.rows();
      long trainRows = train.count();
      counts.put("training_leads", trainRows);
      counts.put("features", (long) features.size());
      fitted = timer.time("fit the logistic regression (" + features.size() + " features, "
          + trainRows + " leads)", () -> Calibration.fit(settings, features, train));
      trainAuc = RankMetrics.auc(Calibration.predict(fitted, train),
          col(Calibration.PROBABILITY), col(Calibration.LABEL));
      train.unpersist();
      List<Feature> fixed = features;
      Dataset<Row> validation = timer.time("features as of " + request.validateAsOf(), () ->
          matrixOf(inputs, model, request.validateAsOf(), settings, fixed)).rows();
      counts.put("validation_leads", validation.count());
      validationAuc = timer.time("validate", () -> RankMetrics.auc(
          Calibration.predict(fitted, validation), col(Calibration.PROBABILITY),
          col(Calibration.LABEL)));
      validation.unpersist();
    }
    Suggestion suggestion = SuggestedModel.suggest(model, fitted, request.trainAsOf(),
        request.horizonDays());
    write(request.out(), suggestion.hocon());
    // The loader is the judge: a suggestion it refuses is a bug, reported as a failure.
    Model suggested = rt.loadModel(request.out());
    LOG.info("suggested model {} written to {} and accepted by the model loader",
        suggestion.version(), request.out());
    printCalibration(out, request, fitted, trainAuc, validationAuc, suggestion);

    BacktestJob.Request compare = new BacktestJob.Request(UUID.randomUUID().toString(), model,
        Optional.of(suggested), List.of(request.validateAsOf()), request.horizonDays(),
        settings.conversionOutcomes());
    StageTimer backtestTimer = new StageTimer(LOG);
    BacktestJob.Report report = BacktestJob.evaluate(rt, compare, backtestTimer);
    backtestTimer.time("write backtest tables", () -> BacktestJob.write(rt.store(), report));
    BacktestReport.print(report, out);
    var c = report.cutoffs().get(0);
    out.printf(Locale.ROOT, "%nvalidation AUC as of %s: regression %.3f, current model"
        + " (fit + engagement) %.3f, suggested model %.3f%n", request.validateAsOf(),
        validationAuc, c.model().summary().aucCombined(),
        c.compare().orElseThrow().summary().aucCombined());
    out.printf(Locale.ROOT, "suggested model: %s (review it; nothing was deployed)%n",
        request.out());
    LOG.info("validation AUC as of {}: regression {}, current model {}, suggested model {}"
        + " (training AUC {})", request.validateAsOf(), validationAuc,
        c.model().summary().aucCombined(), c.compare().orElseThrow().summary().aucCombined(),
        trainAuc);

    counts.put("new_fit_rules", suggestion.changes().stream()
        .filter(ch -> ch.before() == null).count());
    counts.put("rules_without_weight", suggestion.changes().stream()
        .filter(ch -> ch.before() != null && ch.before() != 0 && ch.after() == 0).count());
    JobResult job = new JobResult("calibrate", request.trainAsOf(), counts, timer.seconds(),
        timer.elapsed(), List.of(request.out().getPath()));
    Map<String, Long> btCounts = new LinkedHashMap<>();
    btCounts.put("leads_judged_" + c.cutoff(), c.model().summary().leads());
    JobResult bt = new JobResult("backtest", request.validateAsOf(), btCounts,
        backtestTimer.seconds(), backtestTimer.elapsed(), List.of(
            rt.store().path(BacktestJob.T_RUNS) + " (run_id=" + compare.runId() + ")"));
    return new Result(features, fitted, trainAuc, validationAuc, suggestion, suggested, report,
        job, bt);
  }

  /** A cutoff's labelled feature rows (persisted) and the features they hold. */
  private record Matrix(List<Feature> features, Dataset<Row> rows) {}

  /** The labelled feature matrix of a cutoff; the features are chosen when null. */
  private static Matrix matrixOf(CutoffInputs inputs, Model model, LocalDate date,
      AnalysisSettings settings, List<Feature> features) {
    CutoffInputs.Cutoff cutoff = inputs.cutoff(date);
    Dataset<Row> scores = inputs.judgedScores(model, cutoff);
    Dataset<Row> profiles = LeadScoring.profiles(model, cutoff.leads().rows(),
        cutoff.accounts().rows()).join(cutoff.judged().select(LEAD_ID), LEAD_ID, "left_semi");
    List<Feature> chosen = features != null ? features
        : Calibration.features(model, settings.candidateFields(), settings.minSupport(),
            profiles);
    return new Matrix(chosen, Calibration.matrix(model, chosen, scores, profiles)
        .persist(StorageLevel.MEMORY_AND_DISK()));
  }

  private static void write(File file, String text) {
    try {
      File parent = file.getAbsoluteFile().getParentFile();
      if (parent != null) {
        Files.createDirectories(parent.toPath());
      }
      Files.writeString(file.toPath(), text, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  private static void printCalibration(PrintStream out, Request request, Fitted fitted,
      double trainAuc, double validationAuc, Suggestion s) {
    out.println();
    out.printf(Locale.ROOT, "calibrate: trained on the leads as of %s (conversions within %d"
        + " days), validated as of %s%n", request.trainAsOf(), request.horizonDays(),
        request.validateAsOf());
    out.printf(Locale.ROOT, "regression AUC: training %.3f, validation %.3f; %d features;"
        + " points = %.3f x coefficient%n", trainAuc, validationAuc, fitted.features().size(),
        s.scale());
    out.printf(Locale.ROOT, "%-34s %-10s %12s %9s %9s%n", "rule", "kind", "coefficient",
        "points", "suggested");
    List<Change> changes = new ArrayList<>(s.changes());
    for (Change ch : changes) {
      out.printf(Locale.ROOT, "%-34s %-10s %12s %9s %9s%n", ch.rule(), ch.kind(),
          Double.isNaN(ch.coefficient()) ? "-" : String.format(Locale.ROOT, "%.4f",
              ch.coefficient()),
          ch.before() == null ? "new" : BacktestReport.fmt(ch.before(), "%.1f"),
          BacktestReport.fmt(ch.after(), "%.1f"));
    }
  }
}

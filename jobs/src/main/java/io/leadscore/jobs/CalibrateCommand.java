package io.leadscore.jobs;

import io.leadscore.common.config.AnalysisSettings;
import java.io.File;
import java.time.LocalDate;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code calibrate}: the command line of {@link CalibrateJob}. */
@Command(name = "calibrate", mixinStandardHelpOptions = true,
    description = {"Learns which inputs predict conversion: a logistic regression with"
        + " regularisation (Spark MLlib) of whether a lead converted within the horizon after"
        + " --as-of on each engagement rule's decayed activity, each fit rule's match and"
        + " indicators of the values of leadscore.calibrate.candidate-fields (values held by"
        + " at least min-support leads), all as of --as-of.",
        "Validates on the later cutoff --validate-as-of (default --as-of + horizon), writes a"
            + " suggested model to --out in the same HOCON (points rescaled to the model's"
            + " scale, new fit rules for candidate values that earn points, rules that lost"
            + " all weight kept at 0 with a comment) and backtests current against suggested"
            + " on the validation cutoff. Nothing is deployed."})
final class CalibrateCommand implements Callable<Integer> {
  @Mixin JobOptions options;

  @Option(names = "--as-of", required = true, paramLabel = "YYYY-MM-DD",
      description = "The training cutoff.")
  LocalDate asOf;

  @Option(names = "--validate-as-of", paramLabel = "YYYY-MM-DD",
      description = "The validation cutoff, after --as-of (default: --as-of + horizon).")
  LocalDate validateAsOf;

  @Option(names = "--horizon-days", paramLabel = "N",
      description = "Days after a cutoff in which a conversion counts"
          + " (default: leadscore.backtest.horizon-days, 30).")
  Integer horizonDays;

  @Option(names = "--out", paramLabel = "FILE", defaultValue = "model.suggested.conf",
      description = "Where to write the suggested model (default: ${DEFAULT-VALUE}).")
  File out;

  @Override
  public Integer call() {
    return JobLauncher.launch("calibrate", options, asOf, true, (rt, model) -> {
      AnalysisSettings settings = BacktestCommand.Cutoffs.analysis(options);
      int horizon = horizonDays != null ? horizonDays : settings.horizonDays();
      LocalDate validate = validateAsOf != null ? validateAsOf : asOf.plusDays(horizon);
      CalibrateJob.Result result = CalibrateJob.run(rt, settings,
          new CalibrateJob.Request(model, asOf, validate, horizon, out), System.out);
      return List.of(result.job(), result.backtestJob());
    });
  }
}

package io.leadscore.jobs;

import io.leadscore.common.config.AnalysisSettings;
import io.leadscore.common.config.AppSettings;
import io.leadscore.common.config.Model;
import java.io.File;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code backtest}: the command line of {@link BacktestJob}. */
@Command(name = "backtest", mixinStandardHelpOptions = true,
    description = {"Replays the model over past cutoffs and measures it against the"
        + " conversions that followed: every lead is scored as of each cutoff C from what was"
        + " known then (activities up to C, the leads and accounts snapshots current at C by"
        + " Delta time travel; the CRM stage is never used) and labelled by whether it reached"
        + " a conversion outcome (leadscore.backtest.conversion-outcomes) in (C, C + horizon]."
        + " Leads created after C or converted on or before C are left out and counted.",
        "Prints base rate, conversion by grade, band, priority and score decile, top-decile"
            + " and top-20%% lift, AUC of engagement, fit and fit + engagement, MQL precision,"
            + " recall and volume, and a report per rule; writes them to backtest_runs,"
            + " backtest_metrics, backtest_buckets and backtest_rules. No scoring table is"
            + " changed (the impact preview only reads lead_score_history).",
        "With --compare, a second model is measured on the same leads side by side, and the"
            + " impact preview counts the leads that would change grade, band and MQL status"
            + " if it replaced --model as of the latest scored date."})
final class BacktestCommand implements Callable<Integer> {
  @Mixin JobOptions options;
  @Mixin Cutoffs cutoffs;

  @Option(names = "--horizon-days", paramLabel = "N",
      description = "Days after each cutoff in which a conversion counts"
          + " (default: leadscore.backtest.horizon-days, 30).")
  Integer horizonDays;

  @Option(names = "--compare", paramLabel = "FILE",
      description = "A second model (HOCON) to measure side by side with --model.")
  File compare;

  @Override
  public Integer call() {
    List<LocalDate> dates = cutoffs.dates();
    if (dates == null) {
      return JobLauncher.USAGE;
    }
    return JobLauncher.launch("backtest", options, dates.get(dates.size() - 1), true,
        (rt, model) -> {
          AnalysisSettings settings = Cutoffs.analysis(options);
          Optional<Model> other = Optional.ofNullable(compare).map(rt::loadModel);
          int horizon = horizonDays != null ? horizonDays : settings.horizonDays();
          return List.of(BacktestJob.run(rt, new BacktestJob.Request(
              UUID.randomUUID().toString(), model, other, dates, horizon,
              settings.conversionOutcomes()), System.out));
        });
  }

  /** --as-of (repeated) or --from/--to/--every. */
  static final class Cutoffs {
    private static final Pattern EVERY = Pattern.compile("(\\d+)\\s*([dw]?)");
    private static final int MAX = 120;

    @Option(names = "--as-of", paramLabel = "YYYY-MM-DD",
        description = "A cutoff; repeat for several.")
    List<LocalDate> asOf;

    @Option(names = "--from", paramLabel = "YYYY-MM-DD",
        description = "First cutoff of a series (with --to and --every).")
    LocalDate from;

    @Option(names = "--to", paramLabel = "YYYY-MM-DD", description = "Last cutoff of a series.")
    LocalDate to;

    @Option(names = "--every", paramLabel = "N[d|w]", defaultValue = "30d",
        description = "Step of a series: days (30d) or weeks (4w); default 30d.")
    String every;

    /** The cutoffs in order, or null after saying what is wrong. */
    List<LocalDate> dates() {
      List<LocalDate> out = new ArrayList<>();
      if (asOf != null) {
        out.addAll(asOf);
      }
      if (from != null || to != null) {
        if (from == null || to == null || from.isAfter(to)) {
          System.err.println("leadscore backtest: --from and --to go together, --from on or"
              + " before --to");
          return null;
        }
        Matcher m = EVERY.matcher(every.trim());
        if (!m.matches() || Integer.parseInt(m.group(1)) == 0) {
          System.err.println("leadscore backtest: --every must be a positive number of days"
              + " (30d) or weeks (4w), was '" + every + "'");
          return null;
        }
        int step = Integer.parseInt(m.group(1)) * (m.group(2).equals("w") ? 7 : 1);
        for (LocalDate d = from; !d.isAfter(to); d = d.plusDays(step)) {
          out.add(d);
        }
      }
      if (out.isEmpty()) {
        System.err.println("leadscore backtest: give cutoffs with --as-of (repeatable) or"
            + " --from, --to and --every (try --help)");
        return null;
      }
      List<LocalDate> sorted = out.stream().sorted().distinct().toList();
      if (sorted.size() > MAX) {
        System.err.println("leadscore backtest: " + sorted.size() + " cutoffs; at most " + MAX);
        return null;
      }
      return sorted;
    }

    /** The backtest and calibrate settings of the same configuration the job runs with. */
    static AnalysisSettings analysis(JobOptions options) {
      Optional<File> conf = Optional.ofNullable(options.conf);
      return AnalysisSettings.fromConfig(AppSettings.resolve(conf, Map.of()),
          conf.map(File::getPath).orElse("reference.conf"));
    }
  }
}

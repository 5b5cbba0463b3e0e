package io.leadscore.jobs;

import io.leadscore.common.config.Model;
import io.leadscore.common.config.Segment;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The command line of SPEC §7: {@code leadscore <job> [--date D] [--conf FILE] [--master URL]},
 * the same through {@code bin/leadscore} and {@code spark-submit --class io.leadscore.jobs.Main}.
 */
@Command(name = "leadscore", mixinStandardHelpOptions = true, version = "leadscore 0.1.0",
    description = "Lead and account scoring on Apache Spark and Delta Lake.",
    subcommands = {Main.Ingest.class, Main.Score.class, Main.Accounts.class, Main.Pipeline.class,
        GenerateCommand.class, SqlCommand.class, SegmentsCommand.class, ForgetCommand.class,
        BacktestCommand.class, CalibrateCommand.class, Main.Report.class,
        CommandLine.HelpCommand.class},
    footer = {"", "Exit codes: 0 success, 1 the job failed, 2 bad arguments,"
        + " 3 configuration or model refused."})
public final class Main implements Callable<Integer> {

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  /** Runs the command line and returns the exit code (tests call this). */
  public static int execute(String... args) {
    CommandLine cli = new CommandLine(new Main());
    if (args.length > 0 && !args[0].startsWith("-")
        && !cli.getSubcommands().containsKey(args[0])) {
      // Else picocli would print the top-level help and exit 0 for `frobnicate --help`.
      cli.getErr().println("leadscore: unknown job '" + args[0] + "' (jobs: "
          + String.join(", ", cli.getSubcommands().keySet()) + "; try --help)");
      return JobLauncher.USAGE;
    }
    cli.setParameterExceptionHandler((ex, a) -> {
      ex.getCommandLine().getErr().println("leadscore: " + ex.getMessage()
          + " (try --help)");
      return JobLauncher.USAGE;
    });
    return cli.execute(args);
  }

  @Override
  public Integer call() {
    new CommandLine(this).usage(System.err);
    return JobLauncher.USAGE;
  }

  @Command(name = "ingest", mixinStandardHelpOptions = true,
      description = {"Reads the activity landing folders of --date (or --from .. --date as one"
          + " batch) and the leads, accounts and outcomes snapshots into Delta tables.",
          "Bad rows go to activities_rejected with a reason; duplicates on event_id are"
              + " dropped within the batch and against what is stored; snapshots are upserted"
              + " by key. Rerunning the same dates changes no table's contents."})
  static final class Ingest implements Callable<Integer> {
    @Mixin JobOptions options;
    @Mixin LandingDates dates;

    @Override
    public Integer call() {
      LocalDate start = dates.start();
      if (start == null) {
        return JobLauncher.USAGE;
      }
      return JobLauncher.launch("ingest", options, dates.date, false,
          (rt, model) -> List.of(IngestJob.run(rt, start, dates.date)));
    }
  }

  @Command(name = "score", mixinStandardHelpOptions = true,
      description = {"Scores every lead as of --date: fit and grade, decayed engagement and"
          + " band, priority, stage (with stage_since), top reasons. Writes the date's"
          + " partitions of lead_score_history and score_changes (replaced atomically) and"
          + " lead_scores (when the date is the latest).",
          "Activities after --date are ignored, so scoring an earlier date reproduces it."
              + " Later dates already scored are re-scored after it, in order, so their"
              + " stages follow from it.",
          "Scores are computed from activity_daily, per-day rule counts that each run brings"
              + " up to date by re-counting only the event dates new activities touched, and"
              + " engagement_state, each lead's decayed sums carried from the last scored"
              + " date, so a daily run does not re-read the lookback window."})
  static final class Score implements Callable<Integer> {
    @Mixin JobOptions options;
    @Mixin ScoreDate scoreDate;

    @Mixin FullRebuild rebuild;

    @Override
    public Integer call() {
      return JobLauncher.launch("score", options, scoreDate.date, true,
          (rt, model) -> List.of(ScoreJob.run(rt, model, scoreDate.date, rebuild.full)));
    }
  }

  @Command(name = "accounts", mixinStandardHelpOptions = true,
      description = {"Scores every account as of --date from its leads' scores of that date"
          + " (run score first) and its own account-level activity: fit and grade,"
          + " committee engagement and band, engaged leads, personas covered, best lead.",
          "Writes the date's partitions of account_score_history and account_score_changes"
              + " and account_scores (when the date is the latest)."})
  static final class Accounts implements Callable<Integer> {
    @Mixin JobOptions options;
    @Mixin ScoreDate scoreDate;

    @Override
    public Integer call() {
      return JobLauncher.launch("accounts", options, scoreDate.date, true,
          (rt, model) -> List.of(AccountsJob.run(rt, model, scoreDate.date)));
    }
  }

  @Command(name = "report", mixinStandardHelpOptions = true,
      description = {"Writes the report of --date (run score and accounts first): one"
          + " self-contained HTML page, <leadscore.reports>/<date>.html, copied to latest.html"
          + " when the date is the latest scored one. It opens offline (charts inlined).",
          "The page is drawn from aggregates that are also written as Delta tables keyed by"
              + " score_date (report_daily, report_distribution, report_priority, report_trend,"
              + " report_transitions, report_top_accounts, report_top_leads, report_rules,"
              + " report_ingest, report_rejects, report_segments, report_backtest), each"
              + " replacing the date's partition, so BI draws the same charts.",
          "Sections whose data is absent (no backtest, no segments, no account scores) say so"
              + " in the page."})
  static final class Report implements Callable<Integer> {
    @Mixin JobOptions options;
    @Mixin ScoreDate scoreDate;

    @Override
    public Integer call() {
      return JobLauncher.launch("report", options, scoreDate.date, true,
          (rt, model) -> List.of(ReportJob.run(rt, model, scoreDate.date)));
    }
  }

  /** --date of the scoring jobs. */
  static final class ScoreDate {
    @Option(names = "--date", required = true, paramLabel = "YYYY-MM-DD",
        description = "The score date.")
    LocalDate date;
  }

  /** --full: recount activity_daily from all activities. */
  static final class FullRebuild {
    @Option(names = "--full",
        description = "Recount activity_daily from all activities instead of only the event"
            + " dates changed since the last run, and recompute engagement_state from the"
            + " whole window. Not needed after a model change: whatever a change needs is"
            + " recomputed by itself (rule names or conditions: activity_daily; limits,"
            + " half-lives or lookback: engagement_state), and points and caps apply when"
            + " scoring.")
    boolean full;
  }

  @Command(name = "pipeline", mixinStandardHelpOptions = true,
      description = {"Runs the daily jobs in order for --date: ingest, score, accounts,"
          + " segments, report.",
          "The model and the segments are validated before anything is read. With --from, ingest takes every"
              + " landing date from --from to --date as one batch (a first load or backfill)."})
  static final class Pipeline implements Callable<Integer> {
    @Mixin JobOptions options;
    @Mixin LandingDates dates;
    @Mixin FullRebuild rebuild;

    @Override
    public Integer call() {
      LocalDate start = dates.start();
      if (start == null) {
        return JobLauncher.USAGE;
      }
      return JobLauncher.launch("pipeline", options, dates.date, true, (rt, model) ->
          pipeline(rt, model, start, dates.date, rebuild.full));
    }
  }

  static List<JobResult> pipeline(JobRuntime rt, Model model, LocalDate from, LocalDate date) {
    return pipeline(rt, model, from, date, false);
  }

  static List<JobResult> pipeline(JobRuntime rt, Model model, LocalDate from, LocalDate date,
      boolean full) {
    List<Segment> segments = SegmentsJob.definitions(rt, model);
    List<JobResult> results = new ArrayList<>();
    results.add(IngestJob.run(rt, from, date));
    results.add(ScoreJob.run(rt, model, date, full));
    results.add(AccountsJob.run(rt, model, date));
    results.add(SegmentsJob.run(rt, model, segments, date));
    results.add(ReportJob.run(rt, model, date, results));
    return results;
  }

  /** --date, and --from for a batch of landing dates ending at --date. */
  static final class LandingDates {
    @Option(names = "--date", required = true, paramLabel = "YYYY-MM-DD",
        description = "The run date: the last landing date ingested.")
    LocalDate date;

    @Option(names = "--from", paramLabel = "YYYY-MM-DD",
        description = "Also ingest every landing date from this one (a backfill in one batch).")
    LocalDate from;

    /** The first landing date, or null (after saying why) when the range is empty. */
    LocalDate start() {
      if (from != null && from.isAfter(date)) {
        System.err.println("leadscore: --from " + from + " is after --date " + date);
        return null;
      }
      return from == null ? date : from;
    }
  }
}

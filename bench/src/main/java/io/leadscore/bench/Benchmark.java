package io.leadscore.bench;

import io.leadscore.common.Errors;
import io.leadscore.common.Schemas;
import io.leadscore.common.config.AppSettings;
import io.leadscore.common.config.ConfigException;
import io.leadscore.common.config.Model;
import io.leadscore.common.config.ModelLoader;
import io.leadscore.jobs.Main;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The benchmark of issue 4, in one JVM so the comparison with DuckDB is fair: per scale it
 * generates and caches the data and two prepared warehouses, then times a full rescore, a
 * one-day incremental run on 365 and on 30 days of history, and DuckDB computing the same
 * engagement over a Parquet snapshot of the same activities; checks that the scores agree;
 * prints a table and appends it to bench/RESULTS.md. See bench/README.md.
 */
@Command(name = "bench/run", mixinStandardHelpOptions = true,
    description = {"Benchmarks leadscore against DuckDB at scales S, M and L (default: S M).",
        "Generated data and prepared warehouses are cached under bench/data/<scale>/."},
    footer = {"", "Exit codes: 0 scores agree, 1 a mismatch or a failed run, 2 bad arguments."})
public final class Benchmark implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(Benchmark.class);
  private static final DateTimeFormatter STAMP =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'", Locale.ROOT);

  @Parameters(arity = "0..*", paramLabel = "SCALE", description = "S, M or L (default: S M).")
  List<Scale> scales = new ArrayList<>();

  @Option(names = "--repeat", defaultValue = "1", paramLabel = "N",
      description = "Measured runs per kind; the table shows the median (default 1).")
  int repeat;

  @Option(names = "--home", defaultValue = "${env:LEADSCORE_HOME:-.}", paramLabel = "DIR",
      description = "The leadscore checkout (default: $LEADSCORE_HOME or .).")
  Path home;

  @Option(names = "--data", paramLabel = "DIR",
      description = "Cache of generated data and warehouses (default: <home>/bench/data).")
  Path data;

  @Option(names = "--model", paramLabel = "FILE",
      description = "Scoring model without 'when' rules (default: <home>/bench/model.conf).")
  Path model;

  @Option(names = "--end-date", defaultValue = "2026-11-20", paramLabel = "YYYY-MM-DD",
      description = "D: the day measured runs ingest and score (default ${DEFAULT-VALUE}).")
  LocalDate date;

  @Option(names = "--seed", defaultValue = "20261120",
      description = "Generator seed (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--ingest-batch-days", defaultValue = "0", paramLabel = "N",
      description = "Prepare warehouses with ingest batches of N landing days (default: one"
          + " batch).")
  int batchDays;

  @Option(names = "--bot-events", defaultValue = "0", paramLabel = "N",
      description = "Generate data where about N of the events are one bot lead's (generate"
          + " --bot-events), cached apart as bench/data/<scale>-bot<N> (default: no bot).")
  long botEvents;

  @Option(names = "--duckdb-memory", paramLabel = "SIZE",
      description = "DuckDB memory_limit, e.g. 8GB (default: 3/4 of the RAM the JVM heap"
          + " leaves).")
  String duckMemory;

  @Option(names = "--results", paramLabel = "FILE",
      description = "Where to append the table (default: <home>/bench/RESULTS.md).")
  Path results;

  @Option(names = "--no-results", description = "Print the table only.")
  boolean noResults;

  @Option(names = "--command", hidden = true, description = "The command line, for RESULTS.md.")
  String command;

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  public static int execute(String... args) {
    CommandLine cli = new CommandLine(new Benchmark()).setCaseInsensitiveEnumValuesAllowed(true);
    cli.setParameterExceptionHandler((ex, a) -> {
      ex.getCommandLine().getErr().println("bench: " + ex.getMessage() + " (try --help)");
      return 2;
    });
    return cli.execute(args);
  }

  @Override
  public Integer call() {
    long started = System.nanoTime();
    // A stop (Ctrl-C, SIGTERM) makes Spark's own shutdown hook fail the running job, which
    // would otherwise be reported as a scale that "did not finish" and appended to RESULTS.md.
    AtomicBoolean stopping = new AtomicBoolean();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> stopping.set(true)));
    String loadBefore = Machine.loadAverage();
    if (scales.isEmpty()) {
      scales = List.of(Scale.S, Scale.M);
    }
    if (repeat < 1) {
      System.err.println("bench: --repeat must be >= 1");
      return 2;
    }
    home = home.toAbsolutePath().normalize();
    data = data == null ? home.resolve("bench/data") : data.toAbsolutePath();
    model = model == null ? home.resolve("bench/model.conf") : model.toAbsolutePath();
    results = results == null ? home.resolve("bench/RESULTS.md") : results.toAbsolutePath();
    Model loaded;
    try {
      loaded = loadModel();
      EngagementSql.refuseWhen(loaded);
    } catch (ConfigException | IllegalArgumentException e) {
      System.err.println("bench: " + e.getMessage());
      return 2;
    }

    Report report = new Report();
    boolean full = scoreHasFullOption();
    if (!full) {
      report.note("`score` has no `--full` option in this build (incremental scoring not"
          + " merged yet): every score row is a plain score, so the \"incremental\" rows are"
          + " not an incremental measurement.");
    }
    int cores = sparkCores();
    report.note(String.format(Locale.ROOT, "Spark local mode: the driver JVM also runs the"
        + " executors, so peak heap is the whole job's. DuckDB runs in the same JVM with %d"
        + " threads (Spark's cores); its memory is native, outside the heap.", cores));
    String sparkVersion = "?";
    String duckVersion = "?";
    boolean failed = false;
    List<String> sizes = new ArrayList<>();
    for (Scale scale : scales) {
      try {
        ScaleRun run = new ScaleRun(
            new ScaleData(scale, data, home, model, date, seed, botEvents), loaded, full, repeat,
            batchDays, cores, duckMemory(), report);
        run.run();
        sparkVersion = run.sparkVersion;
        duckVersion = run.duckVersion;
        sizes.add(String.format(Locale.ROOT, "%s %,d MB", scale,
            FileTrees.size(run.data.root) / 1_000_000));
      } catch (RuntimeException e) {
        LOG.error("bench {}: {}", scale, e.getMessage(), e);
        report.note("scale " + scale + " did not finish: " + Errors.oneLine(e));
        failed = true;
      }
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    String load = "load average " + loadBefore + " at start, " + Machine.loadAverage()
        + " at end";
    String entry = entry(seconds, load, sparkVersion, duckVersion, cores, sizes, report);
    System.out.println();
    System.out.println(entry);
    if (stopping.get()) {
      System.err.println("bench: stopped before the end; nothing appended to " + results);
      return 1;
    }
    if (!noResults) {
      appendResults(entry);
    }
    if (!report.allAgree()) {
      System.err.println("bench: leadscore's and DuckDB's scores differ (see above)");
      return 1;
    }
    return failed ? 1 : 0;
  }

  private String entry(double seconds, String load, String sparkVersion, String duckVersion,
      int cores, List<String> sizes, Report report) {
    Machine m = Machine.describe();
    String cmd = command != null ? command
        : "bench/run " + String.join(" ", scales.stream().map(Scale::name).toList())
            + (repeat > 1 ? " --repeat " + repeat : "");
    return String.join("\n",
        "## " + ZonedDateTime.now(ZoneOffset.UTC).format(STAMP) + " · " + Machine.commit(home),
        "",
        "`" + cmd + "` — " + m.cores() + " cores, " + m.memory() + ", " + m.cpu() + "; "
            + m.java() + ", " + m.heap() + "; Spark " + sparkVersion + " " + sparkMaster()
            + " (" + cores + " cores); DuckDB " + duckVersion + " (" + cores + " threads); D = "
            + date + ", seed " + seed + (repeat > 1 ? ", median of " + repeat + " runs" : "")
            + "; " + load + ". Harness wall time "
            + String.format(Locale.ROOT, "%.0f s", seconds)
            + (sizes.isEmpty() ? "" : "; bench/data: " + String.join(", ", sizes)) + ".",
        "",
        report.table(),
        report.targets(),
        "Agreement with DuckDB (engagement_score per lead, 2 decimals):",
        "",
        report.agreementText(),
        report.notesText());
  }

  private void appendResults(String entry) {
    try {
      if (!Files.exists(results)) {
        Files.writeString(results, "# Benchmark results\n\nAppended by `bench/run`; see"
            + " bench/README.md.\n");
      }
      Files.writeString(results, "\n" + entry.stripTrailing() + "\n",
          StandardOpenOption.APPEND);
      LOG.info("bench: appended to {}", results);
    } catch (java.io.IOException e) {
      LOG.error("bench: cannot append to {}: {}", results, e.getMessage());
    }
  }

  /** The model through the project's loader, with the activity types of the settings. */
  private Model loadModel() {
    AppSettings settings = AppSettings.load(Optional.of(home.resolve("bench/bench.conf")
        .toFile()), Map.of());
    List<String> leadFields = List.of(Schemas.leadRuleSchema(Schemas.LEADS).fieldNames());
    return new ModelLoader(settings.activityTypes(), leadFields,
        List.of(Schemas.ACCOUNTS.fieldNames())).load(model.toFile());
  }

  private String sparkMaster() {
    return AppSettings.load(Optional.of(home.resolve("bench/bench.conf").toFile()), Map.of())
        .sparkMaster();
  }

  /** The cores local Spark uses: local[N] is N, local[*] every core the JVM sees. */
  private int sparkCores() {
    Matcher m = Pattern.compile("local\\[(\\d+|\\*)(,\\d+)?\\]").matcher(sparkMaster());
    if (m.matches() && !m.group(1).equals("*")) {
      return Integer.parseInt(m.group(1));
    }
    return Runtime.getRuntime().availableProcessors();
  }

  /**
   * Whether {@code score} takes {@code --full} (the incremental scoring branch adds it):
   * asked of the command line's own definition rather than by running a job.
   */
  static boolean scoreHasFullOption() {
    CommandLine cli = new CommandLine(new Main());
    CommandLine score = cli.getSubcommands().get("score");
    return score != null && score.getCommandSpec().findOption("--full") != null;
  }

  /** DuckDB's memory limit: what the JVM heap leaves of the RAM, three quarters of it. */
  private String duckMemory() {
    if (duckMemory != null) {
      return duckMemory;
    }
    long ram = Machine.memoryBytes();
    if (ram <= 0) {
      return null;
    }
    long free = ram - Runtime.getRuntime().maxMemory();
    long limit = Math.max(1L << 30, free / 4 * 3);
    return (limit >> 20) + "MB";
  }

}

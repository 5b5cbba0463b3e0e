package io.leadscore.jobs;

import static org.apache.spark.sql.functions.col;

import io.leadscore.common.generate.GeneratorSpec;
import io.leadscore.common.generate.SyntheticData;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code generate}: synthetic inputs at any scale, in the shapes ingest reads: leads,
 * accounts and outcomes as CSV, activities as JSON lines in one folder per landing date.
 * Written by Spark in parallel; nothing is built in the driver.
 */
@Command(name = "generate", mixinStandardHelpOptions = true,
    description = {"Writes synthetic inputs under --out, deterministic per --seed:",
        "- leads/, accounts/, outcomes/: CSV with a header, in part-*.csv files"
            + " (--single-files: one generated.csv each);",
        "- activities/dt=YYYY-MM-DD/: JSON lines, in part-*.txt files (the extension Spark's"
            + " text writer gives; --single-files: one generated.jsonl a day).",
        "Ingest reads them as format = csv and format = jsonl, whatever the extension.",
        "Includes the rows real feeds have: bad lines, replays, email-only and account-level"
            + " rows, offsets that cross midnight, late arrivals."})
final class GenerateCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(GenerateCommand.class);

  @Mixin JobOptions options;

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder.")
  String out;

  @Option(names = "--leads", defaultValue = "10000", description = "Leads (default ${DEFAULT-VALUE}).")
  int leads;

  @Option(names = "--accounts", defaultValue = "1000",
      description = "Accounts (default ${DEFAULT-VALUE}).")
  int accounts;

  @Option(names = "--days", defaultValue = "120",
      description = "Landing days ending at --end-date (default ${DEFAULT-VALUE}).")
  int days;

  @Option(names = "--events", defaultValue = "1000000",
      description = "Activity lines, bad ones and replays included (default ${DEFAULT-VALUE}).")
  long events;

  @Option(names = "--seed", defaultValue = "42", description = "Seed (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--end-date", required = true, paramLabel = "YYYY-MM-DD",
      description = "The last landing date.")
  LocalDate endDate;

  @Option(names = "--bot-events", defaultValue = "0", paramLabel = "N",
      description = "Of the --events lines, about N are page views of one bot lead, the first,"
          + " on every landing day: skew for a benchmark (default ${DEFAULT-VALUE}).")
  long botEvents;

  @Option(names = "--single-files",
      description = "One file per snapshot and per landing date (for small sample sets).")
  boolean singleFiles;

  @Override
  public Integer call() {
    return JobLauncher.launch("generate", options, endDate, false, false,
        (rt, model) -> List.of(run(rt.spark(), GeneratorSpec.of(leads, accounts, days, events,
            seed, endDate).withBotEvents(botEvents), out, singleFiles)));
  }

  static JobResult run(SparkSession spark, GeneratorSpec spec, String out, boolean singleFiles) {
    StageTimer timer = new StageTimer(LOG);
    Map<String, Long> counts = new LinkedHashMap<>();
    SyntheticData.SESSION_SETTINGS.forEach((k, v) -> spark.conf().set(k, v));
    timer.time("accounts", () -> writeCsv(SyntheticData.accounts(spark, spec), out, "accounts",
        singleFiles));
    timer.time("leads", () -> writeCsv(SyntheticData.leads(spark, spec), out, "leads",
        singleFiles));
    timer.time("outcomes", () -> writeCsv(SyntheticData.outcomes(spark, spec), out, "outcomes",
        singleFiles));
    timer.time("activities", () -> {
      Dataset<Row> lines = SyntheticData.activityLines(spark, spec)
          .select(col("landing_date").cast("string").as("dt"), col("value"));
      if (!singleFiles) {
        lines.write().mode(SaveMode.Overwrite).partitionBy("dt").text(out + "/activities");
        return;
      }
      String tmp = out + "/_tmp_activities";
      lines.repartition(col("dt")).write().mode(SaveMode.Overwrite).partitionBy("dt").text(tmp);
      FileSystem fs = fileSystem(spark, tmp);
      try {
        for (FileStatus day : fs.listStatus(new Path(tmp))) {
          if (day.isDirectory() && day.getPath().getName().startsWith("dt=")) {
            moveSinglePart(fs, day.getPath(),
                new Path(out + "/activities/" + day.getPath().getName() + "/generated.jsonl"));
          }
        }
        fs.delete(new Path(tmp), true);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
    counts.put("leads", (long) spec.leads());
    counts.put("accounts", (long) spec.accounts());
    counts.put("activity_lines", spec.events());
    if (spec.botEvents() > 0) {
      counts.put("bot_lines_about", spec.botEvents());
    }
    counts.put("landing_days", (long) spec.days());
    return new JobResult("generate", spec.endDate(), counts, timer.seconds(), timer.elapsed(),
        List.of(out + "/leads", out + "/accounts", out + "/outcomes",
            out + "/activities/dt=" + spec.startDate() + " .. dt=" + spec.endDate()));
  }

  /**
   * Snapshots go to {@code out/<name>/}: a Spark folder of parts, or with single files one
   * {@code generated.csv}, which leaves hand-written files beside it in place.
   */
  private static void writeCsv(Dataset<Row> rows, String out, String name, boolean singleFile) {
    if (!singleFile) {
      rows.write().mode(SaveMode.Overwrite).option("header", "true").csv(out + "/" + name);
      return;
    }
    String tmp = out + "/_tmp_" + name;
    rows.coalesce(1).write().mode(SaveMode.Overwrite).option("header", "true").csv(tmp);
    FileSystem fs = fileSystem(rows.sparkSession(), tmp);
    try {
      moveSinglePart(fs, new Path(tmp), new Path(out + "/" + name + "/generated.csv"));
      fs.delete(new Path(tmp), true);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static FileSystem fileSystem(SparkSession spark, String path) {
    try {
      return new Path(path).getFileSystem(spark.sparkContext().hadoopConfiguration());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Spark writes a folder of parts; a sample set wants one plain, stable file name. */
  private static void moveSinglePart(FileSystem fs, Path folder, Path target) throws IOException {
    Path part = null;
    for (FileStatus s : fs.listStatus(folder)) {
      if (s.getPath().getName().startsWith("part-")) {
        part = s.getPath();
      }
    }
    if (part == null) {
      throw new IllegalStateException("no part file written in " + folder);
    }
    fs.mkdirs(target.getParent());
    fs.delete(target, false);
    if (!fs.rename(part, target)) {
      throw new IllegalStateException("could not move " + part + " to " + target);
    }
    // The local file system keeps a checksum beside each file; a sample set does not need it.
    fs.delete(new Path(target.getParent(), "." + target.getName() + ".crc"), false);
  }
}

package io.leadscore.jobs;

import io.leadscore.common.Errors;
import io.leadscore.common.config.AppSettings;
import io.leadscore.common.config.ConfigException;
import io.leadscore.common.config.Model;
import io.leadscore.common.spark.Sessions;
import io.leadscore.common.spark.SparkJobCounter;
import io.leadscore.common.storage.RunLog;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a job the same way from every entry point: settings, session, model (validated before
 * any data is read), the job itself, the closing summary, the run_log entry, and one clear
 * line on failure with the stack trace at debug level.
 */
final class JobLauncher {
  private static final Logger LOG = LoggerFactory.getLogger(JobLauncher.class);

  static final int OK = 0;
  static final int FAILED = 1;
  static final int USAGE = 2;
  static final int REFUSED = 3;

  /** A job body: gets the runtime and, when asked for, the validated model. */
  interface Body {
    List<JobResult> run(JobRuntime runtime, Model model);
  }

  private JobLauncher() {}

  static int launch(String job, JobOptions options, LocalDate date, boolean needsModel,
      Body body) {
    return launch(job, options, date, needsModel, true, body);
  }

  /** @param recordRuns whether to add the run to run_log (not for jobs outside a warehouse) */
  static int launch(String job, JobOptions options, LocalDate date, boolean needsModel,
      boolean recordRuns, Body body) {
    Logs.configure(options.verbose);
    Instant started = Instant.now();
    // A session that already exists (a notebook, a test) belongs to its owner: not ours to stop.
    boolean ownSession = SparkSession.getDefaultSession().isEmpty();
    SparkSession spark = null;
    JobRuntime runtime = null;
    String modelVersion = null;
    try {
      Map<String, String> overrides = new LinkedHashMap<>();
      if (options.warehouse != null) {
        overrides.put("leadscore.warehouse", options.warehouse);
      }
      AppSettings settings = AppSettings.load(Optional.ofNullable(options.conf), overrides);
      LOG.info("leadscore {}{} with settings from {}:\n{}", job, date == null ? "" : " " + date,
          settings.source(), settings.describe());
      spark = Sessions.create(settings, options.master);
      runtime = new JobRuntime(settings, spark, Optional.ofNullable(options.model));
      SparkJobCounter sparkJobs = SparkJobCounter.of(spark.sparkContext());
      long sparkJobsBefore = sparkJobs.jobs();
      Model model = null;
      if (needsModel) {
        model = runtime.loadModel();
        modelVersion = model.version();
        LOG.info("model {} from {}: {} engagement rules, {} fit rules", model.version(),
            model.source(), model.engagement().rules().size(), model.fit().rules().size());
      }
      List<JobResult> results = body.run(runtime, model);
      for (JobResult result : results) {
        // The summary is the job's output (stdout); progress and warnings are logs (stderr).
        System.out.println(result.summary());
        if (!recordRuns) {
          continue;
        }
        RunLog.append(spark, runtime.store(), new RunLog.Entry(runtime.runId(), result.job(),
            result.date(), "succeeded", started, Instant.now(), modelVersion, result.counts(),
            withTotal(result), result.outputs(), null));
      }
      if (!results.isEmpty()) {
        System.out.println("leadscore " + job + (date == null ? "" : " " + date)
            + ": succeeded, total time " + StageTimer.format(
                Duration.between(started, Instant.now()).toMillis() / 1000.0)
            + " (Spark start-up, checks and run_log included), "
            + (sparkJobs.jobs() - sparkJobsBefore) + " Spark jobs");
      }
      System.out.flush();
      return OK;
    } catch (ConfigException e) {
      LOG.debug("refused", e);
      System.err.println("leadscore " + job + ": " + e.getMessage());
      return REFUSED;
    } catch (Exception e) {
      // Scala code throws checked exceptions (AnalysisException) that Java cannot declare.
      LOG.debug("failed", e);
      String message = oneLine(e);
      System.err.println("leadscore " + job + ": failed: " + message
          + (options.verbose ? "" : " (--verbose shows the stack trace)"));
      if (recordRuns) {
        logFailure(runtime, job, date, started, modelVersion, message);
      }
      return FAILED;
    } finally {
      if (spark != null && ownSession) {
        spark.stop();
      }
    }
  }

  private static void logFailure(JobRuntime runtime, String job, LocalDate date,
      Instant started, String modelVersion, String message) {
    if (runtime == null) {
      return;
    }
    try {
      RunLog.append(runtime.spark(), runtime.store(), new RunLog.Entry(runtime.runId(), job,
          date, "failed", started, Instant.now(), modelVersion, Map.of(), Map.of(),
          new ArrayList<>(), message));
    } catch (RuntimeException e) {
      LOG.debug("could not record the failure in run_log", e);
    }
  }

  private static Map<String, Double> withTotal(JobResult result) {
    Map<String, Double> timings = new LinkedHashMap<>(result.secondsPerStage());
    timings.put("total", result.wallSeconds());
    return timings;
  }

  /** Kept for callers in jobs; the one implementation is {@link Errors#oneLine(Throwable)}. */
  static String oneLine(Throwable e) {
    return Errors.oneLine(e);
  }
}

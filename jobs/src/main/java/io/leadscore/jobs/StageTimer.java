package io.leadscore.jobs;

import io.leadscore.common.StageClock;
import io.leadscore.common.spark.SparkJobCounter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;

/**
 * Times a job's stages and logs each one as it ends, with the Spark jobs it started, so users
 * see progress and where a small run's fixed cost goes.
 */
final class StageTimer implements StageClock {
  private final Logger log;
  private final Map<String, Double> seconds = new LinkedHashMap<>();
  private final long started = System.nanoTime();
  private final SparkJobCounter sparkJobs = SparkJobCounter.active().orElse(null);

  StageTimer(Logger log) {
    this.log = log;
  }

  @Override
  public <T> T time(String stage, Supplier<T> work) {
    log.info("{} ...", stage);
    long start = System.nanoTime();
    long jobsBefore = sparkJobs == null ? 0 : sparkJobs.jobs();
    T result = work.get();
    double s = (System.nanoTime() - start) / 1e9;
    seconds.merge(stage, s, Double::sum);
    if (sparkJobs == null) {
      log.info("{} done in {}", stage, format(s));
    } else {
      log.info("{} done in {} ({} Spark jobs)", stage, format(s), sparkJobs.jobs() - jobsBefore);
    }
    return result;
  }

  Map<String, Double> seconds() {
    return seconds;
  }

  /** Wall time since the timer was made: the stages plus everything between them. */
  double elapsed() {
    return (System.nanoTime() - started) / 1e9;
  }

  static String format(double seconds) {
    return String.format(java.util.Locale.ROOT, "%.1f s", seconds);
  }
}

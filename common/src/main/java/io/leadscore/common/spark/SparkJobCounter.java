package io.leadscore.common.spark;

import java.util.Map;
import java.util.Optional;
import java.util.WeakHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts the Spark jobs a SparkContext starts. On small tables a run's time is
 * mostly the fixed cost of each Spark job (scheduling, a Delta log read, a commit), so the
 * count per stage of a leadscore job says where that cost comes from; the jobs log it.
 *
 * <p>The listener bus delivers events asynchronously, so a count read right after an action
 * may miss that action's last events; that is good enough for a progress log.
 */
public final class SparkJobCounter extends SparkListener {
  private static final Logger LOG = LoggerFactory.getLogger(SparkJobCounter.class);
  private static final Map<SparkContext, SparkJobCounter> COUNTERS = new WeakHashMap<>();

  private final AtomicLong jobs = new AtomicLong();

  private SparkJobCounter() {}

  /** The counter of this context, registered on first use. */
  public static synchronized SparkJobCounter of(SparkContext context) {
    return COUNTERS.computeIfAbsent(context, c -> {
      SparkJobCounter counter = new SparkJobCounter();
      c.addSparkListener(counter);
      return counter;
    });
  }

  /** The counter of the current thread's (or the default) session, if there is one. */
  public static Optional<SparkJobCounter> active() {
    scala.Option<SparkSession> session = SparkSession.getActiveSession();
    if (session.isEmpty()) {
      session = SparkSession.getDefaultSession();
    }
    return session.isEmpty() ? Optional.empty()
        : Optional.of(of(session.get().sparkContext()));
  }

  @Override
  public void onJobStart(SparkListenerJobStart jobStart) {
    jobs.incrementAndGet();
    if (LOG.isDebugEnabled()) {
      LOG.debug("Spark job {}: {}", jobStart.jobId(), describe(jobStart));
    }
  }

  /** The job's description (Delta names its own) and the leadscore line that started it. */
  private static String describe(SparkListenerJobStart jobStart) {
    java.util.Properties p = jobStart.properties();
    String description = p == null ? null : p.getProperty("spark.job.description");
    String origin = "";
    if (!jobStart.stageInfos().isEmpty()) {
      String details = jobStart.stageInfos().last().details();
      for (String line : details.split("\n")) {
        if (line.contains("io.leadscore")) {
          origin = line.strip();
          break;
        }
      }
      if (origin.isEmpty()) {
        origin = jobStart.stageInfos().last().name();
      }
    }
    return (description == null ? "" : description + " <- ") + origin;
  }

  /** Jobs started since the counter was registered. */
  public long jobs() {
    return jobs.get();
  }
}

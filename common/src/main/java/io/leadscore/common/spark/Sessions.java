package io.leadscore.common.spark;

import io.leadscore.common.config.AppSettings;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/** Builds the SparkSession every job runs in, with Delta enabled and the contract's settings. */
public final class Sessions {
  private Sessions() {}

  /**
   * Settings the scoring contract depends on; they are not user-tunable. UTC makes
   * {@code event_date} the UTC date (SPEC §2); ANSI off makes a failed cast in a rule's
   * {@code when} a non-match instead of a failed job (SPEC §8.5).
   */
  public static final Map<String, String> CONTRACT = Map.of(
      "spark.sql.session.timeZone", "UTC",
      "spark.sql.ansi.enabled", "false");

  /** Delta's extension and catalog: static, so they must be set before the session exists. */
  public static final Map<String, String> DELTA = Map.of(
      "spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension",
      "spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog");

  /**
   * @param masterOverride the master from the command line, or null to use the
   *     configuration's; when spark-submit already set spark.master, that one wins.
   */
  public static SparkSession create(AppSettings settings, String masterOverride) {
    SparkSession.Builder builder = SparkSession.builder().appName(settings.sparkAppName());
    String submitted = System.getProperty("spark.master");
    if (masterOverride != null) {
      builder.master(masterOverride);
    } else if (submitted == null) {
      builder.master(settings.sparkMaster());
    }
    settings.sparkConf().forEach(builder::config);
    CONTRACT.forEach(builder::config);
    DELTA.forEach(builder::config);
    SparkSession spark = builder.getOrCreate();
    // An existing session (a notebook, a test) may have been built without them.
    CONTRACT.forEach((k, v) -> spark.conf().set(k, v));
    return spark;
  }
}

package io.leadscore.jobs;

import java.net.URISyntaxException;
import java.net.URL;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.config.ConfigurationSource;
import org.apache.logging.log4j.core.config.Configurator;

/**
 * Console logging the same from every entry point. bin/leadscore names conf/log4j2.properties
 * itself; under spark-submit without a log4j2.properties in SPARK_CONF_DIR, Spark falls back
 * to its own defaults (everything at INFO, over a thousand lines a run), so the job switches
 * to the copy of conf/log4j2.properties the job jar carries. A configuration the user chose
 * (-Dlog4j2.configurationFile, SPARK_CONF_DIR) is left alone.
 */
final class Logs {
  /** conf/log4j2.properties, packed into the job jars under this name. */
  static final String BUNDLED = "/leadscore/log4j2.properties";

  private Logs() {}

  static void configure(boolean verbose) {
    if (usingFallback()) {
      URL bundled = Logs.class.getResource(BUNDLED);
      if (bundled != null) {
        try {
          Configurator.reconfigure(bundled.toURI());
        } catch (URISyntaxException e) {
          throw new IllegalStateException(e);
        }
      }
    }
    if (verbose) {
      // All levels below too: the task-failure loggers are quiet by default (one line on
      // stderr is the contract), their stack traces are what --verbose is for.
      Configurator.setAllLevels("io.leadscore", Level.DEBUG);
      Configurator.setAllLevels("org.apache.spark", Level.INFO);
    }
  }

  /** Whether log4j runs on Spark's built-in defaults or its own, not on a chosen file. */
  static boolean usingFallback() {
    if (!(LogManager.getContext(false) instanceof LoggerContext context)) {
      return false;
    }
    ConfigurationSource source = context.getConfiguration().getConfigurationSource();
    String location = source == null ? null : source.getLocation();
    return location == null || location.contains("org/apache/spark/log4j2-defaults");
  }
}

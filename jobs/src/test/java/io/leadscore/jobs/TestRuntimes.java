package io.leadscore.jobs;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.leadscore.common.config.AppSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.SparkSession;

/**
 * The jobs' runtime as the tests build it: the shared test session, and settings that are
 * the reference defaults plus the test's own overrides (its warehouse, inputs, files).
 */
final class TestRuntimes {
  private TestRuntimes() {}

  static JobRuntime of(SparkSession spark, Map<String, String> overrides) {
    return new JobRuntime(AppSettings.load(Optional.empty(), overrides), spark,
        Optional.empty());
  }

  /** With a model file of the test's own, as {@code --model} would give it. */
  static JobRuntime of(SparkSession spark, Map<String, String> overrides, Path model) {
    return new JobRuntime(AppSettings.load(Optional.empty(), overrides), spark,
        Optional.of(model.toFile()));
  }

  /** The checkout: the folder above the working directory that holds data-samples/. */
  static Path repo() {
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.isDirectory(p.resolve("data-samples"))) {
      p = p.getParent();
    }
    assertNotNull(p, "data-samples/ not found above " + Path.of("").toAbsolutePath());
    return p;
  }

  /**
   * data-samples/ as the inputs and conf/model.conf as the model, writing the warehouse,
   * reports and exports under {@code dir}; segments from conf/segments.conf when asked.
   */
  static Map<String, String> dataSamples(Path dir, boolean withSegments) {
    Path repo = repo();
    Map<String, String> overrides = new HashMap<>();
    overrides.put("leadscore.warehouse", dir.resolve("warehouse").toString());
    overrides.put("leadscore.reports", dir.resolve("reports").toString());
    overrides.put("leadscore.exports", dir.resolve("exports").toString());
    overrides.put("leadscore.model-file", repo.resolve("conf/model.conf").toString());
    if (withSegments) {
      overrides.put("leadscore.segments-file", repo.resolve("conf/segments.conf").toString());
    }
    for (String input : List.of("activities", "leads", "accounts", "outcomes")) {
      overrides.put("leadscore.inputs." + input + ".path",
          repo.resolve("data-samples/" + input).toString());
    }
    return overrides;
  }
}

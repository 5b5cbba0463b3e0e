package io.leadscore.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.leadscore.common.testing.SparkTestBase;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where a job's output goes: the summary on stdout, one line on stderr when it fails. */
class JobOutputTest extends SparkTestBase {
  @TempDir Path dir;

  @Test
  void aJobPrintsItsSummaryAndTotalTimeOnStdout() throws Exception {
    Path conf = dir.resolve("test.conf");
    Files.writeString(conf, "leadscore.spark.conf { \"spark.sql.shuffle.partitions\" = \"2\" }\n");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrintStream originalOut = System.out;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    int exit;
    try {
      exit = Main.execute("generate", "--conf", conf.toString(), "--out",
          dir.resolve("gen").toString(), "--leads", "4", "--accounts", "2", "--days", "2",
          "--events", "20", "--end-date", "2026-11-20", "--single-files");
    } finally {
      System.setOut(originalOut);
    }
    assertEquals(0, exit);
    List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
    Assertions.assertTrue(lines.get(0).startsWith("generate 2026-11-20 finished in "), lines.get(0));
    Assertions.assertTrue(lines.contains("  rows:"), lines.toString());
    Assertions.assertTrue(lines.get(lines.size() - 1).matches("leadscore generate 2026-11-20:"
        + " succeeded, total time \\d+\\.\\d s \\(.*\\), [1-9]\\d* Spark jobs"),
        lines.get(lines.size() - 1));
    // The shared session is the test's: the launcher did not stop it.
    Assertions.assertFalse(session().sparkContext().isStopped());
  }

  /** Runs Main in a JVM of its own with conf/log4j2.properties, as bin/leadscore does. */
  private static String[] runMain(Path warehouse, String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx1g");
    for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (arg.startsWith("--add-opens") || arg.startsWith("-Djdk.reflect")
          || arg.startsWith("-Dio.netty") || arg.startsWith("-XX:+IgnoreUnrecognized")) {
        command.add(arg);
      }
    }
    command.add("-Dlog4j2.configurationFile="
        + TestRuntimes.repo().resolve("conf/log4j2.properties"));
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(Main.class.getName());
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).directory(warehouse.getParent().toFile()).start();
    String[] outputs = new String[3];
    Thread drain = new Thread(() -> {
      try {
        outputs[1] = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
      } catch (java.io.IOException e) {
        outputs[1] = e.toString();
      }
    });
    drain.start();
    outputs[0] = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    Assertions.assertTrue(p.waitFor(180, TimeUnit.SECONDS));
    drain.join();
    outputs[2] = String.valueOf(p.exitValue());
    return outputs;
  }

  @Test
  void aTaskThatFailsInAnExecutorIsOneLineOnStderrAndTheTraceOnlyWithVerbose() throws Exception {
    Path warehouse = Files.createDirectories(dir.resolve("warehouse"));
    Path conf = dir.resolve("local.conf");
    Files.writeString(conf, "leadscore.spark.conf { \"spark.driver.bindAddress\" = \"127.0.0.1\","
        + " \"spark.driver.host\" = \"127.0.0.1\", \"spark.sql.shuffle.partitions\" = \"1\" }\n");
    String failing = "SELECT assert_true(id < 0, 'the row says no') FROM range(3)";
    String[] quiet = runMain(warehouse, "sql", "--conf", conf.toString(), "--master", "local[1]", "--warehouse",
        warehouse.toString(), failing);
    assertEquals("1", quiet[2], quiet[1]);
    List<String> errors = quiet[1].lines()
        .filter(l -> !l.matches("\\d\\d:\\d\\d:\\d\\d INFO .*") && !l.startsWith("  "))
        .toList();
    assertEquals(1, errors.size(), quiet[1]);
    Assertions.assertTrue(errors.get(0).startsWith("leadscore sql: failed: "), quiet[1]);
    Assertions.assertTrue(errors.get(0).contains("the row says no"), quiet[1]);
    Assertions.assertTrue(errors.get(0).endsWith("(--verbose shows the stack trace)"), quiet[1]);
    Assertions.assertFalse(quiet[1].contains("\tat "), quiet[1]);

    String[] verbose = runMain(warehouse, "sql", "--conf", conf.toString(), "--verbose", "--master", "local[1]",
        "--warehouse", warehouse.toString(), failing);
    assertEquals("1", verbose[2], verbose[1]);
    Assertions.assertTrue(verbose[1].contains("\tat "), verbose[1]);
    Assertions.assertTrue(verbose[1].contains("the row says no"), verbose[1]);
    Assertions.assertTrue(new File(warehouse.toString()).isDirectory());
  }
}

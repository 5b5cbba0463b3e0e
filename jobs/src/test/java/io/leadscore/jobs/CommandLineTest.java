package io.leadscore.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Exit codes and one-line errors of SPEC §7, for failures caught before Spark starts. */
class CommandLineTest {
  @TempDir Path dir;
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private PrintStream originalErr;

  @BeforeEach
  void captureStderr() {
    originalErr = System.err;
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @AfterEach
  void restoreStderr() {
    System.setErr(originalErr);
  }

  private String stderr() {
    return err.toString(StandardCharsets.UTF_8).strip();
  }

  /** The repository's launcher copied into {@code dir} (no build next to it). */
  private Path launcherWithoutBuild() throws IOException {
    Path bin = Files.createDirectories(dir.resolve("checkout/bin"));
    Path launcher = bin.resolve("leadscore");
    Files.copy(TestRuntimes.repo().resolve("bin/leadscore"), launcher);
    return launcher;
  }

  /** A PATH holding only the few tools the launcher needs before Java starts, and extras. */
  private Path toolsWithout(String... extras) throws IOException {
    Path tools = Files.createDirectories(dir.resolve("tools"));
    for (String tool : List.of("dirname", "readlink", "sed", "head", "find", "cat", "bash",
        "env")) {
      for (String d : List.of("/usr/bin", "/bin")) {
        Path real = Path.of(d, tool);
        if (Files.isExecutable(real) && !Files.exists(tools.resolve(tool))) {
          Files.createSymbolicLink(tools.resolve(tool), real);
        }
      }
    }
    for (String extra : extras) {
      String name = extra.substring(0, extra.indexOf('='));
      Path script = tools.resolve(name);
      Files.writeString(script, extra.substring(extra.indexOf('=') + 1));
      script.toFile().setExecutable(true);
    }
    return tools;
  }

  private record Run(int exit, String stdout, String stderr) {}

  private Run run(Path launcher, Path tools, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("/bin/bash", launcher.toString()));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile());
    pb.environment().put("PATH", tools.toString());
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    pb.environment().remove("MAVEN_OPTS");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String errText = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    return new Run(p.exitValue(), out, errText);
  }

  @Test
  void helpExitsZero() {
    assertEquals(0, Main.execute("score", "--help"));
    assertEquals(0, Main.execute("--help"));
  }

  @Test
  void badArgumentsExitTwoWithOneLine() {
    assertEquals(2, Main.execute("score"));
    assertTrue(stderr().startsWith("leadscore: Missing required option: '--date"), stderr());
    assertEquals(2, Main.execute("score", "--date", "2026-13-01"));
    assertEquals(2, Main.execute("frobnicate"));
    assertEquals(2, Main.execute("ingest", "--date", "2026-11-01", "--from", "2026-11-02"));
  }

  @Test
  void anUnknownJobSaysUnknownJobAndExitsTwoEvenWithHelp() {
    assertEquals(2, Main.execute("frobnicate", "--help"));
    String message = stderr();
    assertEquals(1, message.lines().count(), message);
    assertTrue(message.startsWith("leadscore: unknown job 'frobnicate' (jobs: ingest, score,"),
        message);
    assertTrue(message.contains("sql"), message);
    err.reset();
    assertEquals(2, Main.execute("frobnicate"));
    assertTrue(stderr().startsWith("leadscore: unknown job 'frobnicate'"), stderr());
  }

  @Test
  void generateHelpNamesTheFilesAndExtensionsItWrites() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrintStream originalOut = System.out;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    try {
      assertEquals(0, Main.execute("generate", "--help"));
    } finally {
      System.setOut(originalOut);
    }
    String help = out.toString(StandardCharsets.UTF_8);
    for (String named : List.of("part-*.txt", "part-*.csv", "generated.jsonl", "generated.csv",
        "JSON lines", "format = jsonl", "format = csv")) {
      assertTrue(help.contains(named), named + " in:\n" + help);
    }
  }

  @Test
  void withoutMavenAndWithoutABuildTheLauncherSaysWhatToInstallAndExitsFour() throws Exception {
    Run run = run(launcherWithoutBuild(), toolsWithout(), "score", "--help");
    assertEquals(4, run.exit(), run.stderr());
    assertEquals("leadscore: the project is not built and Maven (mvn) is not installed: install"
        + " Maven 3.8+ (e.g. apt-get install maven), then run bin/leadscore again",
        run.stderr().strip());
    assertFalse(run.stderr().contains("command not found"), run.stderr());
  }

  @Test
  void theLauncherBuildsWithoutLeakingColourCodes() throws Exception {
    // A stand-in mvn records how the launcher calls Maven; the real Maven then runs a quick
    // goal the same way, and its output must hold no escape sequence.
    Path calls = dir.resolve("mvn-calls.txt");
    Run run = run(launcherWithoutBuild(), toolsWithout("mvn=#!/bin/bash\n"
        + "echo \"$MAVEN_OPTS\" > " + calls + "\necho \"$@\" >> " + calls + "\n"),
        "score", "--help");
    assertTrue(run.stderr().contains("leadscore: building"), run.stderr());
    List<String> recorded = Files.readAllLines(calls);
    String mavenOpts = recorded.get(0).strip();
    List<String> mvnArgs = new ArrayList<>(List.of(recorded.get(1).strip().split(" ")));
    assertTrue(mvnArgs.contains("-B") && mvnArgs.contains("-q"), mvnArgs.toString());
    assertEquals("package", mvnArgs.get(mvnArgs.size() - 1));
    Path mvn = Path.of("/usr/bin/mvn");
    Assumptions.assumeTrue(Files.isExecutable(mvn), "no Maven here");
    mvnArgs.set(mvnArgs.size() - 1, "validate");
    mvnArgs.add(0, mvn.toString());
    mvnArgs.addAll(List.of("-o", "-N"));
    ProcessBuilder pb = new ProcessBuilder(mvnArgs).directory(TestRuntimes.repo().toFile())
        .redirectErrorStream(true);
    pb.environment().put("MAVEN_OPTS", mavenOpts);
    Process p = pb.start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), output);
    assertFalse(output.contains("\u001b"), "escape codes: " + output.replace("\u001b", "ESC"));
  }

  @Test
  void aRefusedConfigurationExitsThreeWithOneLine() throws Exception {
    Path conf = dir.resolve("bad.conf");
    Files.writeString(conf, "leadscore.inputs.leads.format = xlsx\n");
    assertEquals(3, Main.execute("ingest", "--date", "2026-11-20", "--conf", conf.toString()));
    String message = stderr();
    assertEquals(1, message.lines().count(), message);
    assertTrue(message.startsWith("leadscore ingest: " + conf + ":1: leadscore.inputs.leads.format:"
        + " unknown format 'xlsx'"), message);
  }
}

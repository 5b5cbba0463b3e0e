package io.leadscore.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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

package io.leadscore.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** segments and forget: help, and the arguments refused before Spark starts. */
class SegmentsForgetCommandLineTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private PrintStream originalOut;
  private PrintStream originalErr;

  @BeforeEach
  void capture() {
    originalOut = System.out;
    originalErr = System.err;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @AfterEach
  void restore() {
    System.setOut(originalOut);
    System.setErr(originalErr);
  }

  @Test
  void helpExplainsEveryOption() {
    assertEquals(0, Main.execute("segments", "--help"));
    String segments = out.toString(StandardCharsets.UTF_8);
    assertTrue(segments.contains("--date") && segments.contains("members.csv"), segments);
    out.reset();
    assertEquals(0, Main.execute("forget", "--help"));
    String forget = out.toString(StandardCharsets.UTF_8);
    for (String option : new String[] {"--lead-id", "--email", "--from-file", "--vacuum",
        "--retention-hours", "--ignore-retention-check"}) {
      assertTrue(forget.contains(option), option + " in " + forget);
    }
  }

  @Test
  void forgetRefusesNothingToForgetAndAShortRetention() {
    assertEquals(2, Main.execute("forget"));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("give --lead-id, --email or"
        + " --from-file"), err.toString(StandardCharsets.UTF_8));
    err.reset();
    assertEquals(2, Main.execute("forget", "--lead-id", "L1", "--vacuum", "--retention-hours",
        "1"));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("below Delta's safety check"),
        err.toString(StandardCharsets.UTF_8));
    assertEquals(2, Main.execute("segments"));
  }
}

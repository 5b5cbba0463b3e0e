package io.leadscore.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The parse-only check the Airflow tests run on rendered arguments: no Spark, no job run. */
class CliCheckTest {
  @Test
  void acceptsWhatTheJobsAccept() {
    assertEquals("ok ingest", CliCheck.check(List.of("ingest", "--conf", "c.conf", "--model",
        "m.conf", "--date", "2026-11-20", "--from", "2026-07-24")));
    assertEquals("ok score", CliCheck.check(List.of("score", "--date", "2026-11-20", "--full")));
    assertEquals("ok accounts", CliCheck.check(List.of("accounts", "--date", "2026-11-20",
        "--master", "local[*]", "--warehouse", "/tmp/w")));
  }

  @Test
  void refusesWhatHelpWouldLetThrough() {
    // `--help` makes picocli skip validation; the check must not.
    assertTrue(CliCheck.check(List.of("score", "--date", "2026-11-20", "--bogus"))
        .startsWith("error Unknown option: '--bogus'"));
    assertTrue(CliCheck.check(List.of("nojob", "--date", "2026-11-20"))
        .startsWith("error Unmatched argument"));
    assertTrue(CliCheck.check(List.of("score", "--date", "2026-13-45"))
        .startsWith("error Invalid value for option '--date'"));
    assertTrue(CliCheck.check(List.of("score")).startsWith("error Missing required option"));
    assertEquals("error asks for help, runs nothing",
        CliCheck.check(List.of("score", "--date", "2026-11-20", "--help")));
    assertEquals("error no job named", CliCheck.check(List.of()));
  }
}

package io.leadscore.jobs;

import static io.leadscore.common.Schemas.*;
import static io.leadscore.jobs.IncrementalScoringTest.assertSameRows;
import static io.leadscore.jobs.IncrementalScoringTest.copyTable;
import static io.leadscore.jobs.IncrementalScoringTest.mode;
import static io.leadscore.jobs.IncrementalScoringTest.rows;
import static org.junit.jupiter.api.Assertions.*;

import io.leadscore.common.config.Model;
import io.leadscore.common.generate.GeneratorSpec;
import io.leadscore.common.testing.SparkTestBase;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Five generated days ingested one by one, late arrivals included (the generator's 1-3
 * days, and events landing on day 5 for days 1 and 2: one email-only, one an opt-out), each
 * scored incrementally in one warehouse and from a rebuilt activity_daily in another. The
 * two warehouses are prepared once; the tests below read them.
 */
class IncrementalOverGeneratedDaysTest extends SparkTestBase {
  static final LocalDate D = IncrementalScoringTest.D;
  static final GeneratorSpec SPEC = GeneratorSpec.of(40, 8, 5, 500, 11, D);
  static final LocalDate LATE_DAY = SPEC.startDate().plusDays(4);

  @TempDir static Path dir;

  /** Per scored day, the incremental run's result. */
  private static Map<LocalDate, JobResult> incrementalRuns;
  private static Map<LocalDate, JobResult> fullRuns;
  private static JobRuntime incremental;
  private static JobRuntime full;

  private void prepare() {
    if (incrementalRuns != null) {
      return;
    }
    try {
      run();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void run() throws IOException {
    Path landing = dir.resolve("landing");
    GenerateCommand.run(session(), SPEC, landing.toString(), true);
    Files.writeString(landing.resolve("activities/dt=" + LATE_DAY + "/late.jsonl"),
        String.join("\n",
        "{\"event_id\":\"late-1\",\"occurred_at\":\"" + SPEC.startDate() + "T08:00:00Z\","
            + "\"activity_type\":\"demo_request\",\"lead_id\":\"L000001\"}",
        "{\"event_id\":\"late-2\",\"occurred_at\":\"" + SPEC.startDate().plusDays(1)
            + "T08:00:00Z\",\"activity_type\":\"email_unsubscribe\",\"lead_id\":\"L000002\"}",
        "{\"event_id\":\"late-3\",\"occurred_at\":\"" + SPEC.startDate().plusDays(1)
            + "T09:00:00Z\",\"activity_type\":\"page_view\",\"url\":\"/pricing\","
            + "\"email\":\"nobody-yet@example.org\"}"));

    Path repo = TestRuntimes.repo();
    Map<String, String> overrides = new HashMap<>();
    overrides.put("leadscore.model-file", repo.resolve("conf/model.conf").toString());
    overrides.put("leadscore.inputs.activities.path", landing.resolve("activities").toString());
    for (String input : List.of("leads", "accounts", "outcomes")) {
      overrides.put("leadscore.inputs." + input + ".path", landing.resolve(input).toString());
    }
    overrides.put("leadscore.warehouse", dir.resolve("incremental").toString());
    JobRuntime inc = TestRuntimes.of(session(), overrides);
    // The snapshots do not change; after the first day ingest keeps the stored ones (faster).
    for (String input : List.of("leads", "accounts", "outcomes")) {
      overrides.put("leadscore.inputs." + input + ".path", dir.resolve("none").toString());
    }
    JobRuntime activitiesOnly = TestRuntimes.of(session(), overrides);
    overrides.put("leadscore.warehouse", dir.resolve("full").toString());
    JobRuntime rebuilt = TestRuntimes.of(session(), overrides);
    Model model = inc.loadModel();

    Map<LocalDate, JobResult> incRuns = new HashMap<>();
    Map<LocalDate, JobResult> fullRunsByDay = new HashMap<>();
    for (LocalDate day = SPEC.startDate(); !day.isAfter(D); day = day.plusDays(1)) {
      IngestJob.run(day.equals(SPEC.startDate()) ? inc : activitiesOnly, day, day);
      incRuns.put(day, ScoreJob.run(inc, model, day));
      // The same inputs, scored from a rebuilt activity_daily every day.
      for (String table : List.of(T_ACTIVITIES, T_LEADS, T_ACCOUNTS)) {
        copyTable(inc.store().path(table), rebuilt.store().path(table));
      }
      fullRunsByDay.put(day, ScoreJob.run(rebuilt, model, day, true));
    }
    incremental = inc;
    full = rebuilt;
    fullRuns = fullRunsByDay;
    incrementalRuns = incRuns;
  }

  @Test
  void theFirstDayBuildsActivityDailyAndEveryLaterDayRefreshesIt() {
    prepare();
    for (LocalDate day = SPEC.startDate(); !day.isAfter(D); day = day.plusDays(1)) {
      assertEquals(day.equals(SPEC.startDate()) ? "full" : "incremental",
          mode(incrementalRuns.get(day)), day.toString());
      assertEquals("full", mode(fullRuns.get(day)), day + " with --full");
    }
  }

  @Test
  void lateArrivalsRefreshEarlierDates() {
    prepare();
    Assertions.assertTrue(incrementalRuns.get(LATE_DAY).count("aggregate_dates_refreshed") >= 3,
        "day 5 and the late days 1 and 2: " + incrementalRuns.get(LATE_DAY).counts());
    long refreshed = 0;
    for (LocalDate day = SPEC.startDate(); !day.isAfter(D); day = day.plusDays(1)) {
      refreshed += incrementalRuns.get(day).count("aggregate_dates_refreshed");
    }
    // More dates than runs: the generator's late events refresh earlier dates.
    Assertions.assertTrue(refreshed > SPEC.days(),
        "late arrivals refresh earlier dates: " + refreshed);
  }

  @Test
  void everyDayIsScored() {
    prepare();
    assertEquals(SPEC.days(), incremental.store().read(T_LEAD_SCORE_HISTORY).select(SCORE_DATE)
        .distinct().count());
  }

  @Test
  void activityDailyKeptByTouchedDatesEqualsARebuild() {
    prepare();
    assertSameRows(T_ACTIVITY_DAILY, rows(full, T_ACTIVITY_DAILY),
        rows(incremental, T_ACTIVITY_DAILY));
  }

  @Test
  void everyDaysScoresEqualAFullRescore() {
    prepare();
    assertSameRows(T_LEAD_SCORE_HISTORY, rows(full, T_LEAD_SCORE_HISTORY),
        rows(incremental, T_LEAD_SCORE_HISTORY));
  }
}

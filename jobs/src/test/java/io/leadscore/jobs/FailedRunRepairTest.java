package io.leadscore.jobs;

import static io.leadscore.common.Schemas.*;
import static org.apache.spark.sql.functions.array_sort;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.map_entries;
import static org.apache.spark.sql.functions.map_from_entries;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.to_json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.leadscore.common.storage.DeltaStore;
import io.leadscore.common.testing.SparkTestBase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.MapType;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * A job that fails halfway, right after a write (the test-only setting
 * {@code leadscore.testing.fail-after-write}), is repaired by the next run of the same date:
 * the tables end up row for row as one clean run leaves them (issue 14, item 5).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FailedRunRepairTest extends SparkTestBase {
  static final LocalDate D1 = LocalDate.of(2026, 11, 20);
  static final LocalDate D2 = LocalDate.of(2026, 11, 21);

  static final String MODEL = """
      leadscore.model {
        version = "repair-v1"
        engagement {
          half-life-days = 7
          lookback-days = 30
          max = 100
          rules = [
            { name = pricing, types = [page_view], url-contains = "/pricing", points = 10 }
            { name = open,    types = [email_open], points = 2, max-per-day = 1 }
            { name = demo,    types = [demo_request], points = 40 }
          ]
          inactivity { days = 90, points = -10 }
        }
        fit {
          max = 100
          rules = [ { name = vp, field = lead.job_title, matches = "(?i)vp", points = 60 } ]
          grades { A = 75, B = 50, C = 25 }
        }
        bands { hot = 50, warm = 20 }
        lifecycle { mql { grades = [A, B], min-engagement = 40 }, recycle-below = 15 }
        accounts { top-leads = 2, engaged-band = warm, personas = [] }
        lists { free-mail = [gmail.com] }
      }
      """;

  static final List<String> INGEST_TABLES = List.of(T_ACTIVITIES, T_ACTIVITIES_REJECTED,
      T_LEADS, T_ACCOUNTS, T_OUTCOMES, T_SNAPSHOTS_REJECTED);
  static final List<String> SCORE_TABLES = List.of(T_ACTIVITY_DAILY, "engagement_state",
      T_LEAD_SCORE_HISTORY, T_SCORE_CHANGES, T_LEAD_SCORES);

  @TempDir static Path dir;

  @BeforeAll
  void inputs() throws IOException {
    Files.writeString(dir.resolve("model.conf"), MODEL);
    Files.writeString(dir.resolve("leads.csv"), String.join("\n",
        "lead_id,email,job_title,account_id,created_at,updated_at",
        "L1,l1@acme.com,VP Sales,A1,2026-01-01T00:00:00Z,2026-11-01T00:00:00Z",
        "L2,l2@acme.com,Engineer,A1,2026-01-01T00:00:00Z,2026-11-01T00:00:00Z",
        ",nobody@acme.com,,,,", ""));
    Files.writeString(dir.resolve("accounts.csv"), "account_id,domain,name\nA1,acme.com,Acme\n");
    Files.writeString(dir.resolve("outcomes.csv"),
        "lead_id,account_id,outcome,occurred_at\nL1,A1,sql,2026-11-19T00:00:00Z\n");
    String line = "{\"event_id\":\"%s\",\"occurred_at\":\"%sT10:00:00Z\",\"activity_type\":\"%s\","
        + "\"email\":\"%s\",\"url\":\"/pricing\"}";
    for (LocalDate d : List.of(D1, D2)) {
      Path folder = dir.resolve("landing/dt=" + d);
      Files.createDirectories(folder);
      Files.writeString(folder.resolve("a.jsonl"), String.join("\n",
          String.format(line, "p" + d, d, "page_view", "l1@acme.com"),
          String.format(line, "o" + d, d, "email_open", "L2@acme.com"),
          String.format(line, "d" + d, d, "demo_request", "l1@acme.com"),
          "{\"event_id\":\"bad" + d + "\",\"occurred_at\":\"never\"}",
          "not json " + d));
    }
  }

  private JobRuntime runtime(String warehouse, String failAfterWrite) {
    Map<String, String> overrides = new HashMap<>();
    overrides.put("leadscore.warehouse", dir.resolve(warehouse).toString());
    overrides.put("leadscore.inputs.activities.path", dir.resolve("landing").toString());
    overrides.put("leadscore.inputs.leads.path", dir.resolve("leads.csv").toString());
    overrides.put("leadscore.inputs.accounts.path", dir.resolve("accounts.csv").toString());
    overrides.put("leadscore.inputs.outcomes.path", dir.resolve("outcomes.csv").toString());
    if (failAfterWrite != null) {
      overrides.put("leadscore.testing.fail-after-write", failAfterWrite);
    }
    return TestRuntimes.of(session(), overrides, dir.resolve("model.conf"));
  }

  /** Each table's rows as sorted JSON texts, without the columns that name a run. */
  private static Map<String, List<String>> tables(JobRuntime rt, List<String> names) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    for (String name : names) {
      Assertions.assertTrue(rt.store().exists(name), name);
      Dataset<Row> df = rt.store().read(name).drop(INGEST_RUN_ID);
      List<String> rows = new ArrayList<>();
      // A map's entries keep the order they were built in, which is not part of its value.
      Column[] columns = Stream.of(df.schema().fields())
          .sorted((a, b) -> a.name().compareTo(b.name()))
          .map(f -> f.dataType() instanceof MapType
              ? map_from_entries(array_sort(map_entries(col("`" + f.name() + "`"))))
                  .as(f.name())
              : col("`" + f.name() + "`"))
          .toArray(Column[]::new);
      for (Row r : df.select(to_json(struct(columns))).collectAsList()) {
        rows.add(r.getString(0));
      }
      rows.sort(null);
      out.put(name, rows);
    }
    return out;
  }

  private static void copy(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
  }

  @Test
  void ingestThatFailsAfterAWriteIsRepairedByTheNextRun() {
    IngestJob.run(runtime("ingest-clean", null), D1, D2);

    // Fails after its first write (leads), then, on a retry, after the rejects.
    for (String table : List.of(T_LEADS, T_ACTIVITIES_REJECTED)) {
      DeltaStore.InjectedFault fault = assertThrows(DeltaStore.InjectedFault.class,
          () -> IngestJob.run(runtime("ingest-faulty", table), D1, D2));
      Assertions.assertTrue(fault.getMessage().contains(table), fault.getMessage());
    }
    JobRuntime repaired = runtime("ingest-faulty", null);
    IngestJob.run(repaired, D1, D2);

    assertEquals(tables(runtime("ingest-clean", null), INGEST_TABLES),
        tables(repaired, INGEST_TABLES));
  }

  @Test
  void scoreThatFailsAfterAWriteIsRepairedByTheNextRun() throws IOException {
    // The daily flow: D1 ingested and scored, then D2 ingested, so scoring D2 starts by
    // refreshing activity_daily with D2's activities.
    JobRuntime base = runtime("score-base", null);
    IngestJob.run(base, D1, D1);
    ScoreJob.run(base, base.loadModel(), D1);
    IngestJob.run(base, D2, D2);
    copy(dir.resolve("score-base"), dir.resolve("score-clean"));
    copy(dir.resolve("score-base"), dir.resolve("score-faulty"));

    JobRuntime clean = runtime("score-clean", null);
    ScoreJob.run(clean, clean.loadModel(), D2);

    // Fails after its first write (activity_daily), then, on a retry, after the history.
    for (String table : List.of(T_ACTIVITY_DAILY, T_LEAD_SCORE_HISTORY)) {
      JobRuntime faulty = runtime("score-faulty", table);
      DeltaStore.InjectedFault fault = assertThrows(DeltaStore.InjectedFault.class,
          () -> ScoreJob.run(faulty, faulty.loadModel(), D2));
      Assertions.assertTrue(fault.getMessage().contains(table), fault.getMessage());
    }
    JobRuntime repaired = runtime("score-faulty", null);
    ScoreJob.run(repaired, repaired.loadModel(), D2);

    assertEquals(tables(clean, SCORE_TABLES), tables(repaired, SCORE_TABLES));
  }
}

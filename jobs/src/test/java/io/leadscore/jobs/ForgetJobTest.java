package io.leadscore.jobs;

import static io.leadscore.common.Schemas.*;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.to_json;
import static org.junit.jupiter.api.Assertions.*;

import io.delta.tables.DeltaTable;
import io.leadscore.common.config.Model;
import io.leadscore.common.forget.Suppression;
import io.leadscore.common.testing.SparkTestBase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * forget on a warehouse built from files by the jobs themselves: Zoë (lead-forget-1) with an
 * activity by lead id, one by email only, an outcome, a rejected activity line and a
 * rejected snapshot row holding her email, scored, in account scores and in segments and
 * their files; Kim (lead-keep-2) beside her, whose rows must not change.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ForgetJobTest extends SparkTestBase {
  static final LocalDate D = LocalDate.of(2026, 11, 2);
  static final String ID = "lead-forget-1";
  static final String EMAIL = "Zoë.Forget@Example.com";
  static final String SALT = "test-salt-0123456789abcdef";

  static final String MODEL = """
      leadscore.model {
        version = "forget-v1"
        engagement {
          half-life-days = 30
          lookback-days = 30
          max = 100
          rules = [ { name = demo, types = [demo_request], points = 50 },
                    { name = view, types = [page_view], points = 5 } ]
        }
        fit {
          max = 100
          rules = [ { name = everyone, field = lead.lead_id, is-not-null = true, points = 80 } ]
          grades { A = 75, B = 50, C = 25 }
        }
        bands { hot = 50, warm = 20 }
        lifecycle { mql { grades = [A, B], min-engagement = 40 }, recycle-below = 15 }
        accounts { top-leads = 2, engaged-band = warm, personas = [] }
        lists { free-mail = [gmail.com] }
      }
      """;

  Path dir;
  JobRuntime rt;
  Model model;
  Map<String, List<String>> before;
  JobResult first;

  @BeforeAll
  void prepare() throws IOException {
    dir = Files.createTempDirectory("forget-test");
    Files.writeString(dir.resolve("model.conf"), MODEL);
    Files.writeString(dir.resolve("segments.conf"), """
        leadscore.segments = [
          { name = everyone, channel = sales, where = "true" }
          { name = mailable, channel = email, where = "true" }
        ]
        """);
    write("leads/leads.csv", """
        lead_id,email,first_name,last_name,job_title,country,account_id,crm_stage,email_opt_in,created_at,updated_at
        lead-forget-1,Zoë.Forget@Example.com,Zoë,Forgetme,VP Sales,US,A1,lead,true,2026-01-01T00:00:00Z,2026-01-01T00:00:00Z
        lead-keep-2,kim@acme.com,Kim,Keep,Engineer,US,A1,lead,true,2026-01-01T00:00:00Z,2026-01-01T00:00:00Z
        ,zoë.forget@example.com,Zoë,Nolead,,,,,,,
        """);
    write("accounts/accounts.csv", """
        account_id,domain,name,industry,employee_count,annual_revenue,country,updated_at
        A1,acme.com,Acme,software,500,1000000.0,US,2026-01-01T00:00:00Z
        """);
    write("outcomes/outcomes.csv", """
        lead_id,account_id,outcome,occurred_at,amount,updated_at
        lead-forget-1,A1,sql,2026-10-05T10:00:00Z,,2026-10-05T10:00:00Z
        lead-keep-2,A1,sql,2026-10-06T10:00:00Z,,2026-10-06T10:00:00Z
        """);
    write("activities/dt=" + D + "/a.jsonl", """
        {"event_id":"f1","occurred_at":"2026-11-02T09:00:00Z","activity_type":"demo_request","lead_id":"lead-forget-1"}
        {"event_id":"f2","occurred_at":"2026-11-02T10:00:00Z","activity_type":"page_view","email":" ZOË.forget@example.com ","url":"/pricing"}
        {"event_id":"f3","occurred_at":"not a time","activity_type":"page_view","email":"zoë.forget@example.com"}
        lead-forget-1 sent this line, which is not JSON
        {"event_id":"k1","occurred_at":"2026-11-02T09:00:00Z","activity_type":"page_view","lead_id":"lead-keep-2"}
        {"event_id":"k2","occurred_at":"not a time","activity_type":"page_view","lead_id":"lead-keep-2"}
        """);
    startSpark();
    rt = runtime();
    model = rt.loadModel();
    IngestJob.run(rt, D, D);
    ScoreJob.run(rt, model, D);
    AccountsJob.run(rt, model, D);
    SegmentsJob.run(rt, model, SegmentsJob.definitions(rt, model), D);
    Assertions.assertTrue(everything().values().stream().flatMap(List::stream).anyMatch(this::mentions),
        "the fixture holds the person");
    before = everything();
    first = ForgetJob.run(rt, new ForgetJob.Request(List.of(), List.of(
        " zoë.FORGET@example.com ")), Optional.empty());
  }

  private void write(String path, String text) throws IOException {
    Path p = dir.resolve("in").resolve(path);
    Files.createDirectories(p.getParent());
    Files.writeString(p, text);
  }

  private JobRuntime runtime() {
    Map<String, String> o = new HashMap<>();
    o.put("leadscore.warehouse", dir.resolve("warehouse").toString());
    o.put("leadscore.exports", dir.resolve("exports").toString());
    o.put("leadscore.segments-file", dir.resolve("segments.conf").toString());
    o.put("leadscore.forget.salt", SALT);
    for (String input : List.of("activities", "leads", "accounts", "outcomes")) {
      o.put("leadscore.inputs." + input + ".path", dir.resolve("in").resolve(input).toString());
    }
    o.put("leadscore.inputs.activities.format", "jsonl");
    return TestRuntimes.of(session(), o, dir.resolve("model.conf"));
  }

  private boolean mentions(String text) {
    return text.contains(ID) || text.toLowerCase(Locale.ROOT).contains(
        EMAIL.toLowerCase(Locale.ROOT)) || text.contains("Zoë");
  }

  /** Every row of every Delta table under the warehouse (as JSON) and every export file. */
  private Map<String, List<String>> everything() throws IOException {
    Map<String, List<String>> out = new TreeMap<>();
    try (Stream<Path> tables = Files.list(dir.resolve("warehouse"))) {
      for (Path t : tables.sorted().toList()) {
        if (DeltaTable.isDeltaTable(session(), t.toString())) {
          out.put(t.getFileName().toString(), DeltaTable.forPath(session(), t.toString()).toDF()
              .select(to_json(struct(col("*")))).as(org.apache.spark.sql.Encoders.STRING())
              .collectAsList().stream().sorted().toList());
        }
      }
    }
    out.putAll(SegmentsJobTest.files(dir.resolve("exports")).entrySet().stream().collect(
        java.util.stream.Collectors.toMap(e -> "exports/" + e.getKey(),
            e -> e.getValue().lines().toList())));
    return out;
  }

  @Test
  @Order(1)
  void noTableOrExportFileHoldsThePerson() throws IOException {
    Map<String, List<String>> after = everything();
    for (Map.Entry<String, List<String>> e : after.entrySet()) {
      for (String row : e.getValue()) {
        assertFalse(mentions(row), e.getKey() + " still holds the person: " + row);
      }
    }
    assertEquals(1L, first.count(ForgetJob.IDENTIFIERS_FOUND));
    assertEquals(2L, first.count("rows_removed." + T_ACTIVITIES));
    assertEquals(2L, first.count("rows_removed." + T_ACTIVITIES_REJECTED));
    assertEquals(1L, first.count("rows_removed." + T_SNAPSHOTS_REJECTED));
    assertEquals(1L, first.count("rows_removed." + T_LEADS));
    assertEquals(1L, first.count("rows_removed." + T_OUTCOMES));
    assertEquals(1L, first.count("rows_removed." + T_LEAD_SCORE_HISTORY));
    Assertions.assertTrue(first.count(ForgetJob.EXPORT_RECORDS + "_removed") >= 4,
        "members and added of two segments");
  }

  @Test
  @Order(2)
  void otherLeadsRowsAreUntouched() throws IOException {
    Map<String, List<String>> after = everything();
    for (Map.Entry<String, List<String>> e : before.entrySet()) {
      String table = e.getKey();
      // Account scores named her as best lead: that column is cleared, by design.
      if (table.startsWith("account_score") || table.equals(T_RUN_LOG)
          || table.equals(T_FORGET_LOG) || table.equals(T_FORGET_SUPPRESSION)) {
        continue;
      }
      List<String> kept = e.getValue().stream().filter(r -> !mentions(r)).toList();
      assertEquals(kept, after.get(table), table);
    }
    // Kim is still scored and exported.
    assertEquals(1L, rt.store().read(T_LEAD_SCORES).count());
    Assertions.assertTrue(after.get("exports/segment=everyone/date=" + D + "/members.csv").stream()
        .anyMatch(l -> l.startsWith("lead-keep-2,")));
  }

  @Test
  @Order(3)
  void theAuditRowHoldsAHashAndNoIdentifier() {
    List<Row> log = rt.store().read(T_FORGET_LOG).collectAsList();
    assertEquals(1, log.size());
    Row r = log.get(0);
    assertEquals(Suppression.hash(SALT, "zoë.forget@example.com"), r.getAs("identifier_hash"));
    assertEquals("email", r.getAs("identifier_kind"));
    Assertions.assertTrue(r.<Boolean>getAs("found"));
    assertFalse(mentions(r.toString()), r.toString());
    Map<String, Long> removed = r.getJavaMap(r.fieldIndex("rows_removed"));
    assertEquals(1L, removed.get(T_LEADS));
  }

  @Test
  @Order(4)
  void aSecondForgetFindsNobody() {
    JobResult again = ForgetJob.run(rt, new ForgetJob.Request(List.of(ID), List.of(EMAIL)),
        Optional.empty());
    assertEquals(0L, again.count(ForgetJob.IDENTIFIERS_FOUND));
    assertEquals(0L, again.count(ForgetJob.EXPORT_RECORDS + "_removed"));
    Assertions.assertTrue(again.counts().entrySet().stream().filter(e -> e.getKey().startsWith(
        ForgetJob.ROWS_REMOVED)).allMatch(e -> e.getValue() == 0L), again.counts().toString());
  }

  @Test
  @Order(5)
  void aSnapshotReIngestDoesNotBringThePersonBack() throws IOException {
    // The same landing files, and snapshots re-exported with the same rows (a trailing blank
    // line, so ingest reads them again rather than skipping them as stored): ingest drops
    // her rows.
    for (String snapshot : List.of("leads/leads.csv", "outcomes/outcomes.csv")) {
      Files.writeString(dir.resolve("in").resolve(snapshot), "\n",
          java.nio.file.StandardOpenOption.APPEND);
    }
    JobResult ingest = IngestJob.run(rt, D, D);
    assertEquals(1L, ingest.count(T_LEADS + "_suppressed"));
    assertEquals(1L, ingest.count(T_LEADS + "_rejected_suppressed"));
    assertEquals(1L, ingest.count(T_OUTCOMES + "_suppressed"));
    assertEquals(2L, ingest.count(T_ACTIVITIES + "_suppressed"));
    assertEquals(2L, ingest.count(T_ACTIVITIES_REJECTED + "_suppressed"));
    assertEquals(0L, ingest.count(IngestJob.ACCEPTED));
    ScoreJob.run(rt, model, D);
    AccountsJob.run(rt, model, D);
    SegmentsJob.run(rt, model, SegmentsJob.definitions(rt, model), D);
    for (Map.Entry<String, List<String>> e : everything().entrySet()) {
      for (String row : e.getValue()) {
        assertFalse(mentions(row), e.getKey() + " holds the person again: " + row);
      }
    }
  }

  @Test
  @Order(6)
  void vacuumRemovesTheOldVersionsFiles() {
    // Her leads row is still in version 0 of leads until VACUUM.
    Assertions.assertTrue(rt.store().readAt(T_LEADS, 0).where(col(LEAD_ID).equalTo(ID)).count() == 1);
    assertThrows(Exception.class, () -> ForgetJob.checkVacuum(Optional.of(
        new ForgetJob.Vacuum(0, false))));
    ForgetJob.run(rt, new ForgetJob.Request(List.of("lead-keep-2"), List.of()),
        Optional.of(new ForgetJob.Vacuum(0, true)));
    assertThrows(Exception.class, () ->
        rt.store().readAt(T_LEADS, 0).where(col(LEAD_ID).equalTo(ID)).count());
  }
}

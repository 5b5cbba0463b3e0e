package io.leadscore.jobs;

import static io.leadscore.common.Schemas.*;
import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.leadscore.common.storage.DeltaStore;
import io.leadscore.common.testing.SparkTestBase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ingest under faults that lost, misplaced or doubled data (issue 9, items 1–5): concurrent
 * runs, CSV records that do not parse, timestamps that broke the write, empty and unreadable
 * snapshots. Each scenario has its own small warehouse; the snapshot files are shared.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IngestHardeningTest extends SparkTestBase {
  static final LocalDate DAY1 = LocalDate.of(2026, 11, 20);
  static final LocalDate DAY2 = LocalDate.of(2026, 11, 21);

  @TempDir static Path dir;

  @BeforeAll
  void snapshots() throws IOException {
    Files.createDirectories(dir.resolve("leads"));
    Files.writeString(dir.resolve("leads/leads.csv"), String.join("\n",
        "lead_id,email,job_title,account_id,created_at,updated_at",
        "L1,l1@acme.com,VP Sales,A1,2026-01-01T00:00:00Z,2026-11-01T00:00:00Z",
        "L2,l2@acme.com,Engineer,A1,0001-01-01T00:00:00Z,2026-11-01T00:00:00Z", ""));
    Files.createDirectories(dir.resolve("accounts"));
    Files.writeString(dir.resolve("accounts/accounts.csv"),
        "account_id,domain,name\nA1,acme.com,Acme\n");
    Files.writeString(dir.resolve("outcomes.csv"),
        "lead_id,account_id,outcome,occurred_at\nL1,A1,sql,2026-11-19T00:00:00Z\n");
  }

  /** A runtime on its own warehouse and landing folder, reading the shared snapshots. */
  private JobRuntime runtime(String name, Map<String, String> more) {
    Map<String, String> overrides = new HashMap<>();
    overrides.put("leadscore.warehouse", dir.resolve(name + "/warehouse").toString());
    overrides.put("leadscore.inputs.activities.path", dir.resolve(name + "/landing").toString());
    overrides.put("leadscore.inputs.leads.path", dir.resolve("leads").toString());
    overrides.put("leadscore.inputs.accounts.path", dir.resolve("accounts").toString());
    overrides.put("leadscore.inputs.outcomes.path", dir.resolve("outcomes.csv").toString());
    overrides.putAll(more);
    return TestRuntimes.of(session(), overrides);
  }

  private void land(String name, LocalDate day, String file, String content) throws IOException {
    Path folder = dir.resolve(name + "/landing/dt=" + day);
    Files.createDirectories(folder);
    Files.writeString(folder.resolve(file), content);
  }

  private static String event(String id, String type, String lead) {
    return "{\"event_id\":\"" + id + "\",\"occurred_at\":\"2026-11-21T10:00:00Z\","
        + "\"activity_type\":\"" + type + "\",\"lead_id\":\"" + lead + "\"}";
  }

  private static void assertReconciles(JobResult r) {
    assertEquals(r.count(IngestJob.ROWS_READ), r.count(IngestJob.ACCEPTED)
        + r.count(IngestJob.DUPLICATES) + r.count(IngestJob.REJECTED), r.counts().toString());
  }

  @Test
  void concurrentIngestsOfOneDateStoreEachEventOnce() throws Exception {
    land("concurrent", DAY1, "a.jsonl", event("e0", "page_view", "L1") + "\n");
    List<String> day2 = new ArrayList<>();
    for (int i = 1; i <= 6; i++) {
      day2.add(event("e" + i, "email_open", "L" + (1 + i % 2)));
    }
    land("concurrent", DAY2, "a.jsonl", String.join("\n", day2) + "\n");
    IngestJob.run(runtime("concurrent", Map.of()), DAY1, DAY1);

    CyclicBarrier start = new CyclicBarrier(2);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    List<Future<JobResult>> runs = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      runs.add(pool.submit(() -> {
        JobRuntime rt = runtime("concurrent", Map.of());
        start.await();
        return IngestJob.run(rt, DAY2, DAY2);
      }));
    }
    int succeeded = 0;
    long accepted = 0;
    for (Future<JobResult> run : runs) {
      try {
        accepted += run.get().count(IngestJob.ACCEPTED);
        succeeded++;
      } catch (java.util.concurrent.ExecutionException e) {
        // The loser is refused by Delta's conflict check, in one line that says why.
        Assertions.assertInstanceOf(DeltaStore.ConcurrentWriteException.class, e.getCause(),
            String.valueOf(e.getCause()));
        Assertions.assertTrue(JobLauncher.oneLine(e.getCause())
            .startsWith("another job is writing the warehouse"), e.getCause().getMessage());
      }
    }
    pool.shutdown();
    Assertions.assertTrue(succeeded >= 1, "one of the two runs commits");
    assertEquals(6, accepted, "the six events are counted as accepted once, whoever won");

    JobRuntime rt = runtime("concurrent", Map.of());
    assertEquals(7, rt.store().read(T_ACTIVITIES).count(), "every event stored exactly once");
    assertEquals(7, rt.store().read(T_ACTIVITIES).select(EVENT_ID).distinct().count());
    // A rerun after the conflict adds nothing.
    JobResult rerun = IngestJob.run(rt, DAY2, DAY2);
    assertEquals(0, rerun.count(IngestJob.ACCEPTED));
    assertEquals(6, rerun.count(IngestJob.DUPLICATES));
    assertEquals(7, rt.store().read(T_ACTIVITIES).count());
  }

  @Test
  void anEventIdStoredUnderAnotherDateIsADuplicate() throws IOException {
    // SPEC §2: event_id is unique across all time. Ingest compares a batch only with the
    // dates it touches and those already holding one of its ids: a replay under a later
    // date must still be found where it was stored.
    land("replay", DAY1, "a.jsonl", String.join("\n",
        event("r1", "page_view", "L1").replace("2026-11-21", "2026-11-19"),
        event("r2", "page_view", "L1").replace("2026-11-21", "2026-11-20")) + "\n");
    land("replay", DAY2, "a.jsonl", String.join("\n",
        event("r1", "email_open", "L2"),
        event("r3", "email_open", "L2")) + "\n");
    IngestJob.run(runtime("replay", Map.of()), DAY1, DAY1);
    JobResult next = IngestJob.run(runtime("replay", Map.of()), DAY2, DAY2);
    assertReconciles(next);
    assertEquals(1, next.count(IngestJob.ACCEPTED));
    assertEquals(1, next.count(IngestJob.DUPLICATES));
    List<Row> r1 = runtime("replay", Map.of()).store().read(T_ACTIVITIES)
        .where(col(EVENT_ID).equalTo("r1")).collectAsList();
    assertEquals(1, r1.size());
    assertEquals(java.sql.Date.valueOf("2026-11-19"), r1.get(0).getAs(EVENT_DATE));
    assertEquals("page_view", r1.get(0).getAs(ACTIVITY_TYPE));
  }

  @Test
  void malformedCsvRecordIsRejectedAndTheReconciliationCountsEveryLine() throws IOException {
    String header = "event_id,occurred_at,activity_type,lead_id";
    land("csv", DAY2, "a.csv", String.join("\n", header,
        "c1,2026-11-21T10:00:00Z,page_view,\"L1",
        "c2,2026-11-21T11:00:00Z,page_view,L2",
        "c3,2026-11-21T12:00:00Z,page_view,L1,a cell beyond the header", ""));
    // The second file orders its columns differently: read by its own header.
    land("csv", DAY2, "b.csv", "lead_id,activity_type,event_id,occurred_at\n"
        + "L1,email_open,c4,2026-11-21T13:00:00Z\n");
    JobRuntime rt = runtime("csv", Map.of("leadscore.inputs.activities.format", "csv"));
    JobResult r = IngestJob.run(rt, DAY2, DAY2);
    assertEquals(4, r.count(IngestJob.ROWS_READ), "four lines, four records");
    assertEquals(2, r.count(IngestJob.ACCEPTED));
    assertEquals(2, r.count(IngestJob.REJECTED));
    assertReconciles(r);
    assertEquals("L2", rt.store().read(T_ACTIVITIES).where(col(EVENT_ID).equalTo("c2")).first()
        .getAs(LEAD_ID), "the line after the open quote is its own record");
    Row c4 = rt.store().read(T_ACTIVITIES).where(col(EVENT_ID).equalTo("c4")).first();
    assertEquals("email_open", c4.getAs(ACTIVITY_TYPE));
    assertEquals("L1", c4.getAs(LEAD_ID));
    Map<String, String> rejects = new HashMap<>();
    for (Row row : rt.store().read(T_ACTIVITIES_REJECTED).select(RAW, REASON).collectAsList()) {
      rejects.put(row.getString(0), row.getString(1));
    }
    assertEquals(Map.of("c1,2026-11-21T10:00:00Z,page_view,\"L1", "invalid_csv",
        "c3,2026-11-21T12:00:00Z,page_view,L1,a cell beyond the header", "invalid_csv"),
        rejects);
  }

  @Test
  void badTimestampsAreRejectedWithoutStoppingTheIngest() throws IOException {
    String line = "{\"event_id\":\"%s\",\"occurred_at\":%s,\"activity_type\":\"page_view\","
        + "\"lead_id\":%s,\"properties\":%s}";
    land("times", DAY2, "a.jsonl", String.join("\n",
        String.format(line, "t1", "12345678901234567", "\"L1\"", "{}"),
        String.format(line, "t2", "\"0001-01-01T00:00:00Z\"", "\"L1\"", "{}"),
        String.format(line, "t3", "\"1582-10-10T00:00:00Z\"", "\"L1\"", "{}"),
        String.format(line, "t4", "\"9999-12-31T00:00:00Z\"", "\"L1\"", "{}"),
        String.format(line, "t5", "\"2026-11-21T10:00:00Z\"", "1", "\"pct=80\""),
        String.format(line, "t6", "\"2026-11-22T23:59:59Z\"", "\"L1\"", "{}"),
        String.format(line, "t7", "\"2026-11-23T00:00:00Z\"", "\"L1\"", "{}")));
    JobRuntime rt = runtime("times", Map.of());
    JobResult r = IngestJob.run(rt, DAY2, DAY2);
    assertEquals(7, r.count(IngestJob.ROWS_READ));
    assertEquals(2, r.count(IngestJob.ACCEPTED), "t5, and t6 within the day of skew");
    assertEquals(5, r.count(IngestJob.REJECTED));
    assertReconciles(r);
    assertEquals(5, rt.store().read(T_ACTIVITIES_REJECTED)
        .where(col(REASON).equalTo("bad_occurred_at")).count());
    // Coercions that are accepted are counted in run_log's counts.
    assertEquals(1, r.count(IngestJob.WARNING + "numeric_id"));
    assertEquals(1, r.count(IngestJob.WARNING + "properties_not_an_object"));
    // A lead created on 0001-01-01 is stored (its created_at is not a usable date).
    assertNull(rt.store().read(T_LEADS).where(col(LEAD_ID).equalTo("L2")).first()
        .getAs(CREATED_AT));
  }

  @Test
  void emptySnapshotFileIsAnEmptySnapshot() throws IOException {
    land("empty", DAY2, "a.jsonl", event("m1", "page_view", "L1") + "\n");
    IngestJob.run(runtime("empty", Map.of()), DAY2, DAY2);
    Path emptyAccounts = dir.resolve("empty/accounts");
    Files.createDirectories(emptyAccounts);
    Files.write(emptyAccounts.resolve("accounts.csv"), new byte[0]);
    JobRuntime rt = runtime("empty", Map.of("leadscore.inputs.accounts.path",
        emptyAccounts.toString()));
    List<Row> before = IngestJobTest.snapshot(rt, T_ACCOUNTS).get(T_ACCOUNTS);
    JobResult r = IngestJob.run(rt, DAY2, DAY2);
    assertEquals(0, r.count("accounts_rows_read"));
    assertEquals(0, r.count("accounts_keys"));
    assertEquals(before, IngestJobTest.snapshot(rt, T_ACCOUNTS).get(T_ACCOUNTS),
        "no rows: the stored accounts stay");
  }

  @Test
  void aSnapshotThatCannotBeReadLeavesEveryTableAsItWas() throws IOException {
    land("refused", DAY2, "a.jsonl", event("r1", "page_view", "L1") + "\n");
    IngestJob.run(runtime("refused", Map.of()), DAY2, DAY2);
    JobRuntime rt = runtime("refused", Map.of());
    Map<String, List<Row>> before = IngestJobTest.snapshot(rt, T_LEADS, T_ACCOUNTS,
        T_ACTIVITIES);

    // New leads and a new day arrive, but the accounts file names a column twice.
    Path leads = dir.resolve("refused/leads");
    Files.createDirectories(leads);
    Files.writeString(leads.resolve("leads.csv"), "lead_id,email\nL3,l3@acme.com\n");
    Path accounts = dir.resolve("refused/accounts");
    Files.createDirectories(accounts);
    Files.writeString(accounts.resolve("bad.csv"), "account_id,domain,domain\nA2,a.com,b.com\n");
    land("refused", DAY1, "a.jsonl", event("r2", "page_view", "L3") + "\n");
    JobRuntime next = runtime("refused", Map.of("leadscore.inputs.leads.path", leads.toString(),
        "leadscore.inputs.accounts.path", accounts.toString()));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> IngestJob.run(next, DAY1, DAY2));
    Assertions.assertTrue(e.getMessage().contains("bad.csv")
        && e.getMessage().contains("'domain' twice"), e.getMessage());
    assertEquals(before, IngestJobTest.snapshot(rt, T_LEADS, T_ACCOUNTS, T_ACTIVITIES),
        "nothing was written: leads were read but not upserted");
  }
}

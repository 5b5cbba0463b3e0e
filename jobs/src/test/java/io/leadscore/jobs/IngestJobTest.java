package io.leadscore.jobs;

import static io.leadscore.common.Schemas.*;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.to_json;
import static org.junit.jupiter.api.Assertions.*;

import io.leadscore.common.config.AppSettings;
import io.leadscore.common.testing.SparkTestBase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ingest: reject reasons, de-duplication, time zones, reconciliation and idempotence. DAY1 is
 * ingested once for the class; the tests that ingest again come last.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class IngestJobTest extends SparkTestBase {
  static final LocalDate DAY1 = LocalDate.of(2026, 11, 20);
  static final LocalDate DAY2 = LocalDate.of(2026, 11, 21);

  @TempDir static Path dir;

  private static JobRuntime rt;
  private static JobResult first;

  /** DAY1 ingested, once for the class. */
  private JobRuntime ingested() throws IOException {
    if (first == null) {
      JobRuntime runtime = runtime();
      first = IngestJob.run(runtime, DAY1, DAY1);
      rt = runtime;
    }
    return rt;
  }

  private JobRuntime runtime() throws IOException {
    Path landing = dir.resolve("landing");
    Files.createDirectories(landing.resolve("dt=" + DAY1));
    Files.writeString(landing.resolve("dt=" + DAY1).resolve("a.jsonl"), String.join("\n",
        "{\"event_id\":\"e1\",\"occurred_at\":\"2026-11-20T10:00:00Z\",\"activity_type\":\" Page_View \",\"lead_id\":\" L1\\t\",\"url\":\"/pricing\",\"utm_source\":\"ads\"}",
        "{\"event_id\":\"e2\",\"occurred_at\":\"2026-11-20T10:00:00Z\",\"activity_ty",
        "[1, 2]",
        "{\"occurred_at\":\"2026-11-20T10:00:00Z\",\"activity_type\":\"page_view\",\"lead_id\":\"L1\"}",
        "{\"event_id\":\"  \",\"occurred_at\":\"2026-11-20T10:00:00Z\",\"activity_type\":\"page_view\",\"lead_id\":\"L1\"}",
        "{\"event_id\":\"e6\",\"occurred_at\":\"2026-02-30T10:00:00Z\",\"activity_type\":\"page_view\",\"lead_id\":\"L1\"}",
        "{\"event_id\":\"e7\",\"occurred_at\":\"2026-11-20T24:00:00Z\",\"activity_type\":\"page_view\",\"lead_id\":\"L1\"}",
        "{\"event_id\":\"e8\",\"occurred_at\":\"2026-11-20T10:00:00Z\",\"lead_id\":\"L1\"}",
        "{\"event_id\":\"e9\",\"occurred_at\":\"2026-11-20T10:00:00Z\",\"activity_type\":\"page_view\",\"email\":\" \"}",
        "{\"event_id\":\"e1\",\"occurred_at\":\"2026-11-20T10:00:00Z\",\"activity_type\":\"page_view\",\"lead_id\":\"L1\"}",
        "   ",
        "{\"event_id\":\"e11\",\"occurred_at\":\"2026-11-20T23:30:00-05:00\",\"activity_type\":\"email_open\",\"lead_id\":\"L1\"}",
        "{\"event_id\":\"e12\",\"occurred_at\":\"2026-11-21 01:30+0530\",\"activity_type\":\"email_open\",\"lead_id\":\"L1\"}",
        "{\"event_id\":\"e13\",\"occurred_at\":1795219199000,\"activity_type\":\"video_view\",\"lead_id\":\"L1\",\"properties\":{\"pct\":80,\"tags\":[\"a\"]}}",
        "{\"event_id\":\"e14\",\"occurred_at\":\"2026-11-20T08:00:00.123456789+01\",\"activity_type\":\"form_submit\",\"email\":\" L2@Example.COM \"}",
        "{\"event_id\":\"e99\",\"occurred_at\":\"yesterday\",\"activity_type\":\"page_view\",\"lead_id\":\"L1\"}",
        "{\"event_id\":\"e99\",\"occurred_at\":\"2026-11-20T09:00:00Z\",\"activity_type\":\"page_view\",\"account_id\":\"A1\"}",
        ""));
    Files.writeString(landing.resolve("dt=" + DAY1).resolve("b.jsonl"),
        "{\"event_id\":\"e1\",\"occurred_at\":\"2026-11-20T11:11:11Z\",\"activity_type\":\"email_open\",\"lead_id\":\"L9\"}\n");
    Files.createDirectories(landing.resolve("dt=" + DAY2));
    Files.writeString(landing.resolve("dt=" + DAY2).resolve("c.jsonl"), String.join("\n",
        "{\"event_id\":\"e1\",\"occurred_at\":\"2026-11-20T10:00:00Z\",\"activity_type\":\"page_view\",\"lead_id\":\"L1\"}",
        "{\"event_id\":\"e20\",\"occurred_at\":\"2026-11-21T10:00:00Z\",\"activity_type\":\"page_view\",\"lead_id\":\"L1\"}"));
    Path leads = dir.resolve("leads.csv");
    Files.writeString(leads, String.join("\n",
        "lead_id,email,first_name,last_name,job_title,country,account_id,crm_stage,email_opt_in,created_at,updated_at,favourite_colour",
        "L1,l1@example.com,Ann,One,VP Sales,US,A1,lead,true,2026-01-01T00:00:00Z,2026-11-01T00:00:00Z,blue",
        "L1,l1@example.com,Ann,One,Chief Revenue Officer,US,A1,Lead,yes,2026-01-01T00:00:00Z,2026-11-02T00:00:00Z,red",
        "L2, l2@example.com ,Bob,Two,Engineer,DE,,lead,false,2026-01-01,,",
        ",nobody@example.com,No,Key,,,,,,,,"));
    Path accounts = dir.resolve("accounts.csv");
    Files.writeString(accounts, String.join("\n",
        "account_id,domain,name,industry,employee_count,annual_revenue,country",
        "A1,acme.com,Acme,software,500,1e7,US"));
    Path outcomes = dir.resolve("outcomes.csv");
    Files.writeString(outcomes, String.join("\n",
        "lead_id,account_id,outcome,occurred_at,amount",
        "L1,A1,SQL,2026-11-19T00:00:00Z,",
        "L1,A1,sql,2026-11-19T00:00:00Z,"));
    Map<String, String> overrides = new HashMap<>();
    overrides.put("leadscore.warehouse", dir.resolve("warehouse").toString());
    overrides.put("leadscore.inputs.activities.path", landing.toString());
    overrides.put("leadscore.inputs.leads.path", leads.toString());
    overrides.put("leadscore.inputs.accounts.path", accounts.toString());
    overrides.put("leadscore.inputs.outcomes.path", outcomes.toString());
    AppSettings settings = AppSettings.load(Optional.empty(), overrides);
    return new JobRuntime(settings, session(), Optional.empty());
  }

  private static Dataset<Row> table(JobRuntime rt, String name) {
    return rt.store().read(name);
  }

  private static Row activity(JobRuntime rt, String eventId) {
    List<Row> rows = table(rt, T_ACTIVITIES).where(col(EVENT_ID).equalTo(eventId)).collectAsList();
    assertEquals(1, rows.size(), eventId);
    return rows.get(0);
  }

  @Test
  @Order(1)
  void everyRowReadIsAcceptedADuplicateOrRejected() throws IOException {
    ingested();
    // 17 rows (the blank lines are not rows) = 6 accepted + 2 duplicates + 9 rejected
    assertEquals(17, first.count(IngestJob.ROWS_READ));
    assertEquals(9, first.count(IngestJob.REJECTED));
    assertEquals(6, first.count(IngestJob.ACCEPTED));
    assertEquals(2, first.count(IngestJob.DUPLICATES));
    assertEquals(first.count(IngestJob.ROWS_READ), first.count(IngestJob.ACCEPTED)
        + first.count(IngestJob.DUPLICATES) + first.count(IngestJob.REJECTED));
  }

  @Test
  @Order(2)
  void rejectedRowsKeepTheirReasonTextFileAndRun() throws IOException {
    JobRuntime rt = ingested();
    Map<String, Long> reasons = new HashMap<>();
    for (Row r : table(rt, T_ACTIVITIES_REJECTED).groupBy(REASON).count().collectAsList()) {
      reasons.put(r.getString(0), r.getLong(1));
    }
    assertEquals(Map.of("invalid_json", 1L, "not_an_object", 1L, "missing_event_id", 2L,
        "bad_occurred_at", 3L, "missing_activity_type", 1L, "no_identity", 1L), reasons);
    Row rejected = table(rt, T_ACTIVITIES_REJECTED).where(col(REASON).equalTo("not_an_object"))
        .first();
    assertEquals("[1, 2]", rejected.getAs(RAW));
    Assertions.assertTrue(rejected.<String>getAs(SOURCE_FILE).endsWith("a.jsonl"));
    assertEquals(rt.runId(), rejected.getAs(INGEST_RUN_ID));
  }

  @Test
  @Order(3)
  void theFirstCopyWinsTrimmedAndLowerCased() throws IOException {
    JobRuntime rt = ingested();
    // The first copy wins: a.jsonl's e1, with identifiers trimmed and the type lower-cased.
    Row e1 = activity(rt, "e1");
    assertEquals("page_view", e1.getAs(ACTIVITY_TYPE));
    assertEquals("L1", e1.getAs(LEAD_ID));
    assertEquals("ads", e1.<scala.collection.Map<String, String>>getAs(EXTRAS).get("utm_source")
        .get());
  }

  @Test
  @Order(4)
  void timestampsInAnyZoneBecomeUtcAndTheirEventDate() throws IOException {
    JobRuntime rt = ingested();
    // 23:30 at -05:00 is 04:30 UTC the next day
    assertEquals(Timestamp.from(Instant.parse("2026-11-21T04:30:00Z")),
        activity(rt, "e11").getAs(OCCURRED_AT));
    assertEquals(java.sql.Date.valueOf("2026-11-21"), activity(rt, "e11").getAs(EVENT_DATE));
    // 01:30 at +05:30 is 20:00 UTC the day before
    assertEquals(java.sql.Date.valueOf("2026-11-20"), activity(rt, "e12").getAs(EVENT_DATE));
    assertEquals(Timestamp.from(Instant.parse("2026-11-20T23:59:59Z")),
        activity(rt, "e13").getAs(OCCURRED_AT));
    assertEquals("80", activity(rt, "e13").<scala.collection.Map<String, String>>getAs(PROPERTIES)
        .get("pct").get());
    assertEquals("[\"a\"]", activity(rt, "e13")
        .<scala.collection.Map<String, String>>getAs(PROPERTIES).get("tags").get());
    assertEquals(Timestamp.from(Instant.parse("2026-11-20T07:00:00.123456Z")),
        activity(rt, "e14").getAs(OCCURRED_AT));
  }

  @Test
  @Order(5)
  void anEmailOnlyRowIsResolvedAndARejectedCopyClaimsNothing() throws IOException {
    JobRuntime rt = ingested();
    assertEquals("L2", activity(rt, "e14").getAs(LEAD_ID), "email-only row resolved");
    assertEquals("A1", activity(rt, "e99").getAs(ACCOUNT_ID), "a rejected e99 claims nothing");
  }

  @Test
  @Order(6)
  void snapshotsKeepTheLatestUpdateAndRejectRowsWithoutAKey() throws IOException {
    JobRuntime rt = ingested();
    // Snapshots: the later updated_at wins; text booleans; a row without a key is rejected.
    Row l1 = table(rt, T_LEADS).where(col(LEAD_ID).equalTo("L1")).first();
    assertEquals("Chief Revenue Officer", l1.getAs(JOB_TITLE));
    assertEquals("lead", l1.getAs(CRM_STAGE));
    assertEquals(Boolean.TRUE, l1.getAs(EMAIL_OPT_IN));
    assertEquals("red", l1.getAs("favourite_colour"));
    assertEquals(2, table(rt, T_LEADS).count());
    assertEquals(1, first.count("leads_rejected"));
    assertEquals(1, first.count("leads_repeated_keys"));
    assertEquals(1, table(rt, T_OUTCOMES).count());
  }

  @Test
  @Order(10)
  void aRerunOfTheSameDateChangesNoTable() throws IOException {
    JobRuntime rt = ingested();
    Map<String, List<Row>> before = snapshot(rt);
    JobResult rerun = IngestJob.run(runtime(rt), DAY1, DAY1);
    assertEquals(0, rerun.count(IngestJob.ACCEPTED));
    assertEquals(17, rerun.count(IngestJob.ROWS_READ));
    assertEquals(8, rerun.count(IngestJob.DUPLICATES));
    assertEquals(before, snapshot(rt));
    // The snapshot files are the ones stored: not read again.
    for (String table : List.of(T_LEADS, T_ACCOUNTS, T_OUTCOMES)) {
      assertEquals(1, rerun.count(table + "_unchanged"), table);
      Assertions.assertFalse(rerun.counts().containsKey(table + "_rows_read"), table);
    }
  }

  @Test
  @Order(11)
  void aReplayOnTheNextDayIsADuplicateOfWhatIsStored() throws IOException {
    JobRuntime rt = ingested();
    // The next day: a replayed e1 is a duplicate of what is stored.
    JobResult next = IngestJob.run(rt, DAY2, DAY2);
    assertEquals(2, next.count(IngestJob.ROWS_READ));
    assertEquals(1, next.count(IngestJob.ACCEPTED));
    assertEquals(1, next.count(IngestJob.DUPLICATES));
    assertEquals(7, table(rt, T_ACTIVITIES).count());
  }

  @Test
  @Order(12)
  void aSnapshotIsReadAgainWhenItsContentsOrHowItIsReadChange() throws IOException {
    JobRuntime rt = ingested();
    long accountsVersion = rt.store().version(T_ACCOUNTS);
    Path leads = Path.of(rt.settings().leads().path());
    // L2 gets another title and a created_at without a zone.
    Files.writeString(leads, Files.readString(leads).replace("Engineer,DE,,lead,false,2026-01-01",
        "Staff Engineer,DE,,lead,false,2026-01-01T00:00:00"));
    JobResult changed = IngestJob.run(runtime(rt), DAY2, DAY2);
    assertEquals(4, changed.count("leads_rows_read"));
    Assertions.assertFalse(changed.counts().containsKey("leads_unchanged"));
    Row l2 = table(rt, T_LEADS).where(col(LEAD_ID).equalTo("L2")).first();
    assertEquals("Staff Engineer", l2.getAs(JOB_TITLE));
    assertEquals(java.sql.Timestamp.from(java.time.Instant.parse("2026-01-01T00:00:00Z")),
        l2.getAs(CREATED_AT));
    assertEquals(1, changed.count("accounts_unchanged"));
    assertEquals(accountsVersion, rt.store().version(T_ACCOUNTS));

    // The same files read with another time zone: their timestamps may mean other instants.
    Map<String, String> overrides = new HashMap<>();
    overrides.put("leadscore.warehouse", rt.settings().warehouse());
    overrides.put("leadscore.inputs.activities.path", rt.settings().activities().path());
    overrides.put("leadscore.inputs.leads.path", leads.toString());
    overrides.put("leadscore.inputs.accounts.path", rt.settings().accounts().path());
    overrides.put("leadscore.inputs.outcomes.path", rt.settings().outcomes().path());
    overrides.put("leadscore.ingest.default-time-zone", "Europe/Berlin");
    JobResult otherZone = IngestJob.run(new JobRuntime(AppSettings.load(Optional.empty(),
        overrides), session(), Optional.empty()), DAY2, DAY2);
    assertEquals(1, otherZone.count("accounts_rows_read"));
    // L2's created_at has no zone: now midnight in Berlin, 23:00 UTC the day before.
    assertEquals(java.sql.Timestamp.from(java.time.Instant.parse("2025-12-31T23:00:00Z")),
        table(rt, T_LEADS).where(col(LEAD_ID).equalTo("L2")).first().getAs(CREATED_AT));
  }

  private JobRuntime runtime(JobRuntime previous) {
    return new JobRuntime(previous.settings(), session(), Optional.empty());
  }

  /** Every data table's rows as sorted JSON texts (maps cannot be sorted or compared). */
  static Map<String, List<Row>> snapshot(JobRuntime rt, String... tables) {
    Map<String, List<Row>> out = new HashMap<>();
    for (String t : tables) {
      Dataset<Row> df = table(rt, t);
      out.put(t, df.select(to_json(struct(col("*"))).as("row")).orderBy("row").collectAsList());
    }
    return out;
  }

  private static Map<String, List<Row>> snapshot(JobRuntime rt) {
    return snapshot(rt, T_ACTIVITIES, T_ACTIVITIES_REJECTED, T_LEADS, T_ACCOUNTS, T_OUTCOMES,
        T_SNAPSHOTS_REJECTED);
  }
}

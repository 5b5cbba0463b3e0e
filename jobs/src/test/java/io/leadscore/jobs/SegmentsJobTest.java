package io.leadscore.jobs;

import static io.leadscore.common.Schemas.*;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.to_json;
import static org.junit.jupiter.api.Assertions.*;

import io.leadscore.common.config.ConfigException;
import io.leadscore.common.config.Model;
import io.leadscore.common.config.Segment;
import io.leadscore.common.segments.Spells;
import io.leadscore.common.storage.CsvFiles;
import io.leadscore.common.testing.SparkTestBase;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Segments over four scored dates, worked out by hand. The model makes a lead's engagement on
 * D exactly the points of D's own demo requests (lookback one day, no decay) and every lead
 * grade A, so "hot" (band = 'hot') is "requested a demo that day".
 *
 * <p>L1 (a name with a comma, quotes, a line break, accents and CJK) is hot on D1 and D2, not
 * on D3, hot again on D4: enter, stay, leave, re-enter. L2..L6 are hot on D4 only and test
 * consent in the email segment: L2 never opted in, L3 unsubscribed and L4 bounced after their
 * last CRM update, L5 unsubscribed and then opted in again (updated_at later), L6 has no email.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SegmentsJobTest extends SparkTestBase {
  static final LocalDate D1 = LocalDate.of(2026, 11, 1);
  static final LocalDate D2 = D1.plusDays(1);
  static final LocalDate D3 = D1.plusDays(2);
  static final LocalDate D4 = D1.plusDays(3);
  static final String FIRST_NAME_L1 = "Ann, \"the\"\nsecond";
  static final String LAST_NAME_L1 = "Ðoàn-Müller 阮氏";

  static final String MODEL = """
      leadscore.model {
        version = "segments-v1"
        engagement {
          half-life-days = 30
          lookback-days = 1
          max = 100
          rules = [ { name = demo, types = [demo_request], points = 50, decay = false } ]
        }
        fit {
          max = 100
          rules = [ { name = everyone, field = lead.lead_id, is-not-null = true, points = 80 } ]
          grades { A = 75, B = 50, C = 25 }
        }
        bands { hot = 50, warm = 20 }
        lifecycle { mql { grades = [A, B], min-engagement = 40 }, recycle-below = 15 }
        accounts { top-leads = 1, engaged-band = warm, personas = [] }
        lists { free-mail = [gmail.com] }
      }
      """;

  static final String SEGMENTS = """
      leadscore.segments = [
        { name = hot, channel = sales, where = "band = 'hot'" }
        { name = hot-email, channel = email, where = "band = 'hot'" }
        { name = hot-accounts, channel = sales, limit = 2, order-by = ["lead_id desc"],
          where = "band = 'hot' and account.industry = 'software' and account_score.band = 'hot'",
          columns = ["lead_id", "first_name", "last_name", "account.name AS account",
                     "reasons AS top_reasons"] }
      ]
      """;

  Path dir;
  JobRuntime rt;
  Model model;
  List<Segment> segments;
  /** Files and segment tables after the four dates in order. */
  Map<String, String> filesInOrder;
  Map<String, List<Row>> tablesInOrder;
  JobResult lastRun;

  @BeforeAll
  void prepare() throws IOException {
    dir = Files.createTempDirectory("segments-test");
    Files.writeString(dir.resolve("model.conf"), MODEL);
    Files.writeString(dir.resolve("segments.conf"), SEGMENTS);
    startSpark();
    rt = runtime(dir, "warehouse", "exports", "segments.conf");
    model = rt.loadModel();
    Timestamp old = ts("2026-01-01T00:00:00Z");
    rt.store().overwrite(T_ACCOUNTS, session().createDataFrame(List.of(
        RowFactory.create("A1", "acme.com", "Acme, Inc.", "software", 500L, 1e7, "US", null)),
        ACCOUNTS));
    rt.store().overwrite(T_LEADS, session().createDataFrame(List.of(
        lead("L1", "ann@acme.com", FIRST_NAME_L1, LAST_NAME_L1, true, old),
        lead("L2", "l2@acme.com", "No", "Optin", false, old),
        lead("L3", "l3@acme.com", "Un", "Subscribed", true, old),
        lead("L4", "l4@acme.com", "Bo", "Unced", true, old),
        lead("L5", "l5@acme.com", "Re", "Optin", true, ts("2026-11-03T12:00:00Z")),
        lead("L6", null, "No", "Email", true, old)), LEADS));
    List<Row> activities = new ArrayList<>();
    for (LocalDate d : List.of(D1, D2, D4)) {
      activities.add(activity("e1-" + d, d, "demo_request", "L1"));
    }
    for (String id : List.of("L2", "L3", "L4", "L5", "L6")) {
      activities.add(activity("e-" + id, D4, "demo_request", id));
    }
    activities.add(activity("u3", D2, "email_unsubscribe", "L3"));
    activities.add(activity("b4", D2, "email_bounce", "L4"));
    activities.add(activity("u5", D2, "email_unsubscribe", "L5"));
    rt.store().append(T_ACTIVITIES, session().createDataFrame(activities, ACTIVITIES),
        EVENT_DATE);
    segments = SegmentsJob.definitions(rt, model);
    for (LocalDate d : List.of(D1, D2, D3, D4)) {
      ScoreJob.run(rt, model, d);
    }
    // account_score.* only matters on D4 (without account scores it is null: no member).
    AccountsJob.run(rt, model, D4);
    for (LocalDate d : List.of(D1, D2, D3, D4)) {
      lastRun = SegmentsJob.run(rt, model, segments, d);
    }
    filesInOrder = files(dir.resolve("exports"));
    tablesInOrder = tables(rt);
  }

  JobRuntime runtime(Path dir, String warehouse, String exports, String segmentsFile) {
    Map<String, String> overrides = new HashMap<>();
    overrides.put("leadscore.warehouse", dir.resolve(warehouse).toString());
    overrides.put("leadscore.exports", dir.resolve(exports).toString());
    overrides.put("leadscore.segments-file", dir.resolve(segmentsFile).toString());
    return TestRuntimes.of(session(), overrides, dir.resolve("model.conf"));
  }

  static Timestamp ts(String instant) {
    return Timestamp.from(Instant.parse(instant));
  }

  static Row lead(String id, String email, String first, String last, boolean optIn,
      Timestamp updated) {
    return RowFactory.create(id, email, first, last, "Engineer", "US", "A1", "lead", optIn,
        ts("2026-01-01T00:00:00Z"), updated);
  }

  static Row activity(String eventId, LocalDate day, String type, String leadId) {
    return RowFactory.create(eventId, ts(day + "T09:00:00Z"), Date.valueOf(day), type, leadId,
        null, null, null, null, null, null, "test", "run-0");
  }

  /** Every export file's text, by path relative to the exports folder. */
  static Map<String, String> files(Path exports) {
    Map<String, String> out = new TreeMap<>();
    if (!Files.isDirectory(exports)) {
      return out;
    }
    try (Stream<Path> walk = Files.walk(exports)) {
      for (Path p : walk.filter(Files::isRegularFile).toList()) {
        out.put(exports.relativize(p).toString(), Files.readString(p));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  static Map<String, List<Row>> tables(JobRuntime rt) {
    Map<String, List<Row>> out = new TreeMap<>();
    for (String t : List.of(T_SEGMENT_MEMBERS, T_SEGMENT_MEMBERSHIP)) {
      out.put(t, rt.store().read(t).select(to_json(struct(col("*"))).as("row"))
          .orderBy("row").collectAsList());
    }
    out.put(T_SEGMENT_RUNS, rt.store().read(T_SEGMENT_RUNS).drop(SegmentsJob.RUN_ID)
        .select(to_json(struct(col("*"))).as("row")).orderBy("row").collectAsList());
    return out;
  }

  private List<String> spells(String segment) {
    List<String> out = new ArrayList<>();
    for (Row r : rt.store().read(T_SEGMENT_MEMBERSHIP).where(col(Spells.SEGMENT)
        .equalTo(segment)).orderBy(LEAD_ID, Spells.ENTERED_ON).collectAsList()) {
      out.add(r.getAs(LEAD_ID) + " " + r.getAs(Spells.ENTERED_ON) + ".."
          + r.getAs(Spells.EXITED_ON));
    }
    return out;
  }

  /** The lead ids of one export file, in file order. */
  private List<String> ids(String segment, LocalDate date, String file) {
    CsvFiles.Content c = CsvFiles.read(dir.resolve("exports/segment=" + segment + "/date="
        + date + "/" + file).toString(), session().sparkContext().hadoopConfiguration());
    int i = c.header().indexOf(LEAD_ID);
    return c.records().stream().map(r -> r.get(i)).toList();
  }

  @Test
  @Order(1)
  void spellsEnterStayLeaveReEnter() {
    assertEquals(List.of("L1 2026-11-01..2026-11-03", "L1 2026-11-04..null",
        "L2 2026-11-04..null", "L3 2026-11-04..null", "L4 2026-11-04..null",
        "L5 2026-11-04..null", "L6 2026-11-04..null"), spells("hot"));
    assertEquals(List.of("L1 2026-11-01..2026-11-03", "L1 2026-11-04..null",
        "L5 2026-11-04..null"), spells("hot-email"));
  }

  @Test
  @Order(2)
  void filesMatchTheSpells() {
    assertEquals(List.of("L1"), ids("hot", D1, "members.csv"));
    assertEquals(List.of("L1"), ids("hot", D1, "added.csv"));
    assertEquals(List.of(), ids("hot", D1, "removed.csv"));
    assertEquals(List.of("L1"), ids("hot", D2, "members.csv"));
    assertEquals(List.of(), ids("hot", D2, "added.csv"));
    assertEquals(List.of(), ids("hot", D2, "removed.csv"));
    assertEquals(List.of(), ids("hot", D3, "members.csv"));
    assertEquals(List.of(), ids("hot", D3, "added.csv"));
    assertEquals(List.of("L1"), ids("hot", D3, "removed.csv"));
    List<String> all = List.of("L1", "L2", "L3", "L4", "L5", "L6");
    assertEquals(all, ids("hot", D4, "members.csv"));
    assertEquals(all, ids("hot", D4, "added.csv"));
    assertEquals(List.of(), ids("hot", D4, "removed.csv"));
    // Every file agrees with the spells: added on D = spells entered on D, removed on D =
    // spells exited on D, members on D = spells covering D.
    for (String segment : List.of("hot", "hot-email")) {
      for (LocalDate d : List.of(D1, D2, D3, D4)) {
        List<Row> spells = rt.store().read(T_SEGMENT_MEMBERSHIP)
            .where(col(Spells.SEGMENT).equalTo(segment)).collectAsList();
        Date day = Date.valueOf(d);
        assertEquals(sorted(spells.stream().filter(r -> r.getAs(Spells.ENTERED_ON).equals(day))
            .map(r -> (String) r.getAs(LEAD_ID)).toList()), sorted(ids(segment, d, "added.csv")),
            segment + " added " + d);
        assertEquals(sorted(spells.stream().filter(r -> day.equals(r.getAs(Spells.EXITED_ON)))
            .map(r -> (String) r.getAs(LEAD_ID)).toList()),
            sorted(ids(segment, d, "removed.csv")), segment + " removed " + d);
        assertEquals(sorted(spells.stream().filter(r -> !((Date) r.getAs(Spells.ENTERED_ON))
                .after(day) && (r.getAs(Spells.EXITED_ON) == null
                || ((Date) r.getAs(Spells.EXITED_ON)).after(day)))
            .map(r -> (String) r.getAs(LEAD_ID)).toList()),
            sorted(ids(segment, d, "members.csv")), segment + " members " + d);
      }
    }
    // An empty segment still has its files, with the header.
    String empty = filesInOrder.get("segment=hot/date=2026-11-03/members.csv");
    assertEquals("lead_id,email,first_name,last_name,job_title,account_name,grade,band,"
        + "priority,stage,engagement_score,fit_score,top_reasons\r\n", empty);
  }

  private static List<String> sorted(List<String> ids) {
    return ids.stream().sorted().toList();
  }

  @Test
  @Order(3)
  void consentHoldsBackByReason() {
    assertEquals(List.of("L1", "L5"), ids("hot-email", D4, "members.csv"));
    Row run = rt.store().read(T_SEGMENT_RUNS).where(col(Spells.SEGMENT).equalTo("hot-email")
        .and(col(SCORE_DATE).equalTo(Date.valueOf(D4)))).first();
    assertEquals(2L, run.<Long>getAs(SegmentsJob.MEMBERS));
    Map<String, Long> held = run.getJavaMap(run.fieldIndex(SegmentsJob.HELD_BACK));
    assertEquals(Map.of("no_email", 1L, "no_opt_in", 1L, "unsubscribed", 1L, "bounced", 1L,
        "not_emailable", 0L), held);
    // run_log has the same counts; a sales segment is not filtered.
    JobResult rerun = lastRun;
    assertEquals(1L, rerun.count("segment.hot-email.held_back_unsubscribed"));
    assertEquals(1L, rerun.count("segment.hot-email.held_back_bounced"));
    assertEquals(1L, rerun.count("segment.hot-email.held_back_no_opt_in"));
    assertEquals(1L, rerun.count("segment.hot-email.held_back_no_email"));
    assertEquals(6L, rerun.count("segment.hot.members"));
    assertFalse(rerun.counts().containsKey("segment.hot.held_back_no_opt_in"));
    // The limit keeps the first two by lead_id desc; account_score.* and account.* resolve.
    assertEquals(List.of("L6", "L5"), ids("hot-accounts", D4, "members.csv"));
  }

  @Test
  @Order(4)
  void csvRoundTripKeepsCommasQuotesNewlinesAndUnicode() {
    CsvFiles.Content c = CsvFiles.read(dir.resolve(
        "exports/segment=hot/date=2026-11-01/members.csv").toString(),
        session().sparkContext().hadoopConfiguration());
    List<String> l1 = c.records().get(0);
    assertEquals(FIRST_NAME_L1, l1.get(c.header().indexOf(FIRST_NAME)));
    assertEquals(LAST_NAME_L1, l1.get(c.header().indexOf(LAST_NAME)));
    assertEquals("Acme, Inc.", l1.get(c.header().indexOf("account_name")));
    assertEquals("everyone +80.0; demo +50.0", l1.get(c.header().indexOf("top_reasons")));
    assertEquals("A1", l1.get(c.header().indexOf(PRIORITY)));
    // The bytes are UTF-8 and the field is quoted with its quotes doubled (RFC 4180).
    String text = filesInOrder.get("segment=hot/date=2026-11-01/members.csv");
    Assertions.assertTrue(text.contains("\"Ann, \"\"the\"\"\nsecond\",Ðoàn-Müller 阮氏"), text);
  }

  @Test
  @Order(5)
  void rerunsChangeNothing() {
    // D3 is before the latest date: the spells are rebuilt and D4's added and removed files
    // rewritten, to the same result. D4 is the latest: undone and redone.
    SegmentsJob.run(rt, model, segments, D3);
    SegmentsJob.run(rt, model, segments, D4);
    assertEquals(filesInOrder, files(dir.resolve("exports")));
    assertEquals(tablesInOrder, tables(rt));
  }

  @Test
  @Order(6)
  void datesOutOfOrderEndAsInOrder() throws IOException {
    // The same lead scores, segments run D4, D2, D1, D3 into fresh segment tables and exports.
    JobRuntime other = runtime(dir, "warehouse", "exports-out-of-order", "segments.conf");
    for (String t : List.of(T_SEGMENT_MEMBERS, T_SEGMENT_MEMBERSHIP, T_SEGMENT_RUNS)) {
      deleteRecursively(dir.resolve("warehouse").resolve(t));
    }
    for (LocalDate d : List.of(D4, D2, D1, D3)) {
      SegmentsJob.run(other, model, segments, d);
    }
    assertEquals(filesInOrder, files(dir.resolve("exports-out-of-order")));
    assertEquals(tablesInOrder, tables(other));
  }

  @Test
  @Order(7)
  void badExpressionAndDuplicateNameAreRefusedNamingFileSegmentAndExpression()
      throws IOException {
    Files.writeString(dir.resolve("bad.conf"), """
        leadscore.segments = [
          { name = ok, channel = sales, where = "band = 'hot'" }
          { name = typo, channel = email, where = "bnad = 'hot'" }
        ]
        """);
    ConfigException bad = assertThrows(ConfigException.class, () -> SegmentsJob.definitions(
        runtime(dir, "warehouse", "exports", "bad.conf"), model));
    String file = dir.resolve("bad.conf").toString();
    Assertions.assertTrue(bad.getMessage().startsWith(file + ":3: leadscore.segments[1].where (segment"
        + " typo): Spark cannot analyse 'bnad = 'hot''"), bad.getMessage());
    Files.writeString(dir.resolve("dup.conf"), """
        leadscore.segments = [
          { name = hot, channel = sales, where = "band = 'hot'" }
          { name = hot, channel = email, where = "band = 'warm'" }
        ]
        """);
    ConfigException dup = assertThrows(ConfigException.class, () -> SegmentsJob.definitions(
        runtime(dir, "warehouse", "exports", "dup.conf"), model));
    Assertions.assertTrue(dup.getMessage().contains("dup.conf:3: leadscore.segments[1].name")
        && dup.getMessage().contains("duplicate segment name 'hot'"), dup.getMessage());
    Files.writeString(dir.resolve("notbool.conf"), """
        leadscore.segments = [ { name = n, channel = sales, where = "engagement_score + 1" } ]
        """);
    ConfigException notBool = assertThrows(ConfigException.class, () -> SegmentsJob.definitions(
        runtime(dir, "warehouse", "exports", "notbool.conf"), model));
    Assertions.assertTrue(notBool.getMessage().contains("must be a boolean condition"),
        notBool.getMessage());
  }

  static void deleteRecursively(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(p)) {
      for (Path q : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(q);
      }
    }
  }
}

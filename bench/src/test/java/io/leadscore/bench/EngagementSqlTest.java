package io.leadscore.bench;

import static org.junit.jupiter.api.Assertions.*;

import com.typesafe.config.ConfigFactory;
import io.leadscore.common.Schemas;
import io.leadscore.common.config.Model;
import io.leadscore.common.config.ModelLoader;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The DuckDB engagement query on hand-made Parquet files, with every expected score worked
 * out by hand below, and its Spark SQL text on the same files (one local session).
 */
class EngagementSqlTest {
  static final LocalDate D = LocalDate.of(2026, 11, 20);

  /** Half-life 10 days and lookback 30 make decays exact: 0.5 at 10 days, 0.25 at 20. */
  static final String MODEL = """
      leadscore.model {
        version = "bench-test"
        engagement {
          half-life-days = 10
          lookback-days = 30
          max = 100
          rules = [
            { name = visit,   types = [page_view], url-contains = " /Home", points = 10 }
            { name = pricing, types = [PAGE_VIEW], url-matches = "/pricing(/|$)", points = 8, max-per-day = 1 }
            { name = open,    types = [email_open], points = 2, max-per-day = 2, cap = 5 }
            { name = careers, types = [page_view], url-contains = "/careers", points = -6, cap = 10 }
            { name = unsub,   types = [email_unsubscribe], points = -20, decay = false }
            { name = spring,  campaign-in = [Spring], points = 3, decay = false }
            { name = tiny,    types = [form_submit], points = 0.285, decay = false }
          ]
          inactivity { days = 20, points = -7 }
        }
        fit { max = 100, rules = [], grades { A = 75, B = 50, C = 25 } }
        bands { hot = 50, warm = 20 }
        lifecycle { mql { grades = [A, B], min-engagement = 40 }, recycle-below = 15 }
        accounts { top-leads = 3, engaged-band = warm, personas = [] }
        lists { free-mail = [gmail.com] }
      }
      """;

  @TempDir Path dir;
  DuckDb duck;
  int events;

  @BeforeEach
  void open() {
    duck = new DuckDb(2, "1GB", null);
  }

  @AfterEach
  void close() {
    duck.close();
  }

  static Model model(String text) {
    List<String> leadFields = new ArrayList<>(List.of(Schemas.LEADS.fieldNames()));
    leadFields.add(Schemas.EMAIL_DOMAIN);
    ModelLoader loader = new ModelLoader(List.of("page_view", "email_open", "email_click",
        "email_unsubscribe", "form_submit", "video_view"), leadFields,
        List.of(Schemas.ACCOUNTS.fieldNames()));
    return loader.fromConfig(ConfigFactory.parseString(text), "bench-test-model.conf");
  }

  @Test
  void scoresMatchHandComputedValues() {
    Map<String, String> expected = writeHandComputedScenario();
    Map<String, String> actual = new TreeMap<>();
    scores(model(MODEL)).forEach((k, v) -> actual.put(k, v.toPlainString()));
    assertEquals(expected, actual);
  }

  /**
   * The Spark SQL text of the same query (the bench's plain Spark row) on the same files
   * gives the same hand-computed scores.
   */
  @Test
  void sparkDialectScoresMatchTheSameValues() {
    Map<String, String> expected = writeHandComputedScenario();
    SparkSession spark = SparkSession.builder().master("local[1]").appName("bench-test")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "1")
        .getOrCreate();
    try {
      spark.read().parquet(dir.resolve("activities.parquet").toString())
          .createOrReplaceTempView("acts_view");
      spark.read().parquet(dir.resolve("leads.parquet").toString())
          .createOrReplaceTempView("leads_view");
      Map<String, String> actual = new TreeMap<>();
      for (Row r : spark.sql(EngagementSql.sparkLeadEngagement(model(MODEL), D, "acts_view",
          "leads_view")).collectAsList()) {
        actual.put(r.getString(0), r.getDecimal(1).toPlainString());
      }
      assertEquals(expected, actual);
    } finally {
      spark.stop();
    }
  }

  /** Writes the activities and leads below; returns each lead's score, worked out by hand. */
  private Map<String, String> writeHandComputedScenario() {
    List<String> acts = new ArrayList<>();
    // L1: /home 10 days ago: 10 * 0.5 = 5. Three pricing views today, max 1 a day: 8.
    // A pricing view 30 days ago is outside the lookback (age < 30), one tomorrow is after D.
    // 5 + 8 = 13.
    acts.add(act(10, "page_view", "L1", null, "https://x.io/home", null));
    for (int i = 0; i < 3; i++) {
      acts.add(act(0, "page_view", "L1", null, "https://x.io/pricing", null));
    }
    acts.add(act(30, "page_view", "L1", null, "https://x.io/pricing/", null));
    acts.add(act(-1, "page_view", "L1", null, "https://x.io/home", null));
    // L2: opens, 2 a day count: today 3 -> 2*2 = 4; 10 days ago 2 -> 4*0.5 = 2;
    // 20 days ago 2 -> 4*0.25 = 1. 7, capped at 5.
    for (int i = 0; i < 3; i++) {
      acts.add(act(0, "email_open", "L2", null, null, null));
    }
    for (int age : new int[] {10, 10, 20, 20}) {
      acts.add(act(age, "email_open", "L2", null, null, null));
    }
    // L3: three /HOME views today (trimmed, case-insensitive) 30; two careers views -12,
    // capped at -10 (symmetric cap). 20.
    for (int i = 0; i < 3; i++) {
      acts.add(act(0, " Page_View ", "L3", null, "  https://X.io/HOME/a\t", null));
    }
    acts.add(act(0, "page_view", "L3", null, "https://x.io/careers", null));
    acts.add(act(0, "page_view", "L3", null, "https://x.io/careers/eng", null));
    // L4: four /home views 20 days ago: 40 * 0.25 = 10; the last activity is 20 days
    // before D, at the inactivity threshold: -7. 3.
    for (int i = 0; i < 4; i++) {
      acts.add(act(20, "page_view", "L4", null, "https://x.io/home", null));
    }
    // L5: campaign "spring" on any type, no decay: 3 today + 3 at 29 days. 6.
    acts.add(act(0, "email_click", "L5", null, null, " SPRING "));
    acts.add(act(29, "email_click", "L5", null, null, "spring"));
    // L6: an email-only /home view today resolves by email (trimmed, any case) to the
    // smallest lead_id with it, L6 (L7 has it too): 10. A row with an unknown lead_id and
    // that email counts for nobody: a present lead_id decides.
    acts.add(act(0, "page_view", null, " mixed@EXAMPLE.com", "https://x.io/home", null));
    acts.add(act(0, "page_view", "L99", "mixed@example.com", "https://x.io/home", null));
    // L8: one form submit, 0.285 points: leadscore rounds the double half-up by its
    // decimal text, 0.29 (DuckDB's round(double) would give 0.28).
    acts.add(act(3, "form_submit", "L8", null, null, null));
    // L9: twelve /home views today: 120, clamped to 100.
    for (int i = 0; i < 12; i++) {
      acts.add(act(0, "page_view", "L9", null, "https://x.io/home", null));
    }
    // L10: an unsubscribe 25 days ago: -20 without decay, inactive (25 >= 20): -7.
    // Clamped to 0.
    acts.add(act(25, "email_unsubscribe", "L10", null, null, null));
    // L11: no activity, created 25 days ago: inactive, -7, clamped to 0. L12: no activity,
    // created 5 days ago: 0. Either way 0: the point is that every lead gets a row.
    writeActivities(acts);
    writeLeads(List.of(
        lead("L1", "l1@x.io", 100), lead("L2", null, 100), lead("L3", "l3@x.io", 100),
        lead("L4", "l4@x.io", 100), lead("L5", "l5@x.io", 100),
        lead("L6", "Mixed@Example.com ", 100), lead("L7", "mixed@example.com", null),
        lead("L8", "l8@x.io", 100), lead("L9", "l9@x.io", 100), lead("L10", "l10@x.io", 100),
        lead("L11", "l11@x.io", 25), lead("L12", "l12@x.io", 5)));
    return new TreeMap<>(Map.ofEntries(
        Map.entry("L1", "13.00"), Map.entry("L2", "5.00"), Map.entry("L3", "20.00"),
        Map.entry("L4", "3.00"), Map.entry("L5", "6.00"), Map.entry("L6", "10.00"),
        Map.entry("L7", "0.00"), Map.entry("L8", "0.29"), Map.entry("L9", "100.00"),
        Map.entry("L10", "0.00"), Map.entry("L11", "0.00"), Map.entry("L12", "0.00")));
  }

  @Test
  void comparisonFlagsMismatchesAndMissingLeads() {
    writeActivities(List.of(act(0, "page_view", "L1", null, "https://x.io/home", null),
        act(0, "page_view", "L2", null, "https://x.io/pricing", null)));
    writeLeads(List.of(lead("L1", null, 1), lead("L2", null, 1), lead("L3", null, 1)));
    duck.createTable("duck", EngagementSql.leadEngagement(model(MODEL), D,
        dir.resolve("activities.parquet").toString(), dir.resolve("leads.parquet").toString()));

    // Doubles as leadscore writes them: 10.0 and 8.0 agree, 0.0 for L3 agrees.
    writeScores("same.parquet", "('L1', 10.0::DOUBLE), ('L2', 8.0), ('L3', 0.0)");
    Agreement same = duck.compare("run", "duck", "duckdb", dir.resolve("same.parquet").toString());
    assertTrue(same.agrees(), same.describe());
    assertEquals(3, same.compared());

    // L2 off by one cent, L3 missing, L4 unknown to DuckDB.
    writeScores("off.parquet", "('L1', 10.0::DOUBLE), ('L2', 8.01), ('L4', 1.0)");
    Agreement off = duck.compare("run", "duck", "duckdb", dir.resolve("off.parquet").toString());
    assertFalse(off.agrees());
    assertEquals(3, off.mismatches(), off.describe());
    assertEquals(2, off.compared());
    assertEquals(1, off.onlyReference());
    assertEquals(1, off.onlyRun());
    assertEquals(0, new BigDecimal("0.01").compareTo(off.maxAbsDifference()),
        off.describe());
    assertEquals(List.of("lead L2: duckdb 8.00, run 8.01", "lead L3: duckdb 0.00, run (no row)",
        "lead L4: duckdb (no row), run 1.00"), off.examples());
  }

  @Test
  void modelWithWhenIsRefused() {
    String withWhen = MODEL.replace("{ name = tiny,",
        "{ name = video, types = [video_view], when = \"properties['pct'] > 75\", points = 8 }\n"
            + "{ name = tiny,");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> EngagementSql.leadEngagement(model(withWhen), D, "a", "l"));
    assertTrue(e.getMessage().contains("video"), e.getMessage());
    assertTrue(e.getMessage().contains("'when'"), e.getMessage());
  }

  private Map<String, BigDecimal> scores(Model model) {
    duck.createTable("duck", EngagementSql.leadEngagement(model, D,
        dir.resolve("activities.parquet").toString(), dir.resolve("leads.parquet").toString()));
    Map<String, BigDecimal> out = new TreeMap<>();
    try (var st = duck.connection().createStatement();
        var r = st.executeQuery("SELECT lead_id, engagement_score FROM duck")) {
      while (r.next()) {
        out.put(r.getString(1), r.getBigDecimal(2));
      }
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
    return out;
  }

  /** An activity {@code age} days before D. */
  private String act(int age, String type, String leadId, String email, String url,
      String campaign) {
    events++;
    return "(" + q("e" + events) + ", DATE '" + D.minusDays(age) + "', " + q(type) + ", "
        + q(leadId) + ", " + q(email) + ", NULL, " + q(url) + ", " + q(campaign) + ")";
  }

  /** A lead created {@code ageDays} before D (null: no created_at). */
  private static String lead(String id, String email, Integer ageDays) {
    String created = ageDays == null ? "NULL::TIMESTAMPTZ"
        : "TIMESTAMPTZ '" + D.minusDays(ageDays) + " 09:00:00+00'";
    return "(" + q(id) + ", " + q(email) + ", " + created + ")";
  }

  private void writeActivities(List<String> rows) {
    duck.execute("COPY (SELECT * FROM (VALUES " + String.join(", ", rows) + ") t(event_id,"
        + " event_date, activity_type, lead_id, email, account_id, url, campaign_id)) TO "
        + q(dir.resolve("activities.parquet").toString()) + " (FORMAT parquet)");
  }

  private void writeLeads(List<String> rows) {
    duck.execute("COPY (SELECT * FROM (VALUES " + String.join(", ", rows) + ") t(lead_id, email,"
        + " created_at)) TO " + q(dir.resolve("leads.parquet").toString()) + " (FORMAT parquet)");
  }

  private void writeScores(String file, String values) {
    duck.execute("COPY (SELECT * FROM (VALUES " + values + ") t(lead_id, engagement_score)) TO "
        + q(dir.resolve(file).toString()) + " (FORMAT parquet)");
  }

  private static String q(String s) {
    // Typed, or a column of nulls would be written as integers.
    return s == null ? "NULL::VARCHAR" : EngagementSql.literal(s);
  }
}

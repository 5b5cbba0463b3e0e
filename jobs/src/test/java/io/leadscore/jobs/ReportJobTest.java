package io.leadscore.jobs;

import static io.leadscore.common.Schemas.*;
import static io.leadscore.common.report.ReportAggregates.*;
import static io.leadscore.common.report.ReportAggregates.LEADS;
import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.leadscore.common.config.Model;
import io.leadscore.common.testing.SparkTestBase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Date;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report of data-samples scored on two dates (2026-11-19, then 2026-11-20), without
 * backtest or segment tables: the page parsed with jsoup, its figures and the report tables
 * checked against counts taken here from the scoring tables; then, with hand-made segment and
 * backtest tables, those sections drawn from them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReportJobTest extends SparkTestBase {
  static final LocalDate FIRST = LocalDate.of(2026, 7, 24);
  static final LocalDate PREV = LocalDate.of(2026, 11, 19);
  static final LocalDate D = LocalDate.of(2026, 11, 20);
  static final List<String> SECTIONS = List.of("headline", "distributions", "over-time",
      "top-accounts", "top-leads", "rules", "backtest", "segments", "rejects");

  @TempDir static Path dir;
  JobRuntime rt;
  Model model;
  JobResult ingest;
  JobResult report;
  Document page;
  List<Row> today;

  @BeforeAll
  void prepare() throws IOException {
    runBefore();
    rt = TestRuntimes.of(session(), TestRuntimes.dataSamples(dir, false));
    model = rt.loadModel();
    ingest = IngestJob.run(rt, FIRST, D);
    ScoreJob.run(rt, model, PREV, false);
    ScoreJob.run(rt, model, D, false);
    AccountsJob.run(rt, model, D);
    report = ReportJob.run(rt, model, D, List.of(ingest));
    page = Jsoup.parse(dir.resolve("reports/" + D + ".html").toFile(), "UTF-8");
    today = rt.store().read(T_LEAD_SCORE_HISTORY)
        .where(col(SCORE_DATE).equalTo(Date.valueOf(D))).collectAsList();
  }

  private Element section(String id) {
    Element s = page.getElementById(id);
    assertNotNull(s, "section #" + id);
    return s;
  }

  private long figure(String key) {
    Element f = page.selectFirst("[data-figure=" + key + "]");
    assertNotNull(f, "figure " + key);
    return Long.parseLong(f.attr("data-value"));
  }

  private List<Row> reportRows(String table) {
    return rt.store().read(table).where(col(SCORE_DATE).equalTo(Date.valueOf(D)))
        .collectAsList();
  }

  private long count(Dataset<Row> rows) {
    return rows.count();
  }

  @Test
  @Order(1)
  void everySectionIsThereWithItsExplanation() throws IOException {
    assertEquals("leadscore report " + D, page.title());
    for (String id : SECTIONS) {
      Element s = section(id);
      assertFalse(s.select("h2").text().isBlank(), id);
      Element explain = s.selectFirst("p.explain");
      assertNotNull(explain, id + " explanation");
      Assertions.assertTrue(explain.text().endsWith("."), id + ": one sentence, " + explain.text());
    }
    // Self-contained: nothing is loaded from elsewhere; ECharts is inlined.
    Assertions.assertTrue(page.select("script[src], link[href], img[src], iframe").isEmpty());
    Assertions.assertTrue(page.select("script").stream().anyMatch(s -> s.data().contains("echarts")
        && s.data().length() > 500_000), "ECharts inlined");
    byte[] dated = Files.readAllBytes(dir.resolve("reports/" + D + ".html"));
    assertArrayEquals(dated, Files.readAllBytes(dir.resolve("reports/latest.html")));
    assertEquals(dated.length, report.count(ReportJob.REPORT_BYTES));
  }

  @Test
  @Order(2)
  void headlineFiguresAreTheTablesCounts() {
    Dataset<Row> history = rt.store().read(T_LEAD_SCORE_HISTORY)
        .where(col(SCORE_DATE).equalTo(Date.valueOf(D)));
    long leads = count(history);
    assertEquals(303, leads);
    assertEquals(leads, figure("leads_scored"));
    assertEquals(count(history.where(col(STAGE).equalTo("mql"))), figure("mqls"));
    assertEquals(count(history.where(col(BAND).equalTo("hot"))), figure("hot_leads"));
    long newMqls = count(rt.store().read(T_SCORE_CHANGES)
        .where(col(SCORE_DATE).equalTo(Date.valueOf(D)).and(col(WHAT).equalTo("stage"))
            .and(col(TO).equalTo("mql"))));
    assertEquals(newMqls, figure("new_mqls"));
    assertEquals(count(rt.store().read(T_ACCOUNT_SCORE_HISTORY)
        .where(col(SCORE_DATE).equalTo(Date.valueOf(D)))), figure("accounts_scored"));
    assertEquals(51, figure("accounts_scored"));
    // One ingest run: its rejects are the whole rejects table.
    assertEquals(count(rt.store().read(T_ACTIVITIES_REJECTED)), figure("ingest_rejected"));
    assertEquals(ingest.count(IngestJob.DUPLICATES), figure("ingest_duplicates"));
    assertEquals(117, figure("ingest_rejected"));
    assertEquals(184, figure("ingest_duplicates"));
    Assertions.assertTrue(figure("mqls") > 0, "data-samples has mqls");
  }

  @Test
  @Order(3)
  void matrixAndDistributionsEqualCountsTakenHere() {
    Map<String, Long> byPriority = new TreeMap<>();
    long[] fit = new long[20];
    long[] engagement = new long[20];
    for (Row r : today) {
      byPriority.merge(r.getAs(PRIORITY), 1L, Long::sum);
      fit[Math.min(19, (int) Math.floor(r.<Double>getAs(FIT_SCORE) / 5))]++;
      engagement[Math.min(19, (int) Math.floor(r.<Double>getAs(ENGAGEMENT_SCORE) / 5))]++;
    }
    List<Element> cells = page.select("#priority-matrix td[data-priority]");
    assertEquals(12, cells.size());
    for (Element cell : cells) {
      long expected = byPriority.getOrDefault(cell.attr("data-priority"), 0L);
      assertEquals(expected, Long.parseLong(cell.attr("data-leads")), cell.attr("data-priority"));
    }
    for (Row r : reportRows(T_REPORT_PRIORITY)) {
      assertEquals(byPriority.getOrDefault(r.<String>getAs(PRIORITY), 0L), r.<Long>getAs(LEADS));
    }
    List<Row> dist = reportRows(T_REPORT_DISTRIBUTION);
    assertEquals(40, dist.size());
    for (Row r : dist) {
      long[] expected = FIT.equals(r.getAs(MEASURE)) ? fit : engagement;
      assertEquals(expected[r.<Integer>getAs(BUCKET)], r.<Long>getAs(LEADS),
          r.getAs(MEASURE) + " bucket " + r.getAs(BUCKET));
    }
  }

  @Test
  @Order(4)
  void reportTablesEqualCountsTakenHere() {
    // report_rules: leads with a non-zero contribution and the points, summed here.
    Map<String, long[]> leads = new TreeMap<>();
    Map<String, Double> points = new TreeMap<>();
    for (Row r : today) {
      Map<String, Double> c = scala.collection.JavaConverters.mapAsJavaMap(
          r.<scala.collection.Map<String, Double>>getAs(CONTRIBUTIONS));
      c.forEach((rule, p) -> {
        if (p != 0) {
          leads.computeIfAbsent(rule, k -> new long[1])[0]++;
          points.merge(rule, p, Double::sum);
        }
      });
    }
    List<Row> rules = reportRows(T_REPORT_RULES);
    assertEquals(leads.keySet(), new java.util.TreeSet<>(rules.stream()
        .map(r -> r.<String>getAs(RULE)).toList()));
    for (Row r : rules) {
      assertEquals(leads.get(r.<String>getAs(RULE))[0], r.<Long>getAs(LEADS), r.<String>getAs(RULE));
      assertEquals(points.get(r.<String>getAs(RULE)), r.<Double>getAs(TOTAL_POINTS), 0.006);
      Element row = page.selectFirst("#rules-table tr[data-rule=" + r.getAs(RULE) + "]");
      assertNotNull(row, "rule row " + r.getAs(RULE));
      assertEquals(String.valueOf(r.<Long>getAs(LEADS)), row.attr("data-leads"));
    }
    assertEquals("inactivity", rules.stream().filter(r -> "inactivity".equals(r.getAs(RULE)))
        .map(r -> r.<String>getAs(KIND)).findFirst().orElse("inactivity"));

    // report_trend: one row per scored date with its own counts.
    List<Row> trend = reportRows(T_REPORT_TREND);
    assertEquals(2, trend.size());
    for (Row r : trend) {
      Dataset<Row> h = rt.store().read(T_LEAD_SCORE_HISTORY)
          .where(col(SCORE_DATE).equalTo(r.<Date>getAs(DAY)));
      assertEquals(count(h), r.<Long>getAs(LEADS));
      assertEquals(count(h.where(col(STAGE).equalTo("mql"))), r.<Long>getAs(MQLS));
      assertEquals(count(h.where(col(BAND).equalTo("hot"))), r.<Long>getAs(HOT_LEADS));
    }

    // report_transitions: the stage changes of D by (from, to).
    Map<String, Long> changes = new TreeMap<>();
    for (Row r : rt.store().read(T_SCORE_CHANGES).where(col(SCORE_DATE).equalTo(
        Date.valueOf(D)).and(col(WHAT).equalTo("stage"))).collectAsList()) {
      changes.merge(r.getAs(FROM) + ">" + r.getAs(TO), 1L, Long::sum);
    }
    Map<String, Long> reported = new TreeMap<>();
    for (Row r : reportRows(T_REPORT_TRANSITIONS)) {
      if (r.<Date>getAs(DAY).toLocalDate().equals(D)) {
        reported.put(r.getAs(FROM) + ">" + r.getAs(TO), r.getAs(LEADS));
      }
    }
    assertEquals(changes, reported);

    // report_rejects: rejected rows by reason.
    Map<String, Long> reasons = new TreeMap<>();
    for (Row r : rt.store().read(T_ACTIVITIES_REJECTED).select(REASON).collectAsList()) {
      reasons.merge(r.getString(0), 1L, Long::sum);
    }
    Map<String, Long> reportedReasons = new TreeMap<>();
    for (Row r : reportRows(T_REPORT_REJECTS)) {
      reportedReasons.merge(r.getAs(REASON), r.<Long>getAs(ROWS), Long::sum);
    }
    assertEquals(reasons, reportedReasons);

    // report_top_leads: the 25 best by priority, engagement, fit, lead_id, sorted here.
    List<Row> sorted = new ArrayList<>(today);
    sorted.sort(java.util.Comparator.comparing((Row r) -> r.<String>getAs(PRIORITY))
        .thenComparing(r -> -r.<Double>getAs(ENGAGEMENT_SCORE))
        .thenComparing(r -> -r.<Double>getAs(FIT_SCORE))
        .thenComparing(r -> r.<String>getAs(LEAD_ID)));
    List<String> expected = sorted.subList(0, 25).stream().map(r -> r.<String>getAs(LEAD_ID))
        .toList();
    List<String> top = new ArrayList<>();
    reportRows(T_REPORT_TOP_LEADS).stream()
        .sorted(java.util.Comparator.comparing(r -> r.<Integer>getAs(RANK)))
        .forEach(r -> top.add(r.getAs(LEAD_ID)));
    assertEquals(expected, top);
    assertEquals(expected, page.select("#top-leads tr[data-lead]").eachAttr("data-lead"));
    assertEquals(25, page.select("#top-accounts tr[data-account]").size());

    // report_daily: one row, the headline.
    List<Row> daily = reportRows(T_REPORT_DAILY);
    assertEquals(1, daily.size());
    assertEquals(figure("new_mqls"), daily.get(0).<Long>getAs("new_mqls"));
    assertEquals(Date.valueOf(PREV), daily.get(0).getAs(PREVIOUS_SCORE_DATE));
  }

  @Test
  @Order(5)
  void sectionsWithoutDataSaySo() {
    Element backtest = section("backtest");
    assertEquals("absent", backtest.attr("data-state"));
    Assertions.assertTrue(backtest.select("p.absent").text().startsWith("No backtest has been run yet"));
    Assertions.assertTrue(backtest.select("[data-chart]").isEmpty());
    Element segments = section("segments");
    assertEquals("absent", segments.attr("data-state"));
    Assertions.assertTrue(segments.select("p.absent").text().startsWith("No segments have been computed"));
    assertEquals("present", section("top-accounts").attr("data-state"));
  }

  @Test
  @Order(6)
  void chartsHaveTheirData() throws IOException {
    JsonNode data = new ObjectMapper().readTree(page.getElementById("report-data").data());
    List<String> charts = page.select("[data-chart]").eachAttr("data-chart");
    assertEquals(List.of("fit", "engagement", "trend", "transitions", "rules", "rejects"), charts);
    for (String c : charts) {
      Assertions.assertTrue(data.has(c), "data for chart " + c);
    }
    assertEquals(List.of(PREV.toString(), D.toString()),
        List.of(data.get("trend").get("days").get(0).asText(),
            data.get("trend").get("days").get(1).asText()));
    long bars = 0;
    for (JsonNode v : data.get("fit").get("values")) {
      bars += v.asLong();
    }
    assertEquals(303, bars);
  }

  @Test
  @Order(7)
  void aRerunChangesNoReportTable() {
    Map<String, Long> before = new TreeMap<>();
    for (String t : TABLES) {
      if (rt.store().exists(t)) {
        before.put(t, (long) reportRows(t).size());
      }
    }
    ReportJob.run(rt, model, D, List.of(ingest));
    for (String t : before.keySet()) {
      assertEquals(before.get(t), (long) reportRows(t).size(), t);
    }
    assertEquals(1, reportRows(T_REPORT_DAILY).size());
  }

  /** Spells by hand: seg-a has L1 since PREV, L2 from PREV to D (left on D), L3 since D. */
  @Test
  @Order(8)
  void segmentsAndBacktestAreDrawnWhenTheirTablesExist() throws IOException {
    StructType spells = new StructType().add(SEGMENT, DataTypes.StringType)
        .add(LEAD_ID, DataTypes.StringType).add(ENTERED_ON, DataTypes.DateType)
        .add(EXITED_ON, DataTypes.DateType);
    Date prev = Date.valueOf(PREV);
    Date d = Date.valueOf(D);
    rt.store().overwrite(ReportSources.T_SEGMENT_MEMBERSHIP, session().createDataFrame(List.of(
        RowFactory.create("seg-a", "L1", prev, null),
        RowFactory.create("seg-a", "L2", prev, d),
        RowFactory.create("seg-a", "L3", d, null),
        RowFactory.create("seg-b", "L1", Date.valueOf("2026-11-01"), prev)), spells));
    rt.store().overwrite(ReportSources.T_BACKTEST_RUNS, session().sql(
        "select 'r1' as run_id, timestamp'2026-11-20 10:00:00' as started_at"));
    rt.store().overwrite(ReportSources.T_BACKTEST_METRICS, session().sql(
        "select 'r1' as run_id, 'model' as model_role, date'2026-09-01' as cutoff,"
            + " 0.812 as auc_combined, 2.5 as top_decile_lift, 0.1 as base_rate,"
            + " 300L as leads, 30L as conversions"));
    rt.store().overwrite(ReportSources.T_BACKTEST_BUCKETS, session().sql(
        "select 'r1' as run_id, 'model' as model_role, date'2026-09-01' as cutoff, dimension,"
            + " bucket, leads, conversions, conversions / leads as conversion_rate,"
            + " (conversions / leads) / 0.1 as lift from values"
            + " ('band', 'hot', 50L, 15L), ('band', 'cold', 250L, 15L),"
            + " ('grade', 'A', 100L, 20L), ('decile', '1', 30L, 9L), ('decile', '10', 30L, 1L)"
            + " as t(dimension, bucket, leads, conversions)"));
    ReportJob.run(rt, model, D, List.of(ingest));
    Document withAll = Jsoup.parse(dir.resolve("reports/" + D + ".html").toFile(), "UTF-8");

    Map<String, long[]> seg = new TreeMap<>();
    for (Row r : reportRows(T_REPORT_SEGMENTS)) {
      seg.put(r.getAs(SEGMENT) + " " + r.getAs(DAY), new long[] {r.<Long>getAs(SIZE),
          r.<Long>getAs(ADDED), r.<Long>getAs(REMOVED)});
    }
    assertArrayEquals(new long[] {2, 2, 0}, seg.get("seg-a " + PREV));
    assertArrayEquals(new long[] {2, 1, 1}, seg.get("seg-a " + D));
    assertArrayEquals(new long[] {0, 0, 1}, seg.get("seg-b " + PREV));
    assertArrayEquals(new long[] {0, 0, 0}, seg.get("seg-b " + D));
    assertEquals("present", withAll.getElementById("segments").attr("data-state"));
    assertEquals("present", withAll.getElementById("backtest").attr("data-state"));
    assertEquals("0.812", withAll.getElementById("backtest-auc").text());
    assertEquals(5, reportRows(T_REPORT_BACKTEST).size());
    JsonNode data = new ObjectMapper().readTree(withAll.getElementById("report-data").data());
    assertEquals("[\"1\",\"10\"]", data.get("backtest_decile").get("buckets").toString());
    assertEquals("[\"hot\",\"cold\"]", data.get("backtest_band").get("buckets").toString());
    Row daily = reportRows(T_REPORT_DAILY).get(0);
    assertEquals(0.812, daily.<Double>getAs("backtest_auc"), 1e-12);
    assertEquals(2L, daily.<Long>getAs("segments"));
  }
}

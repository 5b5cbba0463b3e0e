package io.leadscore.jobs;

import static io.leadscore.common.Schemas.*;
import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.*;

import io.leadscore.common.config.Model;
import io.leadscore.common.testing.SparkTestBase;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Date;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pipeline on data-samples/ with conf/model.conf: the expected counts, and the scores of
 * the three hand-written leads in the pinned.* files, worked out here by hand. The pipeline
 * runs once for the class; the tests that run jobs again come last.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PipelineEndToEndTest extends SparkTestBase {
  static final LocalDate FIRST = LocalDate.of(2026, 7, 24);
  static final LocalDate D = LocalDate.of(2026, 11, 20);
  static final double EPS = 1e-9;

  @TempDir static Path dir;

  private static JobRuntime rt;
  private static Model model;
  private static List<JobResult> results;

  /** The pipeline from FIRST to D, run once for the class. */
  private JobRuntime pipeline() {
    if (results == null) {
      JobRuntime runtime = runtime();
      model = runtime.loadModel();
      results = Main.pipeline(runtime, model, FIRST, D);
      rt = runtime;
    }
    return rt;
  }

  private JobRuntime runtime() {
    return TestRuntimes.of(session(), TestRuntimes.dataSamples(dir, true));
  }

  /** Non-blank lines of every landing file: what ingest must report as read. */
  private static long landingLines() {
    try (Stream<Path> files = Files.walk(TestRuntimes.repo().resolve("data-samples/activities"))) {
      // Spark skips hidden files (.x, _x) in input folders; so does this count.
      return files.filter(Files::isRegularFile)
          .filter(f -> !f.getFileName().toString().startsWith(".")
              && !f.getFileName().toString().startsWith("_"))
          .mapToLong(f -> {
        try (Stream<String> lines = Files.lines(f)) {
          return lines.filter(l -> !l.isBlank()).count();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }).sum();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Row lead(JobRuntime rt, String table, String leadId, LocalDate date) {
    List<Row> rows = rt.store().read(table)
        .where(col(LEAD_ID).equalTo(leadId).and(col(SCORE_DATE).equalTo(Date.valueOf(date))))
        .collectAsList();
    assertEquals(1, rows.size(), leadId + " on " + date);
    return rows.get(0);
  }

  private static List<String> reasons(Row r) {
    return r.<Row>getList(r.fieldIndex(TOP_REASONS)).stream()
        .map(x -> x.getString(0) + "=" + x.getDouble(1)).toList();
  }

  private static Map<String, Double> contributions(Row r) {
    return scala.collection.JavaConverters.mapAsJavaMap(
        r.<scala.collection.Map<String, Double>>getAs(CONTRIBUTIONS));
  }

  @Test
  @Order(1)
  void ingestReconcilesEveryLandingLine() {
    pipeline();
    JobResult ingest = results.get(0);
    long lines = landingLines();
    assertEquals(lines, ingest.count(IngestJob.ROWS_READ));
    assertEquals(20_015, lines);
    assertEquals(19_714, ingest.count(IngestJob.ACCEPTED));
    assertEquals(184, ingest.count(IngestJob.DUPLICATES));
    assertEquals(117, ingest.count(IngestJob.REJECTED));
    assertEquals(303, ingest.count("leads_keys"));
    assertEquals(51, ingest.count("accounts_keys"));
  }

  @Test
  @Order(2)
  void everyLeadAndAccountIsScored() {
    JobRuntime rt = pipeline();
    assertEquals(303, results.get(1).count(ScoreJob.LEADS_SCORED));
    assertEquals(303, rt.store().read(T_LEAD_SCORES).count());
    assertEquals(5, results.size(), "ingest, score, accounts, segments, report");
    assertEquals(51, results.get(2).count(AccountsJob.ACCOUNTS_SCORED));
  }

  @Test
  @Order(2)
  void theShippedSegmentsWriteTheirFiles() {
    pipeline();
    // The shipped segments produce their files (sizes from this data; see conf/segments.conf).
    JobResult segments = results.get(3);
    assertEquals(34, segments.count("segment.hot-mqls.members"));
    assertEquals(21, segments.count("segment.warm-nurture.members"));
    assertEquals(6, segments.count("segment.reactivate.members"));
    assertEquals(52, segments.count("segment.top-accounts-leads.members"));
    for (String segment : List.of("hot-mqls", "warm-nurture", "reactivate",
        "top-accounts-leads")) {
      for (String file : SegmentsJob.FILES) {
        Assertions.assertTrue(Files.isRegularFile(dir.resolve("exports/segment=" + segment
            + "/date=" + D + "/" + file)), segment + "/" + file);
      }
    }
  }

  @Test
  @Order(3)
  void p001AFintechHeadOfDataIsAnMql() {
    JobRuntime rt = pipeline();
    // P001: Head of Data at a 1,200-person fintech in the US: 25 + 20 + 25 + 10 = 80, A.
    // Pricing twice today, once a day: 10. Demo 30 days ago, half-life 60: 40 * 0.5^(30/60).
    // Opens: two on 11-10 (age 10, the limit) and one at 23:30 -02:00 on 11-10, which is
    // 01:30 UTC on 11-11 (age 9): 2 * 0.5^(10/30) + 0.5^(9/30). Read as a local date the
    // third open would fall on 11-10 over the limit and the lead would miss mql.
    Row p1 = lead(rt, T_LEAD_SCORES, "P001", D);
    double demo = 40 * Math.pow(0.5, 30 / 60.0);
    double opens = 2 * Math.pow(0.5, 10 / 30.0) + Math.pow(0.5, 9 / 30.0);
    assertEquals(Math.round((10 + demo + opens) * 100) / 100.0, p1.<Double>getAs(ENGAGEMENT_SCORE),
        EPS);
    assertEquals(40.68, p1.<Double>getAs(ENGAGEMENT_SCORE), EPS);
    assertEquals(80.0, p1.<Double>getAs(FIT_SCORE), EPS);
    assertEquals("A2", p1.getAs(PRIORITY));
    assertEquals("mql", p1.getAs(STAGE));
    assertEquals(List.of("demo-request=28.28", "decision-maker=25.0", "target-industry=25.0"),
        reasons(p1));
    assertEquals(2.4, contributions(p1).get("email-open"), EPS);
    assertEquals(Date.valueOf(D), p1.getAs(LAST_ACTIVITY_DATE));
    Assertions.assertTrue(p1.<Boolean>getAs(EMAILABLE));
  }

  @Test
  @Order(4)
  void p002AnUnsubscribedStudentOnFreeMailScoresZero() {
    JobRuntime rt = pipeline();
    // P002: a student on gmail, email-only activity. Fit -40 - 15 - 10 (no account) -> 0, D.
    // Download 111 days ago: 8 * 0.5^(111/30); unsubscribe -20 without decay; inactive for
    // 111 days: -10. Clamped to 0.
    Row p2 = lead(rt, T_LEAD_SCORES, "P002", D);
    assertNull(p2.getAs(ACCOUNT_ID));
    assertEquals(0.0, p2.<Double>getAs(FIT_SCORE), EPS);
    assertEquals(0.0, p2.<Double>getAs(ENGAGEMENT_SCORE), EPS);
    assertEquals("D3", p2.getAs(PRIORITY));
    assertEquals(Math.round(8 * Math.pow(0.5, 111 / 30.0) * 100) / 100.0,
        contributions(p2).get("content-download"), EPS);
    assertEquals(-10.0, contributions(p2).get("inactivity"), EPS);
    assertEquals(List.of("student=-40.0", "unsubscribe=-20.0", "free-email=-15.0"), reasons(p2));
    assertFalse(p2.<Boolean>getAs(EMAILABLE));
    assertEquals(Date.valueOf("2026-08-01"), p2.getAs(LAST_ACTIVITY_DATE));
  }

  @Test
  @Order(5)
  void p003ResolvedByDomainIsNurtured() {
    JobRuntime rt = pipeline();
    // P003: no account_id, resolved by domain to PA1. Fit 25 + 20 + 10 (engineer) + 10 (DE)
    // = 65, B. Webinar attended 45 days ago, half-life 45, counted once although replayed:
    // 7.5. Video at 90% yesterday: 8 * 0.5^(1/30); at 40%: nothing. Careers two days ago:
    // -10 * 0.5^(2/30).
    Row p3 = lead(rt, T_LEAD_SCORES, "P003", D);
    assertEquals("PA1", p3.getAs(ACCOUNT_ID));
    double p3Engagement = 7.5 + 8 * Math.pow(0.5, 1 / 30.0) - 10 * Math.pow(0.5, 2 / 30.0);
    assertEquals(Math.round(p3Engagement * 100) / 100.0, p3.<Double>getAs(ENGAGEMENT_SCORE),
        EPS);
    assertEquals(65.0, p3.<Double>getAs(FIT_SCORE), EPS);
    assertEquals("B3", p3.getAs(PRIORITY));
    assertEquals("nurture", p3.getAs(STAGE));
    assertEquals(List.of("target-industry=25.0", "mid-market=20.0", "core-market=10.0"),
        reasons(p3));
  }

  @Test
  @Order(6)
  void pa1IsScoredFromItsTwoLeads() {
    JobRuntime rt = pipeline();
    Row p1 = lead(rt, T_LEAD_SCORES, "P001", D);
    Row p3 = lead(rt, T_LEAD_SCORES, "P003", D);
    // PA1 (Pinned Fintech, 1,200 people): account fit = fintech 25 + mid-market 20 = 45, C
    // (the lead rules do not apply; no-account never matches an account). Its leads are
    // P001 (CRM account) and P003 (by domain). Engagement: the top 3 of (40.68, 5.77) with
    // the missing third counting 0, / 3 = 15.48, no account-level activity: cold. Engaged
    // (warm or better): P001 only, Head of Data -> champion: 1 of 3 personas. Best lead P001.
    Row pa1 = rt.store().read(T_ACCOUNT_SCORES).where(col(ACCOUNT_ID).equalTo("PA1")).first();
    assertEquals(45.0, pa1.<Double>getAs(FIT_SCORE), EPS);
    assertEquals("C", pa1.getAs(GRADE));
    double committee = (p1.<Double>getAs(ENGAGEMENT_SCORE) + p3.<Double>getAs(ENGAGEMENT_SCORE))
        / 3;
    assertEquals(15.48, committee, 0.005);
    assertEquals(Math.round(committee * 100) / 100.0, pa1.<Double>getAs(ENGAGEMENT_SCORE), EPS);
    assertEquals("cold", pa1.getAs(BAND));
    assertEquals(2L, pa1.<Long>getAs(LEADS_COUNT));
    assertEquals(1L, pa1.<Long>getAs(ENGAGED_LEADS));
    assertEquals(List.of("champion"), pa1.getList(pa1.fieldIndex(PERSONAS)));
    assertEquals(0.33, pa1.<Double>getAs(COMMITTEE_COVERAGE), EPS);
    assertEquals("P001", pa1.getAs(BEST_LEAD_ID));
    assertEquals("A2", pa1.getAs(BEST_LEAD_PRIORITY));
  }

  @Test
  @Order(10)
  void reScoringDLeavesTheTablesAsOneRunDid() {
    JobRuntime rt = pipeline();
    Map<String, List<Row>> before = IngestJobTest.snapshot(rt, T_LEAD_SCORES,
        T_LEAD_SCORE_HISTORY);
    ScoreJob.run(rt, model, D);
    assertEquals(before, IngestJobTest.snapshot(rt, T_LEAD_SCORES, T_LEAD_SCORE_HISTORY));
  }

  @Test
  @Order(11)
  void scoringAnEarlierDateIgnoresLaterActivitiesAndKeepsLeadScoresAtD() {
    JobRuntime rt = pipeline();
    ScoreJob.run(rt, model, D.minusDays(1));
    Row p1Before = lead(rt, T_LEAD_SCORE_HISTORY, "P001", D.minusDays(1));
    assertFalse(contributions(p1Before).containsKey("pricing-page"));
    assertEquals(Date.valueOf("2026-11-11"), p1Before.getAs(LAST_ACTIVITY_DATE));
    assertEquals(Date.valueOf(D), rt.store().read(T_LEAD_SCORES).agg(
        org.apache.spark.sql.functions.max(SCORE_DATE)).first().getDate(0));
  }
}

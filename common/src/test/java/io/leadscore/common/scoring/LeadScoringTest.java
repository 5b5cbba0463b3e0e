package io.leadscore.common.scoring;

import static io.leadscore.common.Schemas.*;
import static io.leadscore.common.scoring.ScoringFixtures.*;
import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Assertions;

import io.leadscore.common.config.Model;
import io.leadscore.common.testing.SparkTestBase;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/**
 * Lead scores against values worked out by hand from SPEC §4 with the model in
 * {@link ScoringFixtures#MODEL}: half-life 10 days (demo 20), lookback 30, inactivity -7
 * after 20 days, grades 75/50/25, bands 50/20. Score date D = 2026-11-20.
 */
class LeadScoringTest extends SparkTestBase {
  private static Map<String, Row> scores;

  private static final double EPS = 1e-9;

  private Map<String, Row> scores() {
    if (scores == null) {
      scores = compute(session());
    }
    return scores;
  }

  private static Map<String, Row> compute(SparkSession spark) {
    Model model = model();
    Dataset<Row> leads = leads(spark, List.of(
        lead("L1", "l1@example.org", "Engineer", null, "lead", true, "2026-01-01T00:00:00Z", null),
        lead("L2", "l2@acme.com", "VP Sales", "A1", "lead", true, "2026-01-01T00:00:00Z",
            "2026-11-06T00:00:00Z"),
        lead("L3", "kid@gmail.com", "Student", null, null, true, "2026-01-01T00:00:00Z", null),
        lead("L4", "l4@example.org", null, null, null, false, "2026-01-01T00:00:00Z", null),
        lead("L5", "l5@example.org", null, null, null, true, "2026-01-01T00:00:00Z", null),
        lead("L6", "l6@example.org", null, null, null, true, "2026-01-01T00:00:00Z", null),
        lead("L7", "l7@example.org", null, null, null, true, "2026-10-01T00:00:00Z", null),
        lead("L8", "l8@example.org", null, null, null, true, "2026-11-10T00:00:00Z", null),
        lead("L9", "l9@acme.com", "Director", "A1", "lead", true, "2026-01-01T00:00:00Z", null),
        lead("L10", "Bob@ACME.com ", "VP Marketing", null, null, true, "2026-01-01T00:00:00Z",
            null),
        lead("L11", "x@gmail.com", null, null, null, true, "2026-01-01T00:00:00Z", null),
        lead("L12", "l12@acme.com", "VP", "A1", "customer", true, "2026-01-01T00:00:00Z", null),
        lead("L13", "l13@example.org", null, null, null, true, "2026-01-01T00:00:00Z", null)));
    Dataset<Row> activities = activities(spark, List.of(
        // L1: decay at age 0, one and two half-lives: 10 + 5 + 2.5
        activity("e1", 0, "page_view", "L1", null, null, "https://x.com/home", null),
        activity("e2", 10, "page_view", "L1", null, null, "https://x.com/home", null),
        activity("e3", 20, "page_view", "L1", null, null, "https://x.com/home", null),
        // L2: pricing x3 today (visit rule does not match: no /home); opens over the limit
        activity("e10", 0, "page_view", "L2", null, null, "https://x.com/pricing", null),
        activity("e11", 0, "page_view", "L2", null, null, "https://x.com/pricing?a=1", null),
        activity("e12", 0, "page_view", "L2", null, null, "https://x.com/Pricing", null),
        activity("e13", 0, "email_open", "L2", null, null, null, null),
        activity("e14", 0, "email_open", "L2", null, null, null, null),
        activity("e15", 0, "email_open", "L2", null, null, null, null),
        activity("e16", 10, "email_open", "L2", null, null, null, null),
        activity("e17", 10, "email_open", "L2", null, null, null, null),
        activity("e18", 10, "email_open", "L2", null, null, null, null),
        activity("e19", 15, "email_bounce", "L2", null, null, null, null),
        // L3: careers x3 today (-18, capped to -10), unsubscribe 25 days ago without decay
        activity("e20", 0, "page_view", "L3", null, null, "https://x.com/careers", null),
        activity("e21", 0, "page_view", "L3", null, null, "https://x.com/careers/eng", null),
        activity("e22", 0, "page_view", "L3", null, null, "https://x.com/careers", null),
        activity("e23", 25, "email_unsubscribe", "L3", null, null, null, null),
        // L4: lookback boundary: age 29 counts, age 30 does not
        activity("e30", 29, "demo_request", "L4", null, null, null, null),
        activity("e31", 30, "demo_request", "L4", null, null, null, null),
        // L5, L6: inactivity edge (19 days: no penalty; 20 days: penalty)
        activity("e40", 19, "page_view", "L5", null, null, "https://x.com/home", null),
        activity("e41", 20, "page_view", "L6", null, null, "https://x.com/home", null),
        // L9: clamping at max; `when` on properties (80 matches, 50 and text do not)
        activity("e50", 0, "demo_request", "L9", null, null, null, null),
        activity("e51", 0, "demo_request", "L9", null, null, null, null),
        activity("e52", 0, "demo_request", "L9", null, null, null, null),
        activity("e53", 1, "video_view", "L9", null, null, null, Map.of("pct", "80")),
        activity("e54", 1, "video_view", "L9", null, null, null, Map.of("pct", "50")),
        activity("e55", 1, "video_view", "L9", null, null, null, Map.of("pct", "lots")),
        // L10: email-only identity, trimmed and case-insensitive
        activity("e60", 0, "demo_request", null, "  bob@acme.COM\t", null, null, null),
        // A present lead_id decides even when the lead does not exist: counts for nobody
        activity("e61", 0, "demo_request", "L404", "l1@example.org", null, null, null),
        // L12: CRM customer wins over a qualifying score
        activity("e70", 0, "demo_request", "L12", null, null, null, null),
        // L13: rounding half-up at a band threshold: 19.995 -> 20.00 -> warm
        activity("e80", 3, "form_submit", "L13", null, null, null, null),
        // After D: ignored
        activity("e90", -1, "demo_request", "L1", null, null, null, null)));

    // The production path: counts by raw identity, the rows a score as of D reads, resolved.
    Dataset<Row> resolved = DailyCounts.resolve(leads,
        DailyCounts.byIdentity(model, activities).where(DailyCounts.neededAsOf(model, D)));
    Dataset<Row> daily = DailyCounts.perSubject(resolved);
    Dataset<Row> result = LeadScoring.score(model, D, new LeadScoring.Inputs(
        leads, accounts(spark),
        LeadScoring.activity(Engagement.score(model, D, DailyCounts.LEAD, daily),
            Engagement.lastActivity(D, DailyCounts.LEAD, daily),
            LeadScoring.optOuts(D, resolved)),
        spark.createDataFrame(List.of(), LeadScoring.PREVIOUS_SCHEMA)));
    Map<String, Row> byLead = new HashMap<>();
    for (Row r : result.collectAsList()) {
      assertNull(byLead.put(r.getAs(LEAD_ID), r), "one row per lead");
    }
    return byLead;
  }

  private double engagement(String lead) {
    return scores().get(lead).<Double>getAs(ENGAGEMENT_SCORE);
  }

  private double fit(String lead) {
    return scores().get(lead).<Double>getAs(FIT_SCORE);
  }

  private String col(String lead, String column) {
    return scores().get(lead).getAs(column);
  }

  private Map<String, Double> contributions(String lead) {
    return scala.collection.JavaConverters.mapAsJavaMap(
        scores().get(lead).<scala.collection.Map<String, Double>>getAs(CONTRIBUTIONS));
  }

  private List<String> reasons(String lead) {
    List<Row> rows = scores().get(lead).getList(scores().get(lead).fieldIndex(TOP_REASONS));
    return rows.stream().map(r -> r.getString(0) + "=" + r.getDouble(1)).toList();
  }

  @Test
  void everyLeadGetsExactlyOneRow() {
    assertEquals(13, scores().size());
  }

  @Test
  void decayAtAgeZeroOneAndTwoHalfLives() {
    // 10 * 0.5^0 + 10 * 0.5^1 + 10 * 0.5^2; the event after D is ignored
    assertEquals(17.5, engagement("L1"), EPS);
    assertEquals("cold", col("L1", BAND));
    assertEquals(java.sql.Date.valueOf("2026-11-20"), scores().get("L1").getAs(LAST_ACTIVITY_DATE));
  }

  @Test
  void perDayLimitAndPositiveCap() {
    // pricing: 3 views today, max 1 a day: 8. opens: min(3,2)*2 = 4 today, min(3,2)*2*0.5 = 2
    // ten days ago: 6, capped at 5. Total 13.
    assertEquals(Map.of("pricing", 8.0, "open", 5.0, "industry", 40.0, "size", 30.0,
        "title", 20.0), contributions("L2"));
    assertEquals(13.0, engagement("L2"), EPS);
    assertEquals(90.0, fit("L2"), EPS);
    assertEquals("A", col("L2", GRADE));
    assertEquals("A3", col("L2", PRIORITY));
    assertEquals("nurture", col("L2", STAGE));
    // the bounce (15 days ago) predates updated_at (14 days ago): still emailable
    Assertions.assertTrue(scores().get("L2").<Boolean>getAs(EMAILABLE));
    assertEquals(List.of("industry=40.0", "size=30.0", "title=20.0"), reasons("L2"));
  }

  @Test
  void negativeCapNoDecayAndClampAtZero() {
    // careers: 3 * -6 = -18, capped at -10; unsubscribe -20 without decay: -30 -> 0
    assertEquals(-10.0, contributions("L3").get("careers"), EPS);
    assertEquals(-20.0, contributions("L3").get("unsub"), EPS);
    assertEquals(0.0, engagement("L3"), EPS);
    // student -50, free mail -10: clamped to 0, grade D; gmail.com never resolves an account
    assertEquals(0.0, fit("L3"), EPS);
    assertEquals("D3", col("L3", PRIORITY));
    assertNull(col("L3", ACCOUNT_ID));
    assertFalse(scores().get("L3").<Boolean>getAs(EMAILABLE), "unsubscribed");
    assertEquals(List.of("student=-50.0", "unsub=-20.0", "careers=-10.0"), reasons("L3"));
  }

  @Test
  void lookbackBoundaryAndInactivity() {
    // age 29 counts: 40 * 0.5^(29/20) = 14.6408...; age 30 does not; inactive 29 days: -7
    assertEquals(14.64, contributions("L4").get("demo"), EPS);
    assertEquals(7.64, engagement("L4"), EPS);
    assertEquals(-7.0, contributions("L4").get("inactivity"), EPS);
    assertFalse(scores().get("L4").<Boolean>getAs(EMAILABLE), "never opted in");
  }

  @Test
  void inactivityEdge() {
    // 19 days: 10 * 0.5^1.9 = 2.6794..., no penalty
    assertEquals(2.68, engagement("L5"), EPS);
    assertFalse(contributions("L5").containsKey("inactivity"));
    // 20 days: 10 * 0.25 - 7 = -4.5 -> 0
    assertEquals(0.0, engagement("L6"), EPS);
    assertEquals(-7.0, contributions("L6").get("inactivity"), EPS);
    // no activity at all: the creation date decides (50 days: penalty; 10 days: none)
    assertEquals(List.of("inactivity=-7.0"), reasons("L7"));
    assertNull(scores().get("L7").getAs(LAST_ACTIVITY_DATE));
    assertEquals(List.of(), reasons("L8"));
  }

  @Test
  void clampAtMaxWhenConditionAndPriority() {
    // 3 demos today: 120, + video at 80% (decay off): 5 -> 125, clamped to 100
    assertEquals(5.0, contributions("L9").get("video"), EPS);
    assertEquals(100.0, engagement("L9"), EPS);
    // software 40 + 500 employees 30 = 70: B; hot: B1; B qualifies with 100 >= 40: mql
    assertEquals("B1", col("L9", PRIORITY));
    assertEquals("mql", col("L9", STAGE));
  }

  @Test
  void emailOnlyIdentityAndDomainMatchedAccount() {
    assertEquals(40.0, engagement("L10"), EPS);
    assertEquals("A1", col("L10", ACCOUNT_ID));
    // 40 + 30 + 20 (VP) = 90: A; 40 warm: A2; qualifies: mql
    assertEquals("A2", col("L10", PRIORITY));
    assertEquals("mql", col("L10", STAGE));
    // the L404 row carried L1's email, but a present lead_id decides
    assertEquals(17.5, engagement("L1"), EPS);
  }

  @Test
  void freeMailLeadIsNotMatchedToAnAccount() {
    assertNull(col("L11", ACCOUNT_ID));
    assertEquals(0.0, fit("L11"), EPS);
  }

  @Test
  void crmStageWins() {
    assertEquals("customer", col("L12", STAGE));
  }

  @Test
  void roundingHalfUpAtABandThreshold() {
    assertEquals(20.0, engagement("L13"), EPS);
    assertEquals("warm", col("L13", BAND));
    assertEquals("test-v1", col("L13", MODEL_VERSION));
  }
}

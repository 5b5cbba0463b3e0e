package io.leadscore.common.scoring;

import static io.leadscore.common.Schemas.*;
import static io.leadscore.common.scoring.ScoringFixtures.*;
import static org.junit.jupiter.api.Assertions.*;

import com.typesafe.config.ConfigFactory;
import io.leadscore.common.config.Model;
import io.leadscore.common.testing.SparkTestBase;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import scala.collection.JavaConverters;

/**
 * One account worked out by hand (SPEC §4, §8.9) with {@link ScoringFixtures#MODEL}, but
 * top-leads = 2 and three personas. Score date D = 2026-11-20.
 *
 * <pre>
 * A1 acme.com, software, 500 employees: fit = industry 40 + size 30 = 70 -> B
 *   (the lead rules title, student and freemail do not apply to an account)
 *   K1 VP Sales,     account_id A1:  demo today 40 + visit today 10        = 50 hot
 *   K2 VP Marketing, k2@acme.com:    visit 10 + visit 10 days ago 5 + pricing 8 = 23 warm
 *   K3 Director,     account_id A1:  visit 10 days ago                      =  5 cold
 *   K4 Engineer,     k4@gmail.com:   demo today 40, hot, but free mail: joins no account
 *   top 2 of 50, 23, 5: (50 + 23) / 2 = 36.5
 *   account-level: a demo 20 days ago (demo half-life 20) 40 * 0.5 = 20,
 *                  3 opens today, 2 per day at 2 points = 4 (cap 5)   -> 24
 *   engagement = 36.5 + 24 = 60.5 -> hot
 *   engaged (warm or better): K1, K2; personas of engaged leads: economic-buyer (twice)
 *   -> personas_covered 1 of 3 = 0.33; best lead K1 (fit 90 A, hot: A1)
 * A2 shop.com, retail, 50 employees: fit 0 -> D
 *   K5 Manager, account_id A2: visit today 10 cold; the missing second lead counts 0:
 *   engagement (10 + 0) / 2 = 5 -> cold; no engaged lead, no persona
 * A3 gmail.com (a squatter): fit 70, no leads (K4 must not join it), engagement 0
 * A9: account-level activity for an account not in the accounts table: no row
 * </pre>
 */
class AccountScoringTest extends SparkTestBase {
  private static final double EPS = 1e-9;

  static Model accountModel() {
    String text = MODEL.replace(
        "{ name = freemail, field = lead.email_domain, in-list = free-mail, points = -10 }",
        """
        { name = freemail, field = lead.email_domain, in-list = free-mail, points = -10 }
        { name = revenue,  when = "account.annual_revenue >= 5e6", points = 0 }
        { name = lead-when, when = "lead.country = 'US' and account.industry is not null", points = 0 }
        """).replace("accounts { top-leads = 3, engaged-band = warm, personas = [] }",
        """
        accounts {
          top-leads = 2
          engaged-band = warm
          personas = [
            { name = economic-buyer, matches = "(?i)\\\\bvp\\\\b" }
            { name = champion,       matches = "(?i)director|manager" }
            { name = practitioner,   matches = "(?i)engineer" }
          ]
        }""");
    assertNotEquals(MODEL, text, "the fixture's accounts block moved");
    return loader().fromConfig(ConfigFactory.parseString(text), "account-model.conf");
  }

  private static Map<String, Row> compute(SparkSession spark) {
    Model model = accountModel();
    Dataset<Row> leads = leads(spark, List.of(
        lead("K1", "k1@acme.com", "VP Sales", "A1", "lead", true, "2026-01-01T00:00:00Z", null),
        lead("K2", "k2@acme.com", "VP Marketing", null, null, true, "2026-01-01T00:00:00Z",
            null),
        lead("K3", "k3@acme.com", "Director", "A1", null, true, "2026-01-01T00:00:00Z", null),
        lead("K4", "k4@gmail.com", "Engineer", null, null, true, "2026-01-01T00:00:00Z", null),
        lead("K5", "k5@shop.com", "Manager", "A2", null, true, "2026-01-01T00:00:00Z", null)));
    String home = "https://x.com/home";
    Dataset<Row> activities = activities(spark, List.of(
        activity("e1", 0, "demo_request", "K1", null, null, null, null),
        activity("e2", 0, "page_view", "K1", null, null, home, null),
        activity("e3", 0, "page_view", "K2", null, null, home, null),
        activity("e4", 10, "page_view", "K2", null, null, home, null),
        activity("e5", 0, "page_view", "K2", null, null, "https://x.com/pricing", null),
        activity("e6", 10, "page_view", "K3", null, null, home, null),
        activity("e7", 0, "demo_request", "K4", null, null, null, null),
        activity("e8", 0, "page_view", "K5", null, null, home, null),
        activity("a1", 20, "demo_request", null, null, "A1", null, null),
        activity("a2", 0, "email_open", null, null, "A1", null, null),
        activity("a3", 0, "email_open", null, null, "A1", null, null),
        activity("a4", 0, "email_open", null, null, "A1", null, null),
        activity("a9", 0, "demo_request", null, null, "A9", null, null)));
    Dataset<Row> accounts = accounts(spark);

    Dataset<Row> resolved = DailyCounts.resolve(leads,
        DailyCounts.byIdentity(model, activities).where(DailyCounts.neededAsOf(model, D)));
    Dataset<Row> daily = DailyCounts.perSubject(resolved);
    Dataset<Row> leadScores = LeadScoring.score(model, D, new LeadScoring.Inputs(
        leads, accounts,
        LeadScoring.activity(Engagement.score(model, D, DailyCounts.LEAD, daily),
            Engagement.lastActivity(D, DailyCounts.LEAD, daily),
            LeadScoring.optOuts(D, resolved)),
        spark.createDataFrame(List.of(), LeadScoring.PREVIOUS_SCHEMA)));
    Dataset<Row> result = AccountScoring.score(model, D, new AccountScoring.Inputs(
        accounts, leadScores, Engagement.score(model, D, DailyCounts.ACCOUNT, daily)));
    Map<String, Row> byAccount = new HashMap<>();
    for (Row r : result.collectAsList()) {
      assertNull(byAccount.put(r.getAs(ACCOUNT_ID), r), "one row per account");
    }
    return byAccount;
  }

  @Test
  void committeeEngagementPersonasAndBestLead() {
    Map<String, Row> accounts = compute(session());
    assertEquals(3, accounts.size(), "A9 is not in the accounts table");

    Row a1 = accounts.get("A1");
    assertEquals(70.0, a1.<Double>getAs(FIT_SCORE), EPS);
    assertEquals("B", a1.getAs(GRADE));
    assertEquals(36.5, a1.<Double>getAs(LEAD_ENGAGEMENT), EPS);
    assertEquals(24.0, a1.<Double>getAs(ACTIVITY_ENGAGEMENT), EPS);
    assertEquals(60.5, a1.<Double>getAs(ENGAGEMENT_SCORE), EPS);
    assertEquals("hot", a1.getAs(BAND));
    assertEquals(3L, a1.<Long>getAs(LEADS_COUNT));
    assertEquals(2L, a1.<Long>getAs(ENGAGED_LEADS));
    assertEquals(1, a1.<Integer>getAs(PERSONAS_COVERED));
    assertEquals(List.of("economic-buyer"), a1.getList(a1.fieldIndex(PERSONAS)));
    assertEquals(0.33, a1.<Double>getAs(COMMITTEE_COVERAGE), EPS);
    assertEquals("K1", a1.getAs(BEST_LEAD_ID));
    assertEquals("A1", a1.getAs(BEST_LEAD_PRIORITY));
    assertEquals(Map.of("demo", 20.0, "open", 4.0), JavaConverters.mapAsJavaMap(
        a1.<scala.collection.Map<String, Double>>getAs(ACTIVITY_CONTRIBUTIONS)));
    assertEquals("test-v1", a1.getAs(MODEL_VERSION));
    assertEquals(java.sql.Date.valueOf(D), a1.getAs(SCORE_DATE));

    Row a2 = accounts.get("A2");
    assertEquals(0.0, a2.<Double>getAs(FIT_SCORE), EPS);
    assertEquals("D", a2.getAs(GRADE));
    assertEquals(5.0, a2.<Double>getAs(ENGAGEMENT_SCORE), EPS);
    assertEquals("cold", a2.getAs(BAND));
    assertEquals(1L, a2.<Long>getAs(LEADS_COUNT));
    assertEquals(0L, a2.<Long>getAs(ENGAGED_LEADS));
    assertEquals(0, a2.<Integer>getAs(PERSONAS_COVERED));
    assertEquals(0.0, a2.<Double>getAs(COMMITTEE_COVERAGE), EPS);
    assertEquals("K5", a2.getAs(BEST_LEAD_ID));
    assertEquals("D3", a2.getAs(BEST_LEAD_PRIORITY));

    Row a3 = accounts.get("A3");
    assertEquals(70.0, a3.<Double>getAs(FIT_SCORE), EPS);
    assertEquals(0L, a3.<Long>getAs(LEADS_COUNT), "a free-mail lead never joins by domain");
    assertEquals(0.0, a3.<Double>getAs(ENGAGEMENT_SCORE), EPS);
    assertNull(a3.getAs(BEST_LEAD_ID));
    assertTrue(a3.getList(a3.fieldIndex(PERSONAS)).isEmpty());
  }

  @Test
  void leadRulesAreLeftOutOfAccountFit() {
    // A `when` over account.* alone applies to accounts; one that reads lead.* does not.
    Model model = accountModel();
    List<String> names = AccountScoring.accountRules(model, accounts(session())).stream()
        .map(Model.FitRule::name).toList();
    assertEquals(List.of("industry", "size", "revenue"), names);
  }
}

package io.leadscore.common.backtest;

import static io.leadscore.common.Schemas.*;
import static org.junit.jupiter.api.Assertions.*;

import com.typesafe.config.ConfigFactory;
import io.leadscore.common.backtest.Calibration.Feature;
import io.leadscore.common.backtest.Calibration.Fitted;
import io.leadscore.common.backtest.Calibration.Kind;
import io.leadscore.common.config.Model;
import io.leadscore.common.config.ModelLoader;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The suggested model: rescaled points, kept rules, new candidate rules, loadable HOCON. */
class SuggestedModelTest {
  static final String MODEL = """
      leadscore.model {
        version = "v1"
        engagement {
          half-life-days = 30, lookback-days = 365, max = 100
          rules = [
            { name = pricing, types = [page_view], url-contains = "/pricing", points = 10, max-per-day = 1 }
            { name = open, types = [email_open], points = 2, cap = 10 }
            { name = video, types = [video_view], when = "cast(properties['pct'] as int) >= 75", points = 8, half-life-days = 60, decay = false }
          ]
          inactivity { days = 90, points = -10 }
        }
        fit {
          max = 100
          rules = [
            { name = vp, field = lead.job_title, matches = "(?i)\\\\bvp\\\\b", points = 30 }
            { name = size, field = account.employee_count, between = [200, 5000], points = 20 }
            { name = free, field = lead.email_domain, in-list = free-mail, points = -10 }
          ]
          grades { A = 75, B = 50, C = 25 }
        }
        bands { hot = 50, warm = 20 }
        lifecycle { mql { grades = [A, B], min-engagement = 40 }, recycle-below = 15 }
        accounts { top-leads = 3, engaged-band = warm, personas = [ { name = boss, matches = "(?i)chief" } ] }
        lists { free-mail = [gmail.com] }
      }
      """;

  private static ModelLoader loader() {
    List<String> leadFields = new ArrayList<>(List.of(LEADS.fieldNames()));
    leadFields.add(EMAIL_DOMAIN);
    return new ModelLoader(List.of("page_view", "email_open", "video_view"), leadFields,
        List.of(ACCOUNTS.fieldNames()));
  }

  @Test
  void pointsAreRescaledRulesKeptAndCandidatesAdded() {
    Model current = loader().fromConfig(ConfigFactory.parseString(MODEL), "model.conf");
    List<Feature> features = List.of(
        new Feature(Kind.ENGAGEMENT, "pricing", null, null),
        new Feature(Kind.ENGAGEMENT, "open", null, null),
        new Feature(Kind.ENGAGEMENT, "video", null, null),
        new Feature(Kind.INACTIVITY, "inactivity", null, null),
        new Feature(Kind.FIT, "vp", null, null),
        new Feature(Kind.FIT, "size", null, null),
        new Feature(Kind.FIT, "free", null, null),
        new Feature(Kind.CANDIDATE, null, "account.industry", "software"),
        new Feature(Kind.CANDIDATE, null, "lead.country", "de"));
    // Existing rules' |points| add up to 10 + 2 + 8 + 10 + 30 + 20 + 10 = 90 and the
    // coefficients' to 0.5 + 0 + 0.1 + 0.2 + 0.6 + 0.3 + 0.1 = 1.8: k = 50.
    double[] coefficients = {0.5, 0.0, 0.1, -0.2, 0.6, 0.3, -0.1, 0.4, 0.0001};
    Fitted fitted = new Fitted(features, coefficients, -3.0, null);
    SuggestedModel.Suggestion s = SuggestedModel.suggest(current, fitted,
        LocalDate.of(2026, 9, 1), 30);
    assertEquals(50.0, s.scale(), 1e-9);

    Model suggested = loader().fromConfig(ConfigFactory.parseString(s.hocon()),
        "suggested.conf");
    assertEquals("v1-calibrated-2026-09-01", suggested.version());
    assertEquals(25.0, rule(suggested, "pricing").points());
    assertEquals(0.0, rule(suggested, "open").points(), "lost all weight, kept");
    assertTrue(rule(suggested, "open").cap().isEmpty(), "a rule at 0 needs no cap");
    assertEquals(5.0, rule(suggested, "video").points());
    assertEquals(60.0, rule(suggested, "video").halfLifeDays());
    assertFalse(rule(suggested, "video").decay());
    assertEquals(rule(current, "video").when(), rule(suggested, "video").when());
    assertEquals(-10.0, suggested.engagement().inactivity().orElseThrow().points());
    assertEquals(30.0, fit(suggested, "vp").points());
    assertEquals(15.0, fit(suggested, "size").points());
    assertEquals(List.of("200.0", "5000.0"), fit(suggested, "size").values());
    assertEquals(-5.0, fit(suggested, "free").points());
    assertEquals(current.fit().rules().get(0).values(), fit(suggested, "vp").values());
    // The candidate that earns points becomes a rule; the one at 0.005 points does not.
    Model.FitRule software = fit(suggested, "account-industry-software");
    assertEquals(20.0, software.points());
    assertEquals(List.of("software"), software.values());
    assertEquals(4, suggested.fit().rules().size());
    assertTrue(s.hocon().contains("# calibrate: lost all weight, was 2"), s.hocon());
    assertEquals(current.lists(), suggested.lists());
    assertEquals(current.accounts(), suggested.accounts());
    assertEquals(current.lifecycle(), suggested.lifecycle());
  }

  private static Model.EngagementRule rule(Model m, String name) {
    return m.engagement().rules().stream().filter(r -> r.name().equals(name)).findFirst()
        .orElseThrow();
  }

  private static Model.FitRule fit(Model m, String name) {
    return m.fit().rules().stream().filter(r -> r.name().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no fit rule " + name));
  }
}

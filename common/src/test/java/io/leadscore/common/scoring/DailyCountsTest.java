package io.leadscore.common.scoring;

import static io.leadscore.common.Schemas.*;
import static io.leadscore.common.scoring.ScoringFixtures.*;
import static org.junit.jupiter.api.Assertions.*;

import io.leadscore.common.testing.SparkTestBase;
import java.sql.Date;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.Test;
import scala.collection.JavaConverters;

/**
 * {@link DailyCounts#byIdentity}, the rows of activity_daily, worked out by hand with the
 * rules of {@link ScoringFixtures#MODEL} (visit: page_view on /home; pricing: page_view on
 * /PRICING; open; unsub; demo; video: a {@code when} on properties['pct'] &gt;= 75).
 */
class DailyCountsTest extends SparkTestBase {
  static final LocalDate YESTERDAY = D.minusDays(1);

  private static Row at(String eventId, String time, LocalDate day, String type, String leadId,
      String email, String accountId, String url, Map<String, String> properties) {
    return RowFactory.create(eventId, ts(day + "T" + time + "Z"), Date.valueOf(day), type,
        leadId, email, accountId, url, null,
        properties == null ? null : JavaConverters.mapAsScalaMap(new java.util.HashMap<>(
            properties)), null, "fixture", "run-0");
  }

  private static String row(String leadId, String emailKey, String accountId, String rule,
      LocalDate day, long n, String lastOccurredAt) {
    return leadId + "|" + emailKey + "|" + accountId + "|" + rule + "|" + day + "|" + n + "|"
        + (lastOccurredAt == null ? null : ts(lastOccurredAt));
  }

  @Test
  void eachIdentityAndDayHasARowPerMatchedRuleAndTheOptOutsLatestTime() {
    List<Row> activities = List.of(
        // One view matches two rules; every activity counts once for '*'.
        at("e1", "09:00:00", D, "page_view", " L1 ", null, null, "https://x.com/Home/PRICING",
            null),
        at("e2", "10:00:00", D, "page_view", "L1", "ignored@x.com", "A1", "/home", null),
        at("e3", "11:00:00", D, "video_view", "L1", null, null, null, Map.of("pct", "80")),
        at("e4", "12:00:00", D, "video_view", "L1", null, null, null, Map.of("pct", "10")),
        // No lead_id: the normalised email is the identity.
        at("e5", "09:00:00", D, "email_open", "  ", " A@X.com ", null, null, null),
        // Two opt-outs in a day (only the unsubscribe is a rule): the latest time is kept.
        at("e6", "15:00:00", D, "email_bounce", "L2", null, null, null, null),
        at("e7", "09:00:00", D, "email_unsubscribe", "L2", null, null, null, null),
        // Account-level: neither lead_id nor email.
        at("e8", "09:00:00", YESTERDAY, "demo_request", null, null, " A1 ", null, null),
        // Nobody: dropped.
        at("e9", "09:00:00", YESTERDAY, "demo_request", " ", "", null, null, null));

    List<String> actual = new ArrayList<>();
    for (Row r : DailyCounts.byIdentity(model(), activities(session(), activities))
        .collectAsList()) {
      actual.add(r.getString(0) + "|" + r.getString(1) + "|" + r.getString(2) + "|"
          + r.getString(3) + "|" + r.getDate(4).toLocalDate() + "|" + r.getLong(5) + "|"
          + r.getTimestamp(6));
    }
    actual.sort(null);
    List<String> expected = new ArrayList<>(List.of(
        row("L1", null, null, "*", D, 4, null),
        row("L1", null, null, "visit", D, 2, null),
        row("L1", null, null, "pricing", D, 1, null),
        row("L1", null, null, "video", D, 1, null),
        row(null, "a@x.com", null, "*", D, 1, null),
        row(null, "a@x.com", null, "open", D, 1, null),
        row("L2", null, null, "*", D, 2, null),
        row("L2", null, null, "*opt-out", D, 2, D + "T15:00:00Z"),
        row("L2", null, null, "unsub", D, 1, null),
        row(null, null, "A1", "*", YESTERDAY, 1, null),
        row(null, null, "A1", "demo", YESTERDAY, 1, null)));
    expected.sort(null);
    assertEquals(expected, actual);
    assertEquals(List.of(ACTIVITY_DAILY.fieldNames()), List.of(
        DailyCounts.byIdentity(model(), activities(session(), activities)).columns()));
  }
}

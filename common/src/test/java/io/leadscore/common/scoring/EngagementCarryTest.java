package io.leadscore.common.scoring;

import static io.leadscore.common.Schemas.*;
import static io.leadscore.common.scoring.ScoringFixtures.*;
import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.*;

import io.leadscore.common.config.Model;
import io.leadscore.common.testing.SparkTestBase;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/**
 * The carry of engagement_state (decay, leave, enter) against values worked out by hand,
 * with the rules of {@link ScoringFixtures#MODEL}: open (half-life 10, at most 2 a day),
 * demo (half-life 20), unsub (no decay); lookback 30. Carried from S to S + 10.
 */
class EngagementCarryTest extends SparkTestBase {
  static final LocalDate S = LocalDate.of(2026, 11, 1);
  static final LocalDate TO = S.plusDays(10);
  static final double EPS = 1e-9;

  static final StructType RESOLVED = new StructType()
      .add(DailyCounts.SUBJECT_KIND, DataTypes.StringType)
      .add(DailyCounts.SUBJECT_ID, DataTypes.StringType)
      .add(DailyCounts.RULE, DataTypes.StringType)
      .add(EVENT_DATE, DataTypes.DateType)
      .add(DailyCounts.N, DataTypes.LongType)
      .add(LAST_OCCURRED_AT, DataTypes.TimestampType);

  /** A state row with only sums: rule, decayed count, days, rule, ... */
  private static Row sums(String lead, Object... ruleDecayedDays) {
    Map<String, Row> sums = new HashMap<>();
    for (int i = 0; i < ruleDecayedDays.length; i += 3) {
      sums.put((String) ruleDecayedDays[i],
          RowFactory.create(ruleDecayedDays[i + 1], ruleDecayedDays[i + 2]));
    }
    return RowFactory.create(lead, sums, null, null);
  }

  private static Row latest(String lead, LocalDate lastEvent, Timestamp lastOptOut) {
    return RowFactory.create(lead, Map.of(), lastEvent == null ? null : Date.valueOf(lastEvent),
        lastOptOut);
  }

  /** A lead's sum of a rule in a state row: (decayed_count, days), or null without one. */
  private static Row sumOf(Row state, String rule) {
    return state.<String, Row>getJavaMap(1).get(rule);
  }

  private static Row daily(String lead, String rule, LocalDate day, long n) {
    return RowFactory.create(DailyCounts.LEAD, lead, rule, Date.valueOf(day), n, null);
  }

  private static double pow(double exponent) {
    return Math.pow(0.5, exponent);
  }

  /** The carried rows by lead. */
  private Map<String, Row> carry(List<Row> state, List<Row> before, List<Row> now,
      Set<LocalDate> rewritten) {
    Model model = model();
    CarryPlan plan = CarryPlan.of(S, TO, model.engagement().lookbackDays(), rewritten);
    Dataset<Row> rows = EngagementCarry.carried(model, plan,
        session().createDataFrame(state, EngagementCarry.SCHEMA),
        session().createDataFrame(before, RESOLVED), session().createDataFrame(now, RESOLVED));
    Map<String, Row> out = new HashMap<>();
    for (Row r : rows.collectAsList()) {
      assertNull(out.put(r.getString(0), r), "one row per lead");
    }
    return out;
  }

  @Test
  void decayMultipliesEverySumByTheDecayOfTheDaysBetween() {
    Row l1 = carry(List.of(sums("L1",
        "open", 2.0, 1L,     // half-life 10: ten days halve it
        "demo", 1.0, 1L,     // half-life 20: 0.5^0.5
        "unsub", 1.0, 1L)),  // no decay
        List.of(), List.of(), Set.of()).get("L1");
    assertEquals(1.0, sumOf(l1, "open").getDouble(0), EPS);
    assertEquals(pow(0.5), sumOf(l1, "demo").getDouble(0), EPS);
    assertEquals(1.0, sumOf(l1, "unsub").getDouble(0), EPS);
    assertEquals(1L, sumOf(l1, "open").getLong(1));
  }

  @Test
  void aDayEnteringAddsItsLimitedCountAndADayLeavingTakesItsTermOut() {
    // Demo on S-25 and S-5: sum 0.5^(25/20) + 0.5^(5/20) as of S. S-25 is outside TO's
    // window (TO - 30 = S - 20), so it leaves: 0.5^(15/20) remains as of TO.
    // Opens: 3 on TO, at most 2 a day, age 0: 2.
    Map<String, Row> rows = carry(List.of(
            sums("L2", "demo", pow(25 / 20.0) + pow(5 / 20.0), 2L),
            sums("L3", "demo", pow(25 / 20.0), 1L)),
        List.of(
            daily("L2", "demo", S.minusDays(25), 1),
            daily("L3", "demo", S.minusDays(25), 1)),
        List.of(daily("L2", "open", TO, 3)),
        Set.of());
    Row l2 = rows.get("L2");
    assertEquals(pow(15 / 20.0), sumOf(l2, "demo").getDouble(0), EPS);
    assertEquals(1L, sumOf(l2, "demo").getLong(1));
    assertEquals(2.0, sumOf(l2, "open").getDouble(0), EPS);
    assertEquals(1L, sumOf(l2, "open").getLong(1));
    assertFalse(rows.containsKey("L3"), "no day and no date left: the lead's row goes");
  }

  @Test
  void aRewrittenDayReplacesItsOldTermWithItsNewOne() {
    // L4 had 2 opens on S-5 (2 * 0.5^0.5 as of S); a rewrite leaves 1. As of TO, age 15.
    Row l4 = carry(List.of(sums("L4", "open", 2 * pow(0.5), 1L)),
        List.of(daily("L4", "open", S.minusDays(5), 2)),
        List.of(daily("L4", "open", S.minusDays(5), 1)),
        Set.of(S.minusDays(5))).get("L4");
    assertEquals(pow(1.5), sumOf(l4, "open").getDouble(0), EPS);
    assertEquals(1L, sumOf(l4, "open").getLong(1));
  }

  @Test
  void theLatestActivityAndOptOutOnlyMoveForward() {
    Timestamp early = ts("2026-10-20T08:00:00Z");
    Timestamp late = ts("2026-11-05T09:30:00Z");
    Map<String, Row> rows = carry(List.of(
            latest("L1", S.minusDays(3), early),
            latest("L5", S, null)),
        List.of(),
        List.of(daily("L1", DailyCounts.ANY, S.plusDays(4), 1),
            RowFactory.create(DailyCounts.LEAD, "L1", DailyCounts.OPT_OUT,
                Date.valueOf(S.plusDays(4)), 1L, late)),
        Set.of());
    assertEquals(Date.valueOf(S.plusDays(4)), rows.get("L1").getDate(2));
    assertEquals(Date.valueOf(S), rows.get("L5").getDate(2), "kept");
    assertEquals(late, rows.get("L1").getTimestamp(3));
    assertEquals(Map.of(), rows.get("L5").getJavaMap(1), "no sums");
  }

  @Test
  void fewerActivitiesOnARewrittenDayMarkTheLeadForRecomputing() {
    LocalDate day = S.minusDays(5);
    CarryPlan plan = CarryPlan.of(S, TO, 30, Set.of(day));
    Dataset<Row> before = session().createDataFrame(List.of(
        daily("L4", DailyCounts.ANY, day, 2), daily("L6", DailyCounts.ANY, day, 1)), RESOLVED);
    Dataset<Row> now = session().createDataFrame(List.of(
        daily("L4", DailyCounts.ANY, day, 1), daily("L6", DailyCounts.ANY, day, 2)), RESOLVED);
    List<Row> redo = EngagementCarry.activityRemoved(plan, before, now).collectAsList();
    assertEquals(List.of(RowFactory.create("L4")), redo, "L6 only gained");
  }

  @Test
  void anEmailThatChangesOwnerMarksBothLeads() {
    Dataset<Row> before = leads(session(), List.of(
        lead("L1", "e@x.com", null, null, null, true, "2026-01-01T00:00:00Z", null),
        lead("L7", "f@x.com", null, null, null, true, "2026-01-01T00:00:00Z", null)));
    // L0 < L1: the smallest lead_id owns a shared email.
    Dataset<Row> after = leads(session(), List.of(
        lead("L0", " E@x.com", null, null, null, true, "2026-01-01T00:00:00Z", null),
        lead("L1", "e@x.com", null, null, null, true, "2026-01-01T00:00:00Z", null),
        lead("L7", "f@x.com", null, null, null, true, "2026-01-01T00:00:00Z", null)));
    List<String> marked = EngagementCarry.resolvedElsewhere(before, after)
        .orderBy(DailyCounts.SUBJECT_ID).collectAsList().stream().map(r -> r.getString(0))
        .toList();
    assertEquals(List.of("L0", "L1"), marked);
  }

  @Test
  void aCarryAndAOnePassComputationAgree() {
    // Opens on S-3 (2) and S+4 (3, limited to 2): as of TO 2 * 0.5^1.3 + 2 * 0.5^0.6.
    Model model = model();
    List<Row> days = List.of(daily("L8", "open", S.minusDays(3), 2),
        daily("L8", DailyCounts.ANY, S.minusDays(3), 2),
        daily("L8", "open", S.plusDays(4), 3), daily("L8", DailyCounts.ANY, S.plusDays(4), 3));
    Dataset<Row> all = session().createDataFrame(days, RESOLVED);
    Dataset<Row> asOfS = all.where(col(EVENT_DATE).leq(Date.valueOf(S)));
    Dataset<Row> state = EngagementCarry.computed(model, S, asOfS,
        DailyCounts.perSubject(asOfS));
    CarryPlan plan = CarryPlan.of(S, TO, 30, Set.of());
    Dataset<Row> carried = EngagementCarry.carried(model, plan, state, all, all);
    Dataset<Row> onePass = EngagementCarry.computed(model, TO, all, DailyCounts.perSubject(all));
    double expected = 2 * pow(1.3) + 2 * pow(0.6);
    for (Dataset<Row> rows : List.of(carried, onePass)) {
      Row l8 = rows.first();
      assertEquals(expected, sumOf(l8, "open").getDouble(0), EPS);
      assertEquals(2L, sumOf(l8, "open").getLong(1));
      assertEquals(Date.valueOf(S.plusDays(4)), l8.getDate(2));
      assertEquals(1L, rows.count());
    }
    // 2 points an open: c = 2 * expected = 4.66, under the cap of 5.
    Row engagement = EngagementCarry.engagement(model, carried).first();
    assertEquals(2 * expected, engagement.getDouble(1), 1e-6);
  }

  @Test
  void perLeadGathersEngagementLatestActivityAndOptOutIntoOneRowPerLead() {
    Timestamp optOut = Timestamp.valueOf("2026-10-30 08:00:00");
    List<Row> state = List.of(
        // 1.5 decayed opens at 2 points: 3.0, under the cap of 5; no opt-out.
        RowFactory.create("L1", Map.of("open", RowFactory.create(1.5, 2L)), Date.valueOf(S),
            null),
        // 4 decayed opens: 8.0, capped at 5; an opt-out as well.
        RowFactory.create("L2", Map.of("open", RowFactory.create(4.0, 3L)),
            Date.valueOf(S.minusDays(2)), optOut),
        // An opt-out only (email-only activity leaves no sums and no activity date).
        RowFactory.create("L3", null, null, optOut));
    Map<String, Row> byLead = new HashMap<>();
    for (Row r : EngagementCarry.perLead(model(),
        session().createDataFrame(state, EngagementCarry.SCHEMA)).collectAsList()) {
      assertNull(byLead.put(r.getAs(LEAD_ID), r), "one row per lead");
    }
    assertEquals(Set.of("L1", "L2", "L3"), byLead.keySet());
    Row l1 = byLead.get("L1");
    assertEquals(3.0, l1.<Double>getAs(Engagement.RAW), EPS);
    assertEquals(Map.of("open", 3.0), l1.getJavaMap(l1.fieldIndex(Engagement.CONTRIBUTIONS)));
    assertEquals(Date.valueOf(S), l1.getAs(Engagement.LAST_ACTIVITY));
    assertNull(l1.getAs(LeadScoring.LAST_OPT_OUT));
    Row l2 = byLead.get("L2");
    assertEquals(5.0, l2.<Double>getAs(Engagement.RAW), EPS);
    assertEquals(Date.valueOf(S.minusDays(2)), l2.getAs(Engagement.LAST_ACTIVITY));
    assertEquals(optOut, l2.getAs(LeadScoring.LAST_OPT_OUT));
    Row l3 = byLead.get("L3");
    assertNull(l3.getAs(Engagement.RAW));
    assertNull(l3.getAs(Engagement.CONTRIBUTIONS));
    assertNull(l3.getAs(Engagement.LAST_ACTIVITY));
    assertEquals(optOut, l3.getAs(LeadScoring.LAST_OPT_OUT));
  }
}

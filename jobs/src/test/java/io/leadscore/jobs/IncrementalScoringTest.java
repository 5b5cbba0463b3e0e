package io.leadscore.jobs;

import static io.leadscore.common.Schemas.*;
import static io.leadscore.common.scoring.ScoringFixtures.activityOn;
import static io.leadscore.common.scoring.ScoringFixtures.lead;
import static org.apache.spark.sql.functions.array_sort;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.map_entries;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.to_json;
import static org.junit.jupiter.api.Assertions.*;

import com.typesafe.config.ConfigFactory;
import io.delta.tables.DeltaTable;
import io.leadscore.common.config.Model;
import io.leadscore.common.config.ModelLoader;
import io.leadscore.common.scoring.DailyCounts;
import io.leadscore.common.scoring.Engagement;
import io.leadscore.common.state.ActivityDailyStore;
import io.leadscore.common.state.EngagementStateStore;
import io.leadscore.common.storage.DeltaChanges;
import io.leadscore.common.testing.SparkTestBase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Date;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.StructField;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scoring from activity_daily kept up to date by touched dates (ScoreJob with
 * ActivityDailyStore): an incremental run equals a full one, a late event rewrites only its
 * date, model changes rebuild only when rule conditions change, identity follows the leads
 * snapshot, and a rerun changes nothing.
 *
 * <p>The small model below: pricing 10 points once a day, half-life 10 days; demo 40 without
 * decay; lookback 30 days; inactivity -5 after 20 days. No fit rule matches (fit 0).
 */
class IncrementalScoringTest extends SparkTestBase {
  static final LocalDate D = LocalDate.of(2026, 11, 20);
  static final double EPS = 1e-9;

  static final String MODEL = """
      leadscore.model {
        version = "incremental-test"
        engagement {
          half-life-days = 10
          lookback-days = 30
          max = 100
          rules = [
            { name = pricing, types = [page_view], url-contains = "/pricing", points = 10, max-per-day = 1 }
            { name = demo, types = [demo_request], points = 40, decay = false }
          ]
          inactivity { days = 20, points = -5 }
        }
        fit {
          max = 100
          rules = [ { name = vp, field = lead.job_title, matches = "(?i)\\\\bvp\\\\b", points = 50 } ]
          grades { A = 75, B = 50, C = 25 }
        }
        bands { hot = 50, warm = 20 }
        lifecycle { mql { grades = [A, B], min-engagement = 40 }, recycle-below = 15 }
        accounts { top-leads = 3, engaged-band = warm, personas = [] }
      }
      """;

  @TempDir Path dir;

  // --- a warehouse written directly: activities, leads and accounts as ingest leaves them

  private JobRuntime runtime(String name) {
    Map<String, String> overrides = new HashMap<>();
    overrides.put("leadscore.warehouse", dir.resolve(name).toString());
    return TestRuntimes.of(session(), overrides);
  }

  private static Model model(JobRuntime rt, String text) {
    List<String> leadFields = new ArrayList<>(List.of(LEADS.fieldNames()));
    leadFields.add(EMAIL_DOMAIN);
    return new ModelLoader(rt.settings().activityTypes(), leadFields,
        List.of(ACCOUNTS.fieldNames()))
        .fromConfig(ConfigFactory.parseString(text), "incremental-test.conf");
  }

  private void leads(JobRuntime rt, Row... rows) {
    rt.store().overwrite(T_LEADS, session().createDataFrame(List.of(rows), LEADS));
    if (!rt.store().exists(T_ACCOUNTS)) {
      rt.store().overwrite(T_ACCOUNTS, session().createDataFrame(List.of(RowFactory.create(
          "A1", "acme.com", "Acme", "software", 500L, 1e7, "US", null)), ACCOUNTS));
    }
  }

  private void add(JobRuntime rt, Row... rows) {
    rt.store().append(T_ACTIVITIES, session().createDataFrame(List.of(rows), ACTIVITIES),
        EVENT_DATE);
  }

  private static Row score(JobRuntime rt, String leadId, LocalDate date) {
    List<Row> rows = rt.store().read(T_LEAD_SCORE_HISTORY)
        .where(col(LEAD_ID).equalTo(leadId).and(col(SCORE_DATE).equalTo(Date.valueOf(date))))
        .collectAsList();
    assertEquals(1, rows.size(), leadId + " on " + date);
    return rows.get(0);
  }

  private static double engagement(JobRuntime rt, String leadId, LocalDate date) {
    return score(rt, leadId, date).<Double>getAs(ENGAGEMENT_SCORE);
  }

  private static List<Row> history(JobRuntime rt, LocalDate date, String... except) {
    Dataset<Row> rows = rt.store().read(T_LEAD_SCORE_HISTORY)
        .where(col(SCORE_DATE).equalTo(Date.valueOf(date)));
    for (String leadId : except) {
      rows = rows.where(col(LEAD_ID).notEqual(leadId));
    }
    return json(rows);
  }

  static String mode(JobResult r) {
    Assertions.assertTrue(r.counts().containsKey("aggregate_mode_full")
        ^ r.counts().containsKey("aggregate_mode_incremental"), r.counts().toString());
    return r.counts().containsKey("aggregate_mode_full") ? "full" : "incremental";
  }

  /** The event_dates a commit range of activity_daily rewrote, read from its Delta log. */
  private List<String> rewritten(JobRuntime rt, long after, long upTo) {
    DeltaChanges.Touched t = DeltaChanges.partitionsTouched(session(),
        rt.store().path(T_ACTIVITY_DAILY), EVENT_DATE, after, upTo);
    Assertions.assertTrue(t.available(), t.unavailable());
    return t.values();
  }

  @Test
  void aLateEventRewritesOnlyItsDateAndChangesOnlyItsLead() {
    JobRuntime rt = runtime("w");
    Model model = model(rt, MODEL);
    leads(rt, lead("L1", "l1@x.com"), lead("L2", "l2@x.com"), lead("L3", "l3@x.com"));
    add(rt,
        activityOn("a1", D, "page_view", "L1", null, null, "https://x.com/pricing"),
        activityOn("a2", D.minusDays(2), "page_view", "L2", null, null, "https://x.com/pricing"),
        activityOn("a3", D.minusDays(10), "page_view", "L2", null, null, "https://x.com/pricing"),
        activityOn("a4", D.minusDays(1), "demo_request", "L3", null, null, null));
    JobResult first = ScoreJob.run(rt, model, D);
    assertEquals("full", mode(first));
    // L1: 10 today. L2: 10 * 0.5^(2/10) + 10 * 0.5^(10/10). L3: 40.
    assertEquals(10.0, engagement(rt, "L1", D), EPS);
    assertEquals(Math.round((10 * Math.pow(0.5, 0.2) + 5) * 100) / 100.0,
        engagement(rt, "L2", D), EPS);
    assertEquals(40.0, engagement(rt, "L3", D), EPS);
    List<Row> othersBefore = history(rt, D, "L1");

    // Arriving late: L1 on the pricing page ten days ago, a day that already has counts.
    add(rt, activityOn("late", D.minusDays(10), "page_view", "L1", null, null,
        "https://x.com/pricing/"));
    long before = rt.store().version(T_ACTIVITY_DAILY);
    JobResult late = ScoreJob.run(rt, model, D);
    assertEquals("incremental", mode(late));
    assertEquals(1, late.count("aggregate_dates_refreshed"));
    assertEquals(before + 1, rt.store().version(T_ACTIVITY_DAILY), "one commit");
    assertEquals(List.of(D.minusDays(10).toString()), rewritten(rt, before, before + 1));
    assertEquals(10.0 + 5.0, engagement(rt, "L1", D), EPS);
    assertEquals(othersBefore, history(rt, D, "L1"), "other leads unchanged");

    // OPTIMIZE rewrites files without changing data: no work. A rerun changes nothing.
    long activitiesVersion = rt.store().version(T_ACTIVITIES);
    DeltaTable.forPath(session(), rt.store().path(T_ACTIVITIES)).optimize().executeCompaction();
    assertEquals(activitiesVersion + 1, rt.store().version(T_ACTIVITIES), "OPTIMIZE committed");
    List<Row> all = history(rt, D);
    JobResult rerun = ScoreJob.run(rt, model, D);
    assertEquals("incremental", mode(rerun));
    assertEquals(0, rerun.count("aggregate_dates_refreshed"));
    assertEquals(before + 1, rt.store().version(T_ACTIVITY_DAILY), "no activity_daily commit");
    assertEquals(all, history(rt, D));

    // A date whose activities all disappear (e.g. erased) ends up empty in activity_daily.
    DeltaTable.forPath(session(), rt.store().path(T_ACTIVITIES))
        .delete(col(EVENT_ID).equalTo("a2"));
    JobResult erased = ScoreJob.run(rt, model, D);
    assertEquals(1, erased.count("aggregate_dates_refreshed"));
    assertEquals(List.of(D.minusDays(2).toString()), rewritten(rt, before + 1, before + 2));
    assertEquals(0, rt.store().read(T_ACTIVITY_DAILY)
        .where(col(EVENT_DATE).equalTo(Date.valueOf(D.minusDays(2)))).count());
    assertEquals(5.0, engagement(rt, "L2", D), EPS);

    // activity_daily changed by hand: its state no longer describes it, so it is rebuilt.
    DeltaTable.forPath(session(), rt.store().path(T_ACTIVITY_DAILY))
        .delete(col(DailyCounts.RULE).equalTo("pricing"));
    assertEquals("full", mode(ScoreJob.run(rt, model, D)));
    assertEquals(15.0, engagement(rt, "L1", D), EPS);
  }

  @Test
  void onlyRuleConditionChangesRebuildAndPointChangesEqualAFullRun() {
    JobRuntime rt = runtime("w");
    leads(rt, lead("L1", "l1@x.com"), lead("L2", "l2@x.com"));
    add(rt,
        activityOn("a1", D, "page_view", "L1", null, null, "https://x.com/pricing"),
        activityOn("a2", D.minusDays(10), "demo_request", "L2", null, null, null));
    assertEquals("full", mode(ScoreJob.run(rt, model(rt, MODEL), D)));
    long version = rt.store().version(T_ACTIVITY_DAILY);

    // Points, half-lives, limits and inactivity are applied when scoring: no rebuild.
    Model points = model(rt, MODEL.replace("points = 10,", "points = 20,")
        .replace("half-life-days = 10", "half-life-days = 5")
        .replace("days = 20, points = -5", "days = 9, points = -1"));
    JobResult incremental = ScoreJob.run(rt, points, D);
    assertEquals("incremental", mode(incremental));
    assertEquals(version, rt.store().version(T_ACTIVITY_DAILY));
    assertEquals(20.0, engagement(rt, "L1", D), EPS);
    assertEquals(39.0, engagement(rt, "L2", D), EPS);
    List<Row> incrementalRows = history(rt, D);
    JobResult full = ScoreJob.run(rt, points, D, true);
    assertEquals("full", mode(full));
    assertEquals(incrementalRows, history(rt, D), "incremental = --full");

    // A changed condition rebuilds by itself: /pricing no longer matches /price.
    JobResult url = ScoreJob.run(rt, model(rt, MODEL.replace("\"/pricing\"", "\"/price\"")), D);
    assertEquals("full", mode(url));
    assertEquals(0.0, engagement(rt, "L1", D), EPS);

    // So does a renamed rule: the stored counts carry rule names.
    JobResult renamed = ScoreJob.run(rt, model(rt, MODEL.replace("name = pricing,",
        "name = pricing-page,")), D);
    assertEquals("full", mode(renamed));
    assertEquals(Map.of("pricing-page", 10.0), scala.collection.JavaConverters.mapAsJavaMap(
        score(rt, "L1", D).<scala.collection.Map<String, Double>>getAs(CONTRIBUTIONS)));
  }

  @Test
  void anEmailOnlyActivityCountsForALeadThatAppearsLaterWithoutARebuild() {
    JobRuntime rt = runtime("w");
    Model model = model(rt, MODEL);
    LocalDate day1 = D.minusDays(1);
    leads(rt, lead("L1", "l1@x.com"));
    add(rt,
        activityOn("a1", D.minusDays(3), "demo_request", null, " New@X.com\t", "A1", null),
        activityOn("a2", D.minusDays(3), "page_view", null, null, "A1", "https://x.com/pricing"),
        activityOn("a3", D.minusDays(3), "page_view", null, "new@x.com", null, "/pricing"),
        activityOn("a4", D.minusDays(3), "page_view", "L3", null, null, "/pricing"));
    assertEquals("full", mode(ScoreJob.run(rt, model, day1)));
    assertEquals(0, rt.store().read(T_LEAD_SCORE_HISTORY).where(col(LEAD_ID).equalTo("L3"))
        .count());
    // Stored by what the activity says: the normalised email, and the account as fallback.
    Dataset<Row> daily = rt.store().read(T_ACTIVITY_DAILY);
    assertEquals(1, daily.where(col(EMAIL_KEY).equalTo("new@x.com")
        .and(col(DailyCounts.RULE).equalTo("demo"))).count());
    // Until the lead exists, both count for the account (account scoring reads these).
    List<Row> accountRows = DailyCounts.resolve(rt.store().read(T_LEADS), daily)
        .where(col(DailyCounts.SUBJECT_KIND).equalTo(DailyCounts.ACCOUNT)
            .and(col(DailyCounts.RULE).notEqual(DailyCounts.ANY)))
        .orderBy(DailyCounts.RULE).select(DailyCounts.SUBJECT_ID, DailyCounts.RULE)
        .collectAsList();
    assertEquals(List.of(RowFactory.create("A1", "demo"), RowFactory.create("A1", "pricing")),
        accountRows);

    // The next snapshot has the lead; no activity arrived.
    long version = rt.store().version(T_ACTIVITY_DAILY);
    leads(rt, lead("L1", "l1@x.com"), lead("L3", "new@x.com"));
    JobResult next = ScoreJob.run(rt, model, D);
    assertEquals("incremental", mode(next));
    assertEquals(0, next.count("aggregate_dates_refreshed"));
    assertEquals(version, rt.store().version(T_ACTIVITY_DAILY));
    // Demo 40; pricing twice that day (by email and by lead_id), limited to once a day for
    // the lead, not per identity: 10 * 0.5^(3/10).
    assertEquals(Math.round((40 + 10 * Math.pow(0.5, 0.3)) * 100) / 100.0,
        engagement(rt, "L3", D), EPS);
    assertEquals(Date.valueOf(D.minusDays(3)), score(rt, "L3", D).getAs(LAST_ACTIVITY_DATE));
  }

  // --- the engagement state carried from day to day (EngagementStateStore)

  static final String CARRY_MODEL = MODEL
      .replace("{ name = pricing, types = [page_view], url-contains = \"/pricing\", points = 10,"
          + " max-per-day = 1 }", "{ name = open, types = [email_open], points = 1, max-per-day = 2 }")
      .replace("{ name = demo, types = [demo_request], points = 40, decay = false }",
          "{ name = tick, types = [page_view], points = 1, half-life-days = 5 }")
      .replace("inactivity { days = 20, points = -5 }", "");

  private static boolean carried(JobResult r) {
    return r.counts().containsKey("engagement_state_mode_incremental");
  }

  @Test
  void theCarriedStateDecaysSkippedDaysTakesLateEventsAndDropsWhatLeavesTheWindow() {
    JobRuntime rt = runtime("w");
    Model model = model(rt, CARRY_MODEL);
    Assertions.assertTrue(model.engagement().inactivity().isEmpty());
    LocalDate d0 = LocalDate.of(2026, 11, 1);
    leads(rt, lead("L1", "l1@x.com"), lead("L2", "l2@x.com"), lead("L3", "l3@x.com"));
    add(rt,
        activityOn("a1", d0, "email_open", "L1", null, null, null),
        activityOn("t1", d0, "page_view", "L2", null, null, "/home"),
        activityOn("o1", d0, "email_open", "L3", null, null, null),
        activityOn("o2", d0, "email_open", "L3", null, null, null),
        activityOn("o3", d0, "email_open", "L3", null, null, null));
    JobResult first = ScoreJob.run(rt, model, d0);
    Assertions.assertTrue(first.counts().containsKey("engagement_state_mode_full"), first.counts()
        .toString());
    // open: half-life 10, at most 2 a day; tick: half-life 5.
    assertEquals(1.0, engagement(rt, "L1", d0), EPS);
    assertEquals(1.0, engagement(rt, "L2", d0), EPS);
    assertEquals(2.0, engagement(rt, "L3", d0), EPS);

    // Three days on, nothing new: every sum decays by 0.5^(3/H).
    LocalDate d3 = d0.plusDays(3);
    JobResult skipped = ScoreJob.run(rt, model, d3);
    Assertions.assertTrue(carried(skipped), skipped.counts().toString());
    assertEquals(0.81, engagement(rt, "L1", d3), EPS); // 0.5^0.3 = 0.8123
    assertEquals(0.66, engagement(rt, "L2", d3), EPS); // 0.5^0.6 = 0.6598
    assertEquals(1.62, engagement(rt, "L3", d3), EPS); // 2 * 0.8123 = 1.6245

    // Late: a second open of L1 on d0 and a new one on d15; a fourth of L3 on d0, over the
    // limit. d0 changed after the state was taken, so its terms are replaced.
    LocalDate d15 = d0.plusDays(15);
    add(rt,
        activityOn("a2", d0, "email_open", "L1", null, null, null),
        activityOn("a3", d15, "email_open", "L1", null, null, null),
        activityOn("o4", d0, "email_open", "L3", null, null, null));
    JobResult late = ScoreJob.run(rt, model, d15);
    Assertions.assertTrue(carried(late), late.counts().toString());
    // L1: 2 * 0.5^1.5 + 1 = 1.7071.
    assertEquals(1.71, engagement(rt, "L1", d15), EPS);
    // L2: 0.5^(15/5) = 0.125 exactly in one pass, the product of 0.5^0.6 and 0.5^2.4 carried:
    // half-up to 0.13 either way.
    assertEquals(0.13, engagement(rt, "L2", d15), EPS);
    assertEquals(Map.of("tick", 0.13), scala.collection.JavaConverters.mapAsJavaMap(
        score(rt, "L2", d15).<scala.collection.Map<String, Double>>getAs(CONTRIBUTIONS)));
    // L3: still 2 a day, 2 * 0.5^1.5 = 0.7071.
    assertEquals(0.71, engagement(rt, "L3", d15), EPS);

    // d0 leaves the 30-day window: L2 and L3 have nothing left, L1 only d15.
    LocalDate d30 = d0.plusDays(30);
    JobResult leaving = ScoreJob.run(rt, model, d30);
    Assertions.assertTrue(carried(leaving), leaving.counts().toString());
    assertEquals(0.35, engagement(rt, "L1", d30), EPS); // 0.5^1.5 = 0.3536
    assertEquals(0.0, engagement(rt, "L2", d30), EPS);
    assertEquals(0.0, engagement(rt, "L3", d30), EPS);
    assertEquals(Date.valueOf(d0), score(rt, "L2", d30).getAs(LAST_ACTIVITY_DATE));
    List<Row> sums = rt.store().read(EngagementStateStore.TABLE)
        .select(col(DailyCounts.SUBJECT_ID), explode(col(Engagement.SUMS)))
        .where(col("key").isin("open", "tick"))
        .select(col(DailyCounts.SUBJECT_ID), col("key"), col("value.days"))
        .orderBy(DailyCounts.SUBJECT_ID, "key").collectAsList();
    assertEquals(List.of(RowFactory.create("L1", "open", 1L)), sums, "emptied sums are gone");

    // The same date from the whole window gives the same rows.
    List<Row> incrementalRows = history(rt, d30);
    JobResult full = ScoreJob.run(rt, model, d30, true);
    Assertions.assertTrue(full.counts().containsKey("engagement_state_mode_full"), full.counts()
        .toString());
    assertEquals(incrementalRows, history(rt, d30), "carried = --full");
  }

  @Test
  void aStateWhoseOldCountsWereVacuumedIsComputedAfresh() {
    JobRuntime rt = runtime("w");
    Model model = model(rt, CARRY_MODEL);
    LocalDate d0 = LocalDate.of(2026, 11, 1);
    leads(rt, lead("L1", "l1@x.com"));
    add(rt, activityOn("a1", d0, "email_open", "L1", null, null, null));
    ScoreJob.run(rt, model, d0);
    ScoreJob.run(rt, model, d0.plusDays(1));
    // Late opens for d0, counted by a refresh before the next score: carrying the state
    // then reads d0's counts as of the state's version, whose files VACUUM (retention 0)
    // removes.
    add(rt,
        activityOn("a2", d0, "email_open", "L1", null, null, null),
        activityOn("a3", d0, "email_open", "L1", null, null, null));
    ActivityDailyStore.refresh(rt.store(), model, false);
    session().conf().set("spark.databricks.delta.retentionDurationCheck.enabled", "false");
    try {
      DeltaTable.forPath(session(), rt.store().path(T_ACTIVITY_DAILY)).vacuum(0);
    } finally {
      session().conf().unset("spark.databricks.delta.retentionDurationCheck.enabled");
    }
    JobResult afterVacuum = ScoreJob.run(rt, model, d0.plusDays(2));
    Assertions.assertTrue(afterVacuum.counts().containsKey("engagement_state_mode_full"),
        afterVacuum.counts().toString());
    // Three opens on d0, at most 2 a day, two days later: 2 * 0.5^0.2 = 1.7411.
    assertEquals(1.74, engagement(rt, "L1", d0.plusDays(2)), EPS);
  }

  static List<Row> rows(JobRuntime rt, String table) {
    return json(rt.store().read(table));
  }

  /**
   * Every column of every row as JSON, sorted. Maps become sorted entry arrays: the order of
   * a map's entries (contributions) depends on how Spark happened to collect them.
   */
  static List<Row> json(Dataset<Row> df) {
    List<Column> columns = new ArrayList<>();
    for (StructField f : df.schema().fields()) {
      columns.add(f.dataType() instanceof MapType
          ? array_sort(map_entries(col(f.name()))).as(f.name()) : col(f.name()));
    }
    return df.select(to_json(struct(columns.toArray(new Column[0]))).as("row")).orderBy("row")
        .collectAsList();
  }

  /** Equal lists of rows; on failure, only the rows that differ (the tables are large). */
  static void assertSameRows(String table, List<Row> expected, List<Row> actual) {
    List<Row> missing = new ArrayList<>(expected);
    missing.removeAll(actual);
    List<Row> extra = new ArrayList<>(actual);
    extra.removeAll(expected);
    assertEquals(List.of(), missing.subList(0, Math.min(5, missing.size())), table
        + ": rows of the full run missing from the incremental one; extra rows there: "
        + extra.subList(0, Math.min(5, extra.size())));
    assertEquals(expected, actual, table);
  }

  static void copyTable(String from, String to) throws IOException {
    Path target = Path.of(to);
    if (Files.exists(target)) {
      try (Stream<Path> files = Files.walk(target)) {
        for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
    Files.createDirectories(target.getParent());
    Path source = Path.of(from);
    try (Stream<Path> files = Files.walk(source)) {
      for (Path p : files.toList()) {
        Files.copy(p, target.resolve(source.relativize(p).toString()));
      }
    }
  }
}

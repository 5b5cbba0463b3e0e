package io.leadscore.jobs;

import static io.leadscore.common.Schemas.*;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.to_json;
import static org.junit.jupiter.api.Assertions.*;

import io.leadscore.common.config.AppSettings;
import io.leadscore.common.config.Model;
import io.leadscore.common.scoring.ScoreChanges;
import io.leadscore.common.testing.SparkTestBase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lifecycle hand-off over a scripted run of dates for one lead, the change rows each
 * date writes, dates scored out of order, and idempotent reruns of score and accounts.
 *
 * <p>The model makes engagement on D exactly the points of D's own activity (lookback of one
 * day, no decay) and every lead grade A, so each date's stage is easy to follow:
 * mql at 40, recycled below 15, hot at 50, warm at 20. D1..D5 are scored in order once for
 * the class (accounts D1..D3); the tests that run jobs again come last.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LifecycleTest extends SparkTestBase {
  static final LocalDate D1 = LocalDate.of(2026, 11, 1);

  static final String MODEL = """
      leadscore.model {
        version = "lifecycle-v1"
        engagement {
          half-life-days = 30
          lookback-days = 1
          max = 100
          rules = [
            { name = demo,    types = [demo_request],     points = 50, decay = false }
            { name = webinar, types = [webinar_attended], points = 20, decay = false }
            { name = open,    types = [email_open],       points = 5,  decay = false }
            { name = trial,   types = [trial_signup],     points = 45, decay = false }
          ]
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

  /** The activity of lead L1 on each day D1 + i: 0 (nothing), 50, 20, 5, 45, 50. */
  static final String[] SCRIPT = {null, "demo_request", "webinar_attended", "email_open",
      "trial_signup", "demo_request"};

  @TempDir static Path dir;

  static final LocalDate D2 = D1.plusDays(1);
  static final LocalDate D3 = D1.plusDays(2);
  static final LocalDate D4 = D1.plusDays(3);
  static final LocalDate D5 = D1.plusDays(4);
  static final LocalDate D6 = D1.plusDays(5);

  private static JobRuntime inOrder;
  private static Model model;

  /** D1..D5 scored in order, accounts for D1..D3: once for the class. */
  private JobRuntime inOrder() throws IOException {
    if (inOrder == null) {
      JobRuntime rt = runtime("in-order");
      model = rt.loadModel();
      for (LocalDate d = D1; !d.isAfter(D5); d = d.plusDays(1)) {
        ScoreJob.run(rt, model, d);
        if (d.isBefore(D4)) {
          AccountsJob.run(rt, model, d);
        }
      }
      inOrder = rt;
    }
    return inOrder;
  }

  private JobRuntime runtime(String name) throws IOException {
    Path model = dir.resolve("model.conf");
    Files.writeString(model, MODEL);
    AppSettings settings = AppSettings.load(Optional.empty(),
        Map.of("leadscore.warehouse", dir.resolve(name).toString()));
    JobRuntime rt = new JobRuntime(settings, session(), Optional.of(model.toFile()));
    rt.store().overwrite(T_ACCOUNTS, session().createDataFrame(List.of(
        RowFactory.create("A1", "acme.com", "Acme", "software", 500L, 1e7, "US", null)),
        ACCOUNTS));
    leads(rt, "lead");
    List<Row> activities = new ArrayList<>();
    for (int i = 0; i < SCRIPT.length; i++) {
      if (SCRIPT[i] != null) {
        LocalDate day = D1.plusDays(i);
        activities.add(RowFactory.create("e" + i, Timestamp.from(Instant.parse(day + "T09:00:00Z")),
            Date.valueOf(day), SCRIPT[i], "L1", null, null, null, null, null, null, "test",
            "run-0"));
      }
    }
    rt.store().append(T_ACTIVITIES, session().createDataFrame(activities, ACTIVITIES),
        EVENT_DATE);
    return rt;
  }

  /** Replaces the leads snapshot: L1 at account A1 with the given CRM stage. */
  private void leads(JobRuntime rt, String crmStage) {
    Timestamp created = Timestamp.from(Instant.parse("2026-01-01T00:00:00Z"));
    rt.store().overwrite(T_LEADS, session().createDataFrame(List.of(
        RowFactory.create("L1", "l1@acme.com", "Ann", "One", "VP Sales", "US", "A1", crmStage,
            true, created, created)), LEADS));
  }

  private static Row history(JobRuntime rt, LocalDate date) {
    List<Row> rows = new ScoreHistory(rt.store(), T_LEAD_SCORE_HISTORY).on(date)
        .collectAsList();
    assertEquals(1, rows.size());
    return rows.get(0);
  }

  /** The change rows of a date as "what:from>to before>after", in what order. */
  private static List<String> changes(JobRuntime rt, String table, LocalDate date) {
    List<String> out = new ArrayList<>();
    Dataset<Row> rows = new ScoreHistory(rt.store(), table).on(date).orderBy(WHAT);
    for (Row r : rows.collectAsList()) {
      out.add(r.getAs(WHAT) + ":" + r.getAs(FROM) + ">" + r.getAs(TO) + " "
          + r.getAs(ScoreChanges.ENGAGEMENT_BEFORE) + ">" + r.getAs(ScoreChanges.ENGAGEMENT_AFTER));
    }
    return out;
  }

  private static void assertStage(JobRuntime rt, LocalDate date, String stage, LocalDate since,
      double engagement) {
    Row r = history(rt, date);
    assertEquals(stage, r.getAs(STAGE), date + " stage");
    assertEquals(Date.valueOf(since), r.getAs(STAGE_SINCE), date + " stage_since");
    assertEquals((int) (date.toEpochDay() - since.toEpochDay()), r.<Integer>getAs(DAYS_IN_STAGE));
    assertEquals(engagement, r.<Double>getAs(ENGAGEMENT_SCORE), 1e-9, date + " engagement");
  }

  @Test
  @Order(1)
  void aFirstDateHasNoPreviousOneAndNoChangeRows() throws IOException {
    JobRuntime rt = inOrder();
    // D1: nothing yet. A first date has no previous one: no change rows.
    assertStage(rt, D1, "nurture", D1, 0.0);
    assertEquals(List.of(), changes(rt, T_SCORE_CHANGES, D1));
  }

  @Test
  @Order(2)
  void aDemoCrossesIntoMql() throws IOException {
    JobRuntime rt = inOrder();
    // D2: a demo (50): grade A and 50 >= 40, the lead crosses into mql.
    assertStage(rt, D2, "mql", D2, 50.0);
    assertEquals(List.of("band:cold>hot 0.0>50.0", "stage:nurture>mql 0.0>50.0"),
        changes(rt, T_SCORE_CHANGES, D2));
  }

  @Test
  @Order(3)
  void betweenTheThresholdsTheStageHolds() throws IOException {
    JobRuntime rt = inOrder();
    // D3: 20 is below 40 but not below 15: it stays mql, since D2.
    assertStage(rt, D3, "mql", D2, 20.0);
    assertEquals(List.of("band:hot>warm 50.0>20.0"), changes(rt, T_SCORE_CHANGES, D3));
  }

  @Test
  @Order(4)
  void belowTheRecycleThresholdTheLeadIsRecycled() throws IOException {
    JobRuntime rt = inOrder();
    // D4: 5 < 15: recycled.
    assertStage(rt, D4, "recycled", D4, 5.0);
    assertEquals(List.of("band:warm>cold 20.0>5.0", "stage:mql>recycled 20.0>5.0"),
        changes(rt, T_SCORE_CHANGES, D4));
  }

  @Test
  @Order(5)
  void aRecycledLeadQualifiesAgain() throws IOException {
    JobRuntime rt = inOrder();
    // D5: a trial (45) qualifies again.
    assertStage(rt, D5, "mql", D5, 45.0);
    assertEquals(List.of("band:cold>warm 5.0>45.0", "stage:recycled>mql 5.0>45.0"),
        changes(rt, T_SCORE_CHANGES, D5));
  }

  @Test
  @Order(6)
  void accountChangesFollowTheSameRules() throws IOException {
    JobRuntime rt = inOrder();
    // Account changes follow the same rules (top-leads 1: the account's engagement is L1's).
    assertEquals(List.of("band:cold>hot 0.0>50.0"), changes(rt, T_ACCOUNT_SCORE_CHANGES, D2));
    assertEquals(List.of(), changes(rt, T_ACCOUNT_SCORE_CHANGES, D1));
  }

  @Test
  @Order(10)
  void rerunsOfScoreAndAccountsLeaveEveryTableAsOneRunDid() throws IOException {
    JobRuntime rt = inOrder();
    String[] tables = {T_LEAD_SCORE_HISTORY, T_LEAD_SCORES, T_SCORE_CHANGES,
        T_ACCOUNT_SCORE_HISTORY, T_ACCOUNT_SCORES, T_ACCOUNT_SCORE_CHANGES};
    Map<String, List<Row>> before = IngestJobTest.snapshot(rt, tables);
    JobResult rerun = ScoreJob.run(rt, model, D3);
    assertEquals(0, rerun.count(ScoreJob.LATER_DATES_RESCORED), "nothing changed on D3");
    assertEquals(1, rerun.count(ScoreJob.CHANGES));
    AccountsJob.run(rt, model, D3);
    ScoreJob.run(rt, model, D5);
    assertEquals(before, IngestJobTest.snapshot(rt, tables));
  }

  @Test
  @Order(11)
  void datesScoredOutOfOrderGiveTheInOrderChain() throws IOException {
    JobRuntime rt = inOrder();
    // Dates scored out of order, in another warehouse: D4 first (no previous stage), then
    // D2 (re-scores D4 after it), D1 (re-scores D2, whose previous stage is now D1's, and
    // D4), D3 (re-scores D4). The result is the in-order chain.
    JobRuntime outOfOrder = runtime("out-of-order");
    for (LocalDate d : List.of(D4, D2, D1)) {
      ScoreJob.run(outOfOrder, model, d);
    }
    JobResult late = ScoreJob.run(outOfOrder, model, D3);
    assertEquals(1, late.count(ScoreJob.LATER_DATES_RESCORED), "D4 follows D3");
    assertStage(outOfOrder, D4, "recycled", D4, 5.0);
    assertEquals(List.of("band:warm>cold 20.0>5.0", "stage:mql>recycled 20.0>5.0"),
        changes(outOfOrder, T_SCORE_CHANGES, D4));
    for (String table : List.of(T_LEAD_SCORE_HISTORY, T_SCORE_CHANGES)) {
      assertEquals(upTo(rt, table, D4), upTo(outOfOrder, table, D4), table);
    }
    assertEquals(Date.valueOf(D4), outOfOrder.store().read(T_LEAD_SCORES).first()
        .getAs(SCORE_DATE));
  }

  @Test
  @Order(12)
  void theCrmStageWinsOverTheModel() throws IOException {
    JobRuntime rt = inOrder();
    // D6: sales takes the lead (CRM stage sql): the CRM stage wins over the model.
    leads(rt, "SQL");
    ScoreJob.run(rt, model, D6);
    assertStage(rt, D6, "sql", D6, 50.0);
    assertEquals(List.of("band:warm>hot 45.0>50.0", "stage:mql>sql 45.0>50.0"),
        changes(rt, T_SCORE_CHANGES, D6));
    Row current = rt.store().read(T_LEAD_SCORES).first();
    assertEquals(Date.valueOf(D6), current.getAs(SCORE_DATE));
    assertEquals("sql", current.getAs(STAGE));
  }

  /** A table's rows up to a date as sorted JSON texts. */
  private static List<Row> upTo(JobRuntime rt, String table, LocalDate last) {
    return rt.store().read(table).where(col(SCORE_DATE).leq(Date.valueOf(last)))
        .select(to_json(struct(col("*"))).as("row")).orderBy("row").collectAsList();
  }
}

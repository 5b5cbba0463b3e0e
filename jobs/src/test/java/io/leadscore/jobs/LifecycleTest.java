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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lifecycle hand-off over a scripted run of dates for one lead, the change rows each
 * date writes, dates scored out of order, and idempotent reruns of score and accounts.
 *
 * <p>The model makes engagement on D exactly the points of D's own activity (lookback of one
 * day, no decay) and every lead grade A, so each date's stage is easy to follow:
 * mql at 40, recycled below 15, hot at 50, warm at 20.
 */
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

  @TempDir Path dir;

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
  void mqlHysteresisRecyclingCrmHandOffAndDatesOutOfOrder() throws IOException {
    JobRuntime rt = runtime("in-order");
    Model model = rt.loadModel();
    LocalDate d2 = D1.plusDays(1);
    LocalDate d3 = D1.plusDays(2);
    LocalDate d4 = D1.plusDays(3);
    LocalDate d5 = D1.plusDays(4);
    LocalDate d6 = D1.plusDays(5);
    for (LocalDate d = D1; !d.isAfter(d5); d = d.plusDays(1)) {
      ScoreJob.run(rt, model, d);
      if (d.isBefore(d4)) {
        AccountsJob.run(rt, model, d);
      }
    }
    // D1: nothing yet. A first date has no previous one: no change rows.
    assertStage(rt, D1, "nurture", D1, 0.0);
    assertEquals(List.of(), changes(rt, T_SCORE_CHANGES, D1));
    // D2: a demo (50): grade A and 50 >= 40, the lead crosses into mql.
    assertStage(rt, d2, "mql", d2, 50.0);
    assertEquals(List.of("band:cold>hot 0.0>50.0", "stage:nurture>mql 0.0>50.0"),
        changes(rt, T_SCORE_CHANGES, d2));
    // D3: 20 is below 40 but not below 15: it stays mql, since D2.
    assertStage(rt, d3, "mql", d2, 20.0);
    assertEquals(List.of("band:hot>warm 50.0>20.0"), changes(rt, T_SCORE_CHANGES, d3));
    // D4: 5 < 15: recycled.
    assertStage(rt, d4, "recycled", d4, 5.0);
    assertEquals(List.of("band:warm>cold 20.0>5.0", "stage:mql>recycled 20.0>5.0"),
        changes(rt, T_SCORE_CHANGES, d4));
    // D5: a trial (45) qualifies again.
    assertStage(rt, d5, "mql", d5, 45.0);
    assertEquals(List.of("band:cold>warm 5.0>45.0", "stage:recycled>mql 5.0>45.0"),
        changes(rt, T_SCORE_CHANGES, d5));
    // Account changes follow the same rules (top-leads 1: the account's engagement is L1's).
    assertEquals(List.of("band:cold>hot 0.0>50.0"), changes(rt, T_ACCOUNT_SCORE_CHANGES, d2));
    assertEquals(List.of(), changes(rt, T_ACCOUNT_SCORE_CHANGES, D1));

    // Reruns of score and accounts for a date leave every table as one run did.
    String[] tables = {T_LEAD_SCORE_HISTORY, T_LEAD_SCORES, T_SCORE_CHANGES,
        T_ACCOUNT_SCORE_HISTORY, T_ACCOUNT_SCORES, T_ACCOUNT_SCORE_CHANGES};
    Map<String, List<Row>> before = IngestJobTest.snapshot(rt, tables);
    JobResult rerun = ScoreJob.run(rt, model, d3);
    assertEquals(0, rerun.count(ScoreJob.LATER_DATES_RESCORED), "nothing changed on D3");
    assertEquals(1, rerun.count(ScoreJob.CHANGES));
    AccountsJob.run(rt, model, d3);
    ScoreJob.run(rt, model, d5);
    assertEquals(before, IngestJobTest.snapshot(rt, tables));

    // Dates scored out of order, in another warehouse: D4 first (no previous stage), then
    // D2 (re-scores D4 after it), D1 (re-scores D2, whose previous stage is now D1's, and
    // D4), D3 (re-scores D4). The result is the in-order chain.
    JobRuntime outOfOrder = runtime("out-of-order");
    for (LocalDate d : List.of(d4, d2, D1)) {
      ScoreJob.run(outOfOrder, model, d);
    }
    JobResult late = ScoreJob.run(outOfOrder, model, d3);
    assertEquals(1, late.count(ScoreJob.LATER_DATES_RESCORED), "D4 follows D3");
    assertStage(outOfOrder, d4, "recycled", d4, 5.0);
    assertEquals(List.of("band:warm>cold 20.0>5.0", "stage:mql>recycled 20.0>5.0"),
        changes(outOfOrder, T_SCORE_CHANGES, d4));
    for (String table : List.of(T_LEAD_SCORE_HISTORY, T_SCORE_CHANGES)) {
      assertEquals(upTo(rt, table, d4), upTo(outOfOrder, table, d4), table);
    }
    assertEquals(Date.valueOf(d4), outOfOrder.store().read(T_LEAD_SCORES).first()
        .getAs(SCORE_DATE));

    // D6: sales takes the lead (CRM stage sql): the CRM stage wins over the model.
    leads(rt, "SQL");
    ScoreJob.run(rt, model, d6);
    assertStage(rt, d6, "sql", d6, 50.0);
    assertEquals(List.of("band:warm>hot 45.0>50.0", "stage:mql>sql 45.0>50.0"),
        changes(rt, T_SCORE_CHANGES, d6));
    Row current = rt.store().read(T_LEAD_SCORES).first();
    assertEquals(Date.valueOf(d6), current.getAs(SCORE_DATE));
    assertEquals("sql", current.getAs(STAGE));
  }

  /** A table's rows up to a date as sorted JSON texts. */
  private static List<Row> upTo(JobRuntime rt, String table, LocalDate last) {
    return rt.store().read(table).where(col(SCORE_DATE).leq(Date.valueOf(last)))
        .select(to_json(struct(col("*"))).as("row")).orderBy("row").collectAsList();
  }
}

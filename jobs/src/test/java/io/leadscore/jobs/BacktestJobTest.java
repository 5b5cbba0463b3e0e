package io.leadscore.jobs;

import static io.leadscore.common.Schemas.*;
import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.*;

import com.typesafe.config.ConfigFactory;
import io.leadscore.common.backtest.BacktestMetrics.Summary;
import io.leadscore.common.config.Model;
import io.leadscore.common.config.ModelLoader;
import io.leadscore.common.storage.RunLog;
import io.leadscore.common.testing.SparkTestBase;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * backtest on a hand-made warehouse, cutoff C = 2026-10-31, horizon 30 days:
 *
 * <pre>
 *   L1 pricing 10-20, demo 10-25; sql 11-10           judged, converted
 *   L2 pricing 10-30; opportunity 11-20              judged, converted
 *   L3 blog 10-15; lost 11-05 (not a conversion)      judged, not converted
 *   L4 nothing                                        judged, not converted
 *   L5 pricing 10-01; won 12-15 (after C + 30)        judged, not converted
 *   L6 sql 10-15 (on or before C)                     left out: converted before
 *   L7 created 11-05                                  left out: created after
 * </pre>
 *
 * Then what a leaking backtest would see is added: activities after C, an outcome after
 * C + 30 and a later leads snapshot where L4 is a customer. The backtest must not move.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BacktestJobTest extends SparkTestBase {
  static final LocalDate C = LocalDate.of(2026, 10, 31);
  static final int N = 30;

  static final String MODEL = """
      leadscore.model {
        version = "backtest-test"
        engagement {
          half-life-days = 10, lookback-days = 60, max = 100
          rules = [
            { name = pricing, types = [page_view], url-contains = "/pricing", points = 10 }
            { name = demo, types = [demo_request], points = 40, decay = false }
          ]
          inactivity { days = 20, points = -5 }
        }
        fit {
          max = 100
          rules = [ { name = vp, field = lead.job_title, matches = "(?i)\\\\bvp\\\\b", points = 60 } ]
          grades { A = 75, B = 50, C = 25 }
        }
        bands { hot = 50, warm = 20 }
        lifecycle { mql { grades = [A, B], min-engagement = 40 }, recycle-below = 15 }
        accounts { top-leads = 3, engaged-band = warm, personas = [] }
      }
      """;

  @TempDir static Path dir;
  private JobRuntime rt;
  private Model model;

  @BeforeAll
  void warehouse() {
    runBefore();
    Map<String, String> overrides = new HashMap<>();
    overrides.put("leadscore.warehouse", dir.resolve("wh").toString());
    rt = TestRuntimes.of(session(), overrides);
    List<String> leadFields = new ArrayList<>(List.of(LEADS.fieldNames()));
    leadFields.add(EMAIL_DOMAIN);
    model = new ModelLoader(rt.settings().activityTypes(), leadFields,
        List.of(ACCOUNTS.fieldNames())).fromConfig(ConfigFactory.parseString(MODEL), "t.conf");

    rt.store().overwrite(T_LEADS, session().createDataFrame(List.of(
        lead("L1", "VP Sales", "lead", "2026-01-01"),
        lead("L2", "VP Marketing", "lead", "2026-01-01"),
        lead("L3", "Engineer", "lead", "2026-01-01"),
        lead("L4", "VP Ops", "lead", "2026-01-01"),
        lead("L5", "Analyst", "lead", "2026-01-01"),
        lead("L6", "VP IT", "sql", "2026-01-01"),
        lead("L7", "VP Data", "lead", "2026-11-05")), LEADS));
    rt.store().overwrite(T_ACCOUNTS, session().createDataFrame(List.of(RowFactory.create(
        "A1", "acme.com", "Acme", "software", 500L, 1e7, "US", null)), ACCOUNTS));
    rt.store().overwrite(T_ACTIVITIES, session().createDataFrame(List.of(
        activity("e1", "2026-10-20", "page_view", "L1", "/pricing"),
        activity("e2", "2026-10-25", "demo_request", "L1", null),
        activity("e3", "2026-10-30", "page_view", "L2", "/pricing"),
        activity("e4", "2026-10-15", "page_view", "L3", "/blog/x"),
        activity("e5", "2026-10-01", "page_view", "L5", "/pricing")), ACTIVITIES));
    rt.store().overwrite(T_OUTCOMES, session().createDataFrame(List.of(
        outcome("L1", "sql", "2026-11-10"),
        outcome("L2", "opportunity", "2026-11-20"),
        outcome("L3", "lost", "2026-11-05"),
        outcome("L5", "won", "2026-12-15"),
        outcome("L6", "sql", "2026-10-15")), OUTCOMES));
    ingestRun(C);
  }

  /** A run_log entry of an ingest of landing date {@code date}, finished now. */
  private void ingestRun(LocalDate date) {
    Instant now = Instant.now();
    RunLog.append(session(), rt.store(), new RunLog.Entry("run-" + date, "ingest", date,
        "succeeded", now, now, null, Map.of(), Map.of(), List.of(), null));
  }

  private static Row lead(String id, String title, String stage, String created) {
    return RowFactory.create(id, id.toLowerCase() + "@acme.com", "F", "L", title, "US", "A1",
        stage, true, Timestamp.from(Instant.parse(created + "T00:00:00Z")), null);
  }

  private static Row activity(String id, String day, String type, String lead, String url) {
    return RowFactory.create(id, Timestamp.from(Instant.parse(day + "T12:00:00Z")),
        Date.valueOf(day), type, lead, null, null, url, null, null, null, "test", "run");
  }

  private static Row outcome(String lead, String outcome, String day) {
    return RowFactory.create(lead, "A1", outcome,
        Timestamp.from(Instant.parse(day + "T10:00:00Z")), null, null);
  }

  private BacktestJob.Request request(Optional<Model> compare, LocalDate... cutoffs) {
    return new BacktestJob.Request("run-" + System.nanoTime(), model, compare,
        List.of(cutoffs), N, List.of("sql", "opportunity", "won"));
  }

  private List<String> scores(LocalDate cutoff) {
    try (CutoffInputs inputs = new CutoffInputs(rt.store(), cutoff, N,
        List.of("sql", "opportunity", "won"))) {
      return inputs.judgedScores(model, inputs.cutoff(cutoff))
          .select(LEAD_ID, FIT_SCORE, ENGAGEMENT_SCORE, GRADE, BAND, STAGE, "converted")
          .orderBy(LEAD_ID).collectAsList().stream().map(Row::toString).toList();
    }
  }

  @Test
  @Order(1)
  void populationLabelsAndNoLeakage() {
    List<String> before = scores(C);
    // L1: pricing 10 * 0.5^1.1 = 4.67 + demo 40 = 44.67, fit 60 (B): mql. L2: pricing one
    // day ago 10 * 0.5^0.1 = 9.33. L3 (blog 16 days ago) and L5 (31 days ago, inactive for
    // 20+ days: 10 * 0.5^3 - 5 = -3.75 -> 0). L4: no activity since creation: 0.
    assertEquals(List.of(
        "[L1,60.0,44.67,B,warm,mql,1]",
        "[L2,60.0,9.33,B,cold,nurture,1]",
        "[L3,0.0,0.0,D,cold,nurture,0]",
        "[L4,60.0,0.0,B,cold,nurture,0]",
        "[L5,0.0,0.0,D,cold,nurture,0]"), before);
    BacktestJob.Report r1 = BacktestJob.evaluate(rt, request(Optional.empty(), C),
        new StageTimer(org.slf4j.LoggerFactory.getLogger("test")));
    BacktestJob.CutoffResult c1 = r1.cutoffs().get(0);
    assertEquals(1, c1.createdAfter());
    assertEquals(1, c1.convertedBefore());
    Summary s = c1.model().summary();
    assertEquals(5, s.leads());
    assertEquals(2, s.conversions());
    Assertions.assertTrue(c1.leadsSnapshot().contains("run_log"), c1.leadsSnapshot());

    // What a leaking backtest would pick up.
    rt.store().append(T_ACTIVITIES, session().createDataFrame(List.of(
        activity("x1", "2026-11-02", "demo_request", "L4", null),
        activity("x2", "2026-11-15", "page_view", "L3", "/pricing")), ACTIVITIES));
    rt.store().append(T_OUTCOMES, session().createDataFrame(List.of(
        outcome("L4", "sql", "2026-12-05")), OUTCOMES));
    ingestRun(LocalDate.of(2026, 12, 10));
    rt.store().upsert(T_LEADS, session().createDataFrame(List.of(
        lead("L4", "VP Ops", "customer", "2026-01-01")), LEADS), List.of(LEAD_ID));
    assertEquals("customer", rt.store().read(T_LEADS).where(col(LEAD_ID).equalTo("L4"))
        .select(CRM_STAGE).first().getString(0));

    assertEquals(before, scores(C));
    BacktestJob.Report r2 = BacktestJob.evaluate(rt, request(Optional.empty(), C),
        new StageTimer(org.slf4j.LoggerFactory.getLogger("test")));
    assertEquals(c1, r2.cutoffs().get(0));
  }

  @Test
  @Order(2)
  void crmStageNeverFeedsTheScoreEvenFromTheCurrentSnapshot() {
    // 2026-02-01: no ingest on or before it, every commit after it: the current snapshot,
    // where L4 is a customer, with a warning. L4 is still scored as a lead (nurture).
    LocalDate early = LocalDate.of(2026, 2, 1);
    try (CutoffInputs inputs = new CutoffInputs(rt.store(), early, N, List.of("sql"))) {
      CutoffInputs.Cutoff cutoff = inputs.cutoff(early);
      Assertions.assertTrue(cutoff.leads().how().startsWith("current snapshot"), cutoff.leads().how());
      Row l4 = inputs.judgedScores(model, cutoff).where(col(LEAD_ID).equalTo("L4")).first();
      assertEquals("nurture", l4.getString(l4.fieldIndex(STAGE)));
    }
  }

  @Test
  @Order(3)
  void aModelAgainstItselfHasNoDifferencesAndNoImpact() {
    StructType history = new StructType()
        .add(LEAD_ID, DataTypes.StringType).add(STAGE, DataTypes.StringType)
        .add(STAGE_SINCE, DataTypes.DateType).add(SCORE_DATE, DataTypes.DateType);
    session().createDataFrame(List.of(
            RowFactory.create("L1", "mql", Date.valueOf("2026-11-29"), Date.valueOf("2026-11-29"))),
            history)
        .write().format("delta").mode(SaveMode.Overwrite).partitionBy(SCORE_DATE)
        .save(rt.store().path(T_LEAD_SCORE_HISTORY));
    session().createDataFrame(List.of(
            RowFactory.create("L1", "mql", Date.valueOf("2026-11-29"), Date.valueOf("2026-11-30"))),
            history)
        .write().format("delta").mode(SaveMode.Append).partitionBy(SCORE_DATE)
        .save(rt.store().path(T_LEAD_SCORE_HISTORY));
    BacktestJob.Report r = BacktestJob.evaluate(rt, request(Optional.of(model), C,
        C.minusDays(20)), new StageTimer(org.slf4j.LoggerFactory.getLogger("test")));
    for (BacktestJob.CutoffResult c : r.cutoffs()) {
      assertEquals(c.model(), c.compare().orElseThrow(), "cutoff " + c.cutoff());
    }
    BacktestJob.Impact impact = r.impact().orElseThrow();
    assertEquals(LocalDate.of(2026, 11, 30), impact.date());
    assertEquals(7, impact.leads());
    Assertions.assertTrue(impact.empty(), impact.toString());
    assertEquals(0, impact.newMqls() + impact.lostMqls());
  }

  @Test
  @Order(4)
  void runWritesTheTablesOncePerRunAndPrintsThem() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    BacktestJob.Request request = request(Optional.empty(), C, C.minusDays(10));
    JobResult result = BacktestJob.run(rt, request, new PrintStream(bytes, true,
        StandardCharsets.UTF_8));
    assertEquals(2, result.count("cutoffs"));
    String printed = bytes.toString(StandardCharsets.UTF_8);
    Assertions.assertTrue(printed.contains("== cutoff 2026-10-31 =="), printed);
    Assertions.assertTrue(printed.contains("trend of backtest-test"), printed);
    Assertions.assertTrue(printed.contains("AUC combined"), printed);

    Dataset<Row> metrics = rt.store().read(BacktestJob.T_METRICS)
        .where(col("run_id").equalTo(request.runId()));
    assertEquals(2, metrics.count());
    Row m = metrics.where(col("cutoff").equalTo(Date.valueOf(C))).first();
    assertEquals(5L, m.getLong(m.fieldIndex("leads")));
    assertEquals(2L, m.getLong(m.fieldIndex("conversions")));
    assertEquals(0.4, m.getDouble(m.fieldIndex("base_rate")), 1e-12);
    assertEquals(2 * 29, rt.store().read(BacktestJob.T_BUCKETS)
        .where(col("run_id").equalTo(request.runId())).count());
    assertEquals(2 * 4, rt.store().read(BacktestJob.T_RULES)
        .where(col("run_id").equalTo(request.runId())).count());
    assertEquals(1, rt.store().read(BacktestJob.T_RUNS)
        .where(col("run_id").equalTo(request.runId())).count());
    // No scoring table was touched.
    Assertions.assertFalse(rt.store().exists(T_LEAD_SCORES));
  }
}

package io.leadscore.common.backtest;

import static io.leadscore.common.Schemas.*;
import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.ConfigFactory;
import io.leadscore.common.backtest.BacktestMetrics.Bucket;
import io.leadscore.common.backtest.BacktestMetrics.Evaluation;
import io.leadscore.common.backtest.BacktestMetrics.RuleStat;
import io.leadscore.common.backtest.BacktestMetrics.Summary;
import io.leadscore.common.config.Model;
import io.leadscore.common.config.ModelLoader;
import io.leadscore.common.testing.SparkTestBase;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import scala.collection.JavaConverters;

/**
 * AUC, lift, buckets, MQL figures and the rule report on ten labelled leads whose values are
 * worked out by hand below (ties included).
 *
 * <pre>
 *   lead fit eng  fit+eng conv grade band stage  contributions
 *   L01   80  70   150     1    A    hot  mql    pricing, vp
 *   L02   80  60   140     0    A    hot  mql    pricing, vp
 *   L03   60  70   130     1    B    hot  mql    pricing
 *   L04   60  50   110     0    B    hot  mql    pricing
 *   L05   50  50   100     0    B    hot  mql    email
 *   L06   40  50    90     1    C    hot  -      email
 *   L07   30  40    70     0    C    warm -      email
 *   L08   30  20    50     0    C    warm -      email
 *   L09   10  30    40     0    D    warm -      email
 *   L10    0  20    20     0    D    warm -      email, inactivity
 * </pre>
 *
 * P = 3 conversions (L01, L03, L06), N = 7, base rate 0.3. AUC = sum over positives of the
 * negatives scored below plus half the negatives tied, over P * N = 21:
 * combined 7 + 6 + 4 = 17; fit (80 ties L02, 60 ties L04) 6.5 + 5.5 + 4 = 16; engagement
 * (50 ties L04 and L05) 7 + 7 + 5 = 19.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BacktestMetricsTest extends SparkTestBase {
  static final double EPS = 1e-9;

  static final String MODEL = """
      leadscore.model {
        version = "metrics-test"
        engagement {
          half-life-days = 30, lookback-days = 365, max = 100
          rules = [
            { name = pricing, types = [page_view], url-contains = "/pricing", points = 10 }
            { name = email, types = [email_open], points = 1 }
          ]
          inactivity { days = 90, points = -10 }
        }
        fit {
          max = 100
          rules = [
            { name = vp, field = lead.job_title, matches = "(?i)vp", points = 25 }
            { name = student, field = lead.job_title, matches = "(?i)student", points = -40 }
          ]
          grades { A = 75, B = 50, C = 25 }
        }
        bands { hot = 50, warm = 20 }
        lifecycle { mql { grades = [A, B], min-engagement = 40 }, recycle-below = 15 }
        accounts { top-leads = 3, engaged-band = warm, personas = [] }
      }
      """;

  private Evaluation evaluation;

  private static Model model() {
    List<String> leadFields = new ArrayList<>(List.of(LEADS.fieldNames()));
    leadFields.add(EMAIL_DOMAIN);
    return new ModelLoader(List.of("page_view", "email_open"), leadFields,
        List.of(ACCOUNTS.fieldNames())).fromConfig(ConfigFactory.parseString(MODEL), "t.conf");
  }

  private static Row lead(String id, double fit, double eng, int converted, String grade,
      String band, boolean mql, String... rules) {
    Map<String, Double> contributions = new java.util.LinkedHashMap<>();
    for (String r : rules) {
      contributions.put(r, 1.0);
    }
    return RowFactory.create(id, fit, eng, grade, band, grade + (band.equals("hot") ? 1 : 2),
        mql ? "mql" : "nurture", JavaConverters.mapAsScalaMap(contributions), converted);
  }

  private Dataset<Row> judged() {
    StructType schema = new StructType()
        .add(LEAD_ID, DataTypes.StringType)
        .add(FIT_SCORE, DataTypes.DoubleType)
        .add(ENGAGEMENT_SCORE, DataTypes.DoubleType)
        .add(GRADE, DataTypes.StringType)
        .add(BAND, DataTypes.StringType)
        .add(PRIORITY, DataTypes.StringType)
        .add(STAGE, DataTypes.StringType)
        .add(CONTRIBUTIONS, DataTypes.createMapType(DataTypes.StringType, DataTypes.DoubleType))
        .add(Population.CONVERTED, DataTypes.IntegerType);
    return session().createDataFrame(List.of(
        lead("L01", 80, 70, 1, "A", "hot", true, "pricing", "vp"),
        lead("L02", 80, 60, 0, "A", "hot", true, "pricing", "vp"),
        lead("L03", 60, 70, 1, "B", "hot", true, "pricing"),
        lead("L04", 60, 50, 0, "B", "hot", true, "pricing"),
        lead("L05", 50, 50, 0, "B", "hot", true, "email"),
        lead("L06", 40, 50, 1, "C", "hot", false, "email"),
        lead("L07", 30, 40, 0, "C", "warm", false, "email"),
        lead("L08", 30, 20, 0, "C", "warm", false, "email"),
        lead("L09", 10, 30, 0, "D", "warm", false, "email"),
        lead("L10", 0, 20, 0, "D", "warm", false, "email", "inactivity")), schema);
  }

  @BeforeAll
  void evaluate() {
    runBefore();
    evaluation = BacktestMetrics.evaluate(model(), judged());
  }

  @Test
  void aucCountsTiesAsHalf() {
    Summary s = evaluation.summary();
    assertEquals(17.0 / 21, s.aucCombined(), EPS);
    assertEquals(16.0 / 21, s.aucFit(), EPS);
    assertEquals(19.0 / 21, s.aucEngagement(), EPS);
  }

  @Test
  void aucOfAColumnWithTiesAndNoPositives() {
    // 90: 1 positive tied with 1 negative; 70: 1 positive, 2 negatives; 10: 1 negative.
    // Positive at 90: 3 below + 0.5 = 3.5; positive at 70: 1 below + 1 = 2; / (2 * 4).
    StructType schema = new StructType().add("s", DataTypes.DoubleType)
        .add("y", DataTypes.IntegerType);
    Dataset<Row> rows = session().createDataFrame(List.of(RowFactory.create(90.0, 1),
        RowFactory.create(90.0, 0), RowFactory.create(70.0, 1), RowFactory.create(70.0, 0),
        RowFactory.create(70.0, 0), RowFactory.create(10.0, 0)), schema);
    assertEquals(5.5 / 8, RankMetrics.auc(rows, col("s"), col("y")), EPS);
    Assertions.assertTrue(Double.isNaN(RankMetrics.auc(rows.where("y = 0"), col("s"),
        col("y"))), "no positives: undefined");
  }

  @Test
  void baseRateLiftAndMql() {
    Summary s = evaluation.summary();
    assertEquals(10, s.leads());
    assertEquals(3, s.conversions());
    assertEquals(0.3, s.baseRate(), EPS);
    // Top decile: L01 (converted) of 10 leads; top 20%: L01, L02.
    assertEquals(1.0 / 0.3, s.topDecileLift(), EPS);
    assertEquals(0.5 / 0.3, s.top20Lift(), EPS);
    // MQLs L01..L05, of which L01 and L03 converted.
    assertEquals(5, s.mqlVolume());
    assertEquals(2, s.mqlConversions());
    assertEquals(0.4, s.mqlPrecision(), EPS);
    assertEquals(2.0 / 3, s.mqlRecall(), EPS);
  }

  @Test
  void bucketsByGradeBandAndDecile() {
    assertBucket("grade", "A", 2, 1, 0.5, 0.5 / 0.3);
    assertBucket("grade", "B", 3, 1, 1.0 / 3, (1.0 / 3) / 0.3);
    assertBucket("grade", "C", 3, 1, 1.0 / 3, (1.0 / 3) / 0.3);
    assertBucket("grade", "D", 2, 0, 0.0, 0.0);
    assertBucket("band", "hot", 6, 3, 0.5, 0.5 / 0.3);
    assertBucket("band", "warm", 4, 0, 0.0, 0.0);
    assertBucket("band", "cold", 0, 0, Double.NaN, Double.NaN);
    assertBucket("priority", "A1", 2, 1, 0.5, 0.5 / 0.3);
    assertBucket("priority", "D2", 2, 0, 0.0, 0.0);
    assertBucket("priority", "D3", 0, 0, Double.NaN, Double.NaN);
    // One lead per decile, in combined order: L01, L02, L03, ..., L10.
    assertBucket("decile", "1", 1, 1, 1.0, 1 / 0.3);
    assertBucket("decile", "2", 1, 0, 0.0, 0.0);
    assertBucket("decile", "3", 1, 1, 1.0, 1 / 0.3);
    assertBucket("decile", "6", 1, 1, 1.0, 1 / 0.3);
    assertBucket("decile", "10", 1, 0, 0.0, 0.0);
    assertEquals(4 + 3 + 12 + 10, evaluation.buckets().size(), "every value listed");
  }

  @Test
  void ruleReport() {
    // pricing: L01-L04, 2 converted; email: L05-L10, 1 converted; vp: L01, L02, 1 converted;
    // student: nobody; inactivity: L10, not converted.
    assertRule("pricing", "engagement", 4, 2, 0.5, 0.5 / 0.3);
    assertRule("email", "engagement", 6, 1, 1.0 / 6, (1.0 / 6) / 0.3);
    assertRule("inactivity", "engagement", 1, 0, 0.0, 0.0);
    assertRule("vp", "fit", 2, 1, 0.5, 0.5 / 0.3);
    assertRule("student", "fit", 0, 0, Double.NaN, Double.NaN);
    assertEquals(List.of("pricing", "email", "inactivity", "vp", "student"),
        evaluation.rules().stream().map(RuleStat::rule).toList());
  }

  private void assertBucket(String dim, String name, long leads, long conv, double rate,
      double lift) {
    Bucket b = evaluation.buckets().stream()
        .filter(x -> x.dimension().equals(dim) && x.bucket().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no bucket " + dim + " " + name));
    assertEquals(leads, b.leads(), dim + " " + name + " leads");
    assertEquals(conv, b.conversions(), dim + " " + name + " conversions");
    assertEquals(rate, b.rate(), EPS, dim + " " + name + " rate");
    assertEquals(lift, b.lift(), EPS, dim + " " + name + " lift");
  }

  private void assertRule(String rule, String kind, long leads, long conv, double rate,
      double lift) {
    RuleStat r = evaluation.rules().stream().filter(x -> x.rule().equals(rule)).findFirst()
        .orElseThrow(() -> new AssertionError("no rule " + rule));
    assertEquals(kind, r.kind());
    assertEquals(leads, r.leads(), rule + " leads");
    assertEquals(conv, r.conversions(), rule + " conversions");
    assertEquals(rate, r.rate(), EPS, rule + " rate");
    assertEquals(lift, r.lift(), EPS, rule + " lift");
  }
}

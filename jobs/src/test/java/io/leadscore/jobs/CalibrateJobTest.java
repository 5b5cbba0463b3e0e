package io.leadscore.jobs;

import static org.junit.jupiter.api.Assertions.*;

import io.leadscore.common.backtest.Calibration.Feature;
import io.leadscore.common.config.AnalysisSettings;
import io.leadscore.common.config.Model;
import io.leadscore.common.generate.GeneratorSpec;
import io.leadscore.common.testing.SparkTestBase;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * calibrate on generated data: the generator makes conversion more likely for senior titles,
 * the target industries, mid-market companies and busy leads, and less likely for students
 * ({@code LeadColumns}). The regression must find those signs, its suggested model must rank
 * the later cutoff better than a model with random points, and the file it writes must be a
 * model the loader accepts.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CalibrateJobTest extends SparkTestBase {
  static final LocalDate END = LocalDate.of(2026, 11, 20);
  static final LocalDate TRAIN = LocalDate.of(2026, 9, 5);
  static final LocalDate VALIDATE = LocalDate.of(2026, 10, 15);
  static final int HORIZON = 35;

  @TempDir static Path dir;
  private JobRuntime rt;
  private Model model;
  private CalibrateJob.Result result;
  private String printed;

  @BeforeAll
  void calibrate() throws IOException {
    runBefore();
    GeneratorSpec spec = GeneratorSpec.of(3000, 300, 120, 30_000, 3, END);
    Path landing = dir.resolve("landing");
    GenerateCommand.run(session(), spec, landing.toString(), true);
    Map<String, String> overrides = new HashMap<>();
    overrides.put("leadscore.model-file",
        TestRuntimes.repo().resolve("conf/model.conf").toString());
    overrides.put("leadscore.inputs.activities.path", landing.resolve("activities").toString());
    for (String input : List.of("leads", "accounts", "outcomes")) {
      overrides.put("leadscore.inputs." + input + ".path", landing.resolve(input).toString());
    }
    overrides.put("leadscore.warehouse", dir.resolve("wh").toString());
    rt = TestRuntimes.of(session(), overrides);
    IngestJob.run(rt, spec.startDate(), END);
    model = rt.loadModel();
    AnalysisSettings settings = new AnalysisSettings(List.of("sql", "opportunity", "won"),
        HORIZON, List.of("lead.country"), 50, 0.002, 0.5, 200);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    result = CalibrateJob.run(rt, settings, new CalibrateJob.Request(model, TRAIN, VALIDATE,
        HORIZON, dir.resolve("suggested.conf").toFile()),
        new PrintStream(bytes, true, StandardCharsets.UTF_8));
    printed = bytes.toString(StandardCharsets.UTF_8);
  }

  private double coefficient(String rule) {
    List<Feature> features = result.fitted().features();
    for (int i = 0; i < features.size(); i++) {
      if (rule.equals(features.get(i).rule())) {
        return result.fitted().coefficients()[i];
      }
    }
    throw new AssertionError("no feature " + rule + " in " + features);
  }

  @Test
  void recoversTheGeneratorsConversionDrivers() {
    String why = printed;
    // The strongest drivers come out with their sign. On 3,000 leads (about 40 training
    // conversions) the L1 part may zero a weaker one (students rarely reach the cutoff's
    // population, target-industry overlaps mid-market), but never flips a sign.
    Assertions.assertTrue(coefficient("decision-maker") > 0, why);
    Assertions.assertTrue(coefficient("mid-market") > 0, why);
    Assertions.assertTrue(coefficient("student") <= 0, why);
    Assertions.assertTrue(coefficient("target-industry") >= 0, why);
    Assertions.assertTrue(coefficient("free-email") <= 0, why);
    // Busy leads convert: the most common activities carry weight.
    Assertions.assertTrue(coefficient("email-open") > 0, why);
    Assertions.assertTrue(result.validationAuc() > 0.6, why);
  }

  @Test
  void suggestedModelIsLoadableAndBeatsRandomPointsOnTheLaterCutoff() throws IOException {
    Path suggested = dir.resolve("suggested.conf");
    Assertions.assertTrue(Files.readString(suggested).contains("calibrate: was "));
    Model loaded = rt.loadModel(suggested.toFile());
    assertEquals(result.suggestion().version(), loaded.version());

    // The shipped model with every rule's points drawn at random.
    String shipped = Files.readString(TestRuntimes.repo().resolve("conf/model.conf"));
    Matcher m = Pattern.compile("points = -?[0-9.]+").matcher(shipped);
    Random random = new Random(42);
    StringBuilder text = new StringBuilder();
    while (m.find()) {
      m.appendReplacement(text, "points = " + (random.nextInt(81) - 30));
    }
    m.appendTail(text);
    Path randomFile = dir.resolve("random.conf");
    Files.writeString(randomFile, text.toString());
    Model randomModel = rt.loadModel(randomFile.toFile());
    BacktestJob.Report vs = BacktestJob.evaluate(rt, new BacktestJob.Request("r", randomModel,
        Optional.of(loaded), List.of(VALIDATE), HORIZON, List.of("sql", "opportunity", "won")),
        new StageTimer(org.slf4j.LoggerFactory.getLogger("test")));
    double randomAuc = vs.cutoffs().get(0).model().summary().aucCombined();
    double suggestedAuc = vs.cutoffs().get(0).compare().orElseThrow().summary().aucCombined();
    Assertions.assertTrue(suggestedAuc > randomAuc, "suggested " + suggestedAuc + " vs random "
        + randomAuc);
    assertEquals(suggestedAuc, result.backtest().cutoffs().get(0).compare().orElseThrow()
        .summary().aucCombined(), 1e-12, "the same backtest calibrate printed");
    Assertions.assertTrue(printed.contains("validation AUC as of " + VALIDATE), printed);
  }
}

package io.leadscore.common.config;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Assertions;

import io.leadscore.common.Schemas;
import io.leadscore.common.scoring.ModelAnalyzer;
import io.leadscore.common.testing.SparkTestBase;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each refused model yields one line naming the file, the key and the rule (SPEC §3). */
class ModelValidationTest extends SparkTestBase {
  @TempDir Path dir;

  /** The shipped model, which every test below breaks in one place. */
  private static String shipped() throws IOException {
    return Files.readString(findRepoFile("conf/model.conf"));
  }

  static Path findRepoFile(String relative) {
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.exists(p.resolve(relative))) {
      p = p.getParent();
    }
    assertNotNull(p, relative + " not found above the working directory");
    return p.resolve(relative);
  }

  private static ModelLoader loader() {
    List<String> leadFields = new ArrayList<>(List.of(Schemas.LEADS.fieldNames()));
    leadFields.add(Schemas.EMAIL_DOMAIN);
    AppSettings defaults = AppSettings.load(java.util.Optional.empty(), java.util.Map.of());
    return new ModelLoader(defaults.activityTypes(), leadFields,
        List.of(Schemas.ACCOUNTS.fieldNames()));
  }

  private File write(String text) throws IOException {
    Path file = dir.resolve("model.conf");
    Files.writeString(file, text);
    return file.toFile();
  }

  private String refusal(String text) throws IOException {
    File file = write(text);
    ConfigException e = assertThrows(ConfigException.class, () -> {
      Model model = loader().load(file);
      ModelAnalyzer.analyse(session(), model, Schemas.LEADS, Schemas.ACCOUNTS);
    });
    assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
    Assertions.assertTrue(e.getMessage().startsWith(file.getPath()), "names the file: " + e.getMessage());
    return e.getMessage();
  }

  private static String replace(String text, String from, String to) {
    Assertions.assertTrue(text.contains(from), "fixture out of date: " + from);
    return text.replace(from, to);
  }

  @Test
  void theShippedModelIsAccepted() throws IOException {
    Model model = loader().load(write(shipped()));
    ModelAnalyzer.analyse(session(), model, Schemas.LEADS, Schemas.ACCOUNTS);
    assertEquals("2026-11-v1", model.version());
    assertEquals(15, model.engagement().rules().size());
  }

  @Test
  void aModelThatDoesNotParse() throws IOException {
    String message = refusal(shipped() + "\n  oops = { \n");
    Assertions.assertTrue(message.contains("does not parse"), message);
  }

  @Test
  void anUnknownKeyInARule() throws IOException {
    String message = refusal(replace(shipped(), "url-contains = \"/pricing\"",
        "url-contain = \"/pricing\""));
    Assertions.assertTrue(message.contains("leadscore.model.engagement.rules[0].url-contain"), message);
    Assertions.assertTrue(message.contains("(rule pricing-page)"), message);
    Assertions.assertTrue(message.contains("unknown key 'url-contain'"), message);
    Assertions.assertTrue(message.matches(".*model\\.conf:\\d+: .*"), "has a line number: " + message);
  }

  @Test
  void anUnknownField() throws IOException {
    String message = refusal(replace(shipped(), "field = lead.job_title, matches = \"(?i)student",
        "field = lead.jobtitle, matches = \"(?i)student"));
    Assertions.assertTrue(message.contains("(rule student)"), message);
    Assertions.assertTrue(message.contains("unknown field 'lead.jobtitle'"), message);
  }

  @Test
  void anUnknownActivityType() throws IOException {
    String message = refusal(replace(shipped(), "types = [demo_request]",
        "types = [demo_requst]"));
    Assertions.assertTrue(message.contains("rules[11].types (rule demo-request)"), message);
    Assertions.assertTrue(message.contains("unknown activity type 'demo_requst'"), message);
  }

  @Test
  void anUnknownList() throws IOException {
    String message = refusal(replace(shipped(), "in-list = free-mail", "in-list = freemail"));
    Assertions.assertTrue(message.contains("(rule free-email)"), message);
    Assertions.assertTrue(message.contains("unknown list 'freemail'"), message);
  }

  @Test
  void aWhenSparkCannotAnalyse() throws IOException {
    String message = refusal(replace(shipped(), "cast(properties['pct'] as int) >= 75",
        "cast(propertys['pct'] as int) >= 75"));
    Assertions.assertTrue(message.contains("engagement.rules[7].when (rule video-75)"), message);
    Assertions.assertTrue(message.contains("Spark cannot analyse"), message);
    Assertions.assertTrue(message.contains("propertys"), message);
  }

  @Test
  void aWhenThatIsNotACondition() throws IOException {
    String message = refusal(replace(shipped(), "cast(properties['pct'] as int) >= 75",
        "cast(properties['pct'] as int)"));
    Assertions.assertTrue(message.contains("must be a boolean condition"), message);
  }

  @Test
  void badNumbersAndShapes() throws IOException {
    Assertions.assertTrue(refusal(replace(shipped(), "half-life-days = 60 }", "half-life-days = -2 }"))
        .contains("half-life-days (rule demo-request): must be > 0, was -2"));
    Assertions.assertTrue(refusal(replace(shipped(), "points = 10, max-per-day = 1",
        "points = ten, max-per-day = 1")).contains("points (rule pricing-page): must be a number"));
    Assertions.assertTrue(refusal(replace(shipped(), "between = [200, 5000]", "between = [5000, 200]"))
        .contains("must be [low, high]"));
    Assertions.assertTrue(refusal(replace(shipped(), "matches = \"(?i)student|intern\"",
        "matches = \"(?i)student|(intern\"")).contains("not a valid regular expression"));
    Assertions.assertTrue(refusal(replace(shipped(), "name = careers-page", "name = pricing-page"))
        .contains("duplicate rule name 'pricing-page'"));
    Assertions.assertTrue(refusal(replace(shipped(), "grades { A = 75, B = 50, C = 25 }",
        "grades { A = 50, B = 75, C = 25 }")).contains("A >= B >= C"));
    Assertions.assertTrue(refusal(replace(shipped(), "recycle-below = 15", "recycle-below = 50"))
        .contains("recycle-below: must be <= mql.min-engagement"));
    Assertions.assertTrue(refusal(replace(shipped(), "version = \"2026-11-v1\"", ""))
        .contains("missing required key 'version'"));
  }

  @Test
  void aMissingFile() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> loader().load(dir.resolve("nope.conf").toFile()));
    Assertions.assertTrue(e.getMessage().endsWith("nope.conf: model file not found"), e.getMessage());
  }
}

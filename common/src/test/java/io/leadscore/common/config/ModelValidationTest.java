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

  private static final String VIDEO_WHEN = "cast(properties['pct'] as int) >= 75";

  /** The shipped model with video-75's when replaced: refused with its rule and key named. */
  private String whenRefusal(String when) throws IOException {
    String message;
    try {
      message = refusal(replace(shipped(), VIDEO_WHEN, when));
    } catch (AssertionError e) {
      throw new AssertionError("when = " + when + ": " + e.getMessage(), e);
    }
    Assertions.assertTrue(message.contains("engagement.rules[7].when (rule video-75)"), message);
    return message;
  }

  @Test
  void aWhenWithALiteralRegexThatDoesNotCompileIsRefusedAtStart() throws IOException {
    for (String when : List.of("url rlike '[unclosed'", "url regexp '(a'",
        "regexp_like(url, '*x')", "regexp_extract(url, 'a{2', 0) = 'a'",
        "regexp_extract_all(url, '[z', 0)[0] = 'z'", "regexp_replace(url, '(', '') = ''",
        "size(split(url, '[')) > 1", "regexp_count(url, '[') > 0",
        "url rlike concat('[', 'x')", "url like 'a!' escape '!'")) {
      String message = whenRefusal(when);
      Assertions.assertTrue(message.contains("pattern '"), when + ": " + message);
      Assertions.assertTrue(message.contains("not") && message.contains("valid"),
          when + ": " + message);
    }
    // A regex read from the data cannot be checked here: it is "no match" where it fails
    // (RuleConditionsWhenTest).
    Model model = loader().load(write(replace(shipped(), VIDEO_WHEN,
        "url rlike properties['re']")));
    ModelAnalyzer.analyse(session(), model, Schemas.LEADS, Schemas.ACCOUNTS);
  }

  @Test
  void aWhenThatWouldFailTheJobIsRefusedAtStart() throws IOException {
    Assertions.assertTrue(whenRefusal("assert_true(url is not null) is null")
        .contains("assert_true"));
    Assertions.assertTrue(whenRefusal("raise_error('no') is null").contains("raise_error"));
  }

  @Test
  void aWhenWithASubqueryIsRefusedAtStart() throws IOException {
    Assertions.assertTrue(whenRefusal("exists (select 1)").contains("subquery"));
    Assertions.assertTrue(whenRefusal("(select count(*) from range(3)) > 1").contains("subquery"));
  }

  @Test
  void aWhenThatIsNotDeterministicOrReadsTheClockIsRefusedAtStart() throws IOException {
    Assertions.assertTrue(whenRefusal("rand() < 0.5").contains("non-deterministic rand"));
    Assertions.assertTrue(whenRefusal("uuid() = event_id").contains("non-deterministic uuid"));
    Assertions.assertTrue(whenRefusal("event_date = current_date()").contains("clock"));
    Assertions.assertTrue(whenRefusal("occurred_at < now() - interval 1 day").contains("clock"));
    Assertions.assertTrue(whenRefusal("unix_timestamp() > 0").contains("clock"));
  }

  @Test
  void aFitWhenIsCheckedTheSameWay() throws IOException {
    String message = refusal(replace(shipped(),
        "field = lead.job_title, matches = \"(?i)student|intern\"",
        "when = \"lead.job_title rlike '(?i)student|(intern' or rand() > 2\""));
    Assertions.assertTrue(message.contains("fit.rules[") && message.contains("(rule student)"),
        message);
    Assertions.assertTrue(message.contains("not a valid regular expression"), message);
    message = refusal(replace(shipped(),
        "field = lead.job_title, matches = \"(?i)student|intern\"",
        "when = \"lead.created_at < current_timestamp()\""));
    Assertions.assertTrue(message.contains("(rule student)") && message.contains("clock"),
        message);
  }

  @Test
  void activityTypesInTheModelFileAreMergedWithTheSettingsList() throws IOException {
    String model = replace(shipped(), "types = [demo_request]", "types = [partner_referral]");
    String message = refusal(model);
    Assertions.assertTrue(message.contains("unknown activity type 'partner_referral'"), message);
    Assertions.assertTrue(message.contains("add it to leadscore.activity-types in this model"
        + " file or in the settings file"), message);

    Model accepted = loader().load(write(model
        + "\nleadscore.activity-types = [Partner_Referral, webinar_replay]\n"));
    Assertions.assertTrue(accepted.engagement().rules().stream()
        .anyMatch(r -> r.types().equals(List.of("partner_referral"))));
    // The settings' types still count.
    Assertions.assertTrue(accepted.engagement().rules().stream()
        .anyMatch(r -> r.types().equals(List.of("email_open"))));
  }

  @Test
  void aSettingInTheModelFileIsRefusedNamingTheFileThatReadsIt() throws IOException {
    String message = refusal(shipped() + "\nleadscore.warehouse = \"/data/lake\"\n");
    Assertions.assertTrue(message.contains("leadscore.warehouse: is a setting, read only from"
        + " the settings file"), message);
    message = refusal(shipped() + "\nleadscore.inputs.leads.format = csv\n");
    Assertions.assertTrue(message.contains("leadscore.inputs: is a setting"), message);
  }

  @Test
  void segmentsBesideTheModelAreRefusedNamingTheSegmentsFile() throws IOException {
    ConfigException e = assertThrows(ConfigException.class, () -> loader().load(write(shipped()
        + "\nleadscore.segments = [ { name = hot, where = \"band = 'hot'\", channel = sales } ]\n")));
    Assertions.assertTrue(e.getMessage().contains("leadscore.segments: segment definitions are"
        + " read only from a file of their own, named by leadscore.segments-file"),
        e.getMessage());
  }

  @Test
  void theModelOrSegmentsInTheSettingsAreRefusedNamingTheFileThatMustHoldThem()
      throws IOException {
    Path settings = dir.resolve("settings.conf");
    Files.writeString(settings, "leadscore {\n  warehouse = /tmp/w\n  model {\n"
        + "    version = x\n  }\n}\n");
    ConfigException e = assertThrows(ConfigException.class,
        () -> AppSettings.load(java.util.Optional.of(settings.toFile()), java.util.Map.of()));
    Assertions.assertTrue(e.getMessage().startsWith(settings + ":3: leadscore.model: the scoring"
        + " model is read only from the model file (leadscore.model-file or --model)"),
        e.getMessage());

    Files.writeString(settings, "leadscore.segments = [ { name = hot } ]\n");
    e = assertThrows(ConfigException.class,
        () -> AppSettings.load(java.util.Optional.of(settings.toFile()), java.util.Map.of()));
    Assertions.assertTrue(e.getMessage().startsWith(settings + ":1: leadscore.segments:"),
        e.getMessage());
    Assertions.assertTrue(e.getMessage().contains("leadscore.segments-file"), e.getMessage());
  }

  @Test
  void aMissingFile() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> loader().load(dir.resolve("nope.conf").toFile()));
    Assertions.assertTrue(e.getMessage().endsWith("nope.conf: model file not found"), e.getMessage());
  }
}

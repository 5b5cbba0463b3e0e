package io.leadscore.common.config;

import com.typesafe.config.Config;
import io.leadscore.common.Errors;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigValue;
import java.io.File;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The application settings under {@code leadscore}, typed and validated when built: the
 * warehouse, the inputs, ingest options, known activity types and Spark settings.
 * Precedence (highest first): command line, environment ({@link #ENVIRONMENT}), the {@code
 * --conf} overlay, {@code reference.conf}. The environment is a layer of its own rather than
 * only {@code ${?LEADSCORE_*}} lines in the files: an overlay that sets {@code warehouse}
 * without such a line would otherwise win over {@code LEADSCORE_WAREHOUSE}.
 */
public record AppSettings(
    String source,
    String warehouse,
    String modelFile,
    Input activities,
    Input leads,
    Input accounts,
    Input outcomes,
    String activitiesLayout,
    ZoneId defaultTimeZone,
    boolean failOnMissingActivities,
    int maxDaysAfterIngestDate,
    List<String> activityTypes,
    String sparkMaster,
    String sparkAppName,
    Map<String, String> sparkConf,
    Optional<String> failAfterWrite,
    String exports,
    Optional<String> segmentsFile,
    Optional<String> forgetSalt,
    String reports) {

  public static final Set<String> FORMATS = Set.of("jsonl", "csv", "parquet");

  /** The environment variables that set a key, and the key each sets. */
  public static final Map<String, String> ENVIRONMENT = Map.of(
      "LEADSCORE_HOME", "leadscore.home",
      "LEADSCORE_WAREHOUSE", "leadscore.warehouse",
      "LEADSCORE_MODEL", "leadscore.model-file");

  /** An input location and its format (jsonl, csv or parquet). */
  public record Input(String path, String format) {}

  /**
   * Loads {@code reference.conf} under an optional overlay file, under {@code overrides}
   * (full keys such as {@code leadscore.warehouse}, from the command line).
   */
  public static AppSettings load(Optional<File> overlay, Map<String, String> overrides) {
    return load(overlay, overrides, System.getenv());
  }

  /** {@link #load(Optional, Map)} with the environment given, for tests. */
  static AppSettings load(Optional<File> overlay, Map<String, String> overrides,
      Map<String, String> environment) {
    return fromConfig(resolve(overlay, overrides, environment),
        overlay.map(File::getPath).orElse("reference.conf"));
  }

  /**
   * The resolved configuration with the precedence above, for settings read by one job
   * (e.g. {@link AnalysisSettings}).
   */
  public static Config resolve(Optional<File> overlay, Map<String, String> overrides) {
    return resolve(overlay, overrides, System.getenv());
  }

  private static Config resolve(Optional<File> overlay, Map<String, String> overrides,
      Map<String, String> environment) {
    Config base = ConfigFactory.defaultReference();
    String source = "reference.conf";
    Config config = base;
    if (overlay.isPresent()) {
      File file = overlay.get();
      source = file.getPath();
      if (!file.isFile()) {
        throw new ConfigException(source + ": configuration file not found");
      }
      try {
        config = ConfigFactory.parseFile(file, ConfigParseOptions.defaults().setAllowMissing(false))
            .withFallback(base);
      } catch (com.typesafe.config.ConfigException e) {
        throw new ConfigException(source + ": does not parse: "
            + Errors.oneLine(e.getMessage()), e);
      }
    }
    Map<String, String> fromEnvironment = new TreeMap<>();
    ENVIRONMENT.forEach((variable, key) -> {
      String value = environment.get(variable);
      if (value != null && !value.isEmpty()) {
        fromEnvironment.put(key, value);
      }
    });
    config = ConfigFactory.parseMap(fromEnvironment, "environment").withFallback(config);
    config = ConfigFactory.parseMap(overrides, "command line").withFallback(config);
    try {
      config = config.resolve();
    } catch (com.typesafe.config.ConfigException e) {
      throw new ConfigException(source + ": " + Errors.oneLine(e.getMessage()), e);
    }
    return config;
  }

  public static AppSettings fromConfig(Config config, String source) {
    KeyPlacement.checkSettings(config, source);
    ConfigNode root = new ConfigNode(source, "leadscore", null, config.getObject("leadscore"));
    root.allowOnly(Set.of("home", "warehouse", "model-file", "inputs", "ingest", "activity-types",
        "spark", "model", "segments", "testing",
        "exports", "segments-file", "forget", "backtest", "calibrate",
        "reports"));
    ConfigNode inputs = root.child("inputs");
    inputs.allowOnly(Set.of("activities", "leads", "accounts", "outcomes"));
    ConfigNode activities = inputs.child("activities");
    activities.allowOnly(Set.of("path", "layout", "format"));
    String layout = activities.string("layout");
    if (!layout.contains("{date}")) {
      throw activities.fail("layout", "must contain {date}, was '" + layout + "'");
    }
    ConfigNode ingest = root.child("ingest");
    ingest.allowOnly(Set.of("default-time-zone", "fail-on-missing-activities",
        "max-days-after-ingest-date"));
    double daysAfter = ingest.number("max-days-after-ingest-date");
    if (daysAfter < 0 || daysAfter != Math.rint(daysAfter) || daysAfter > 36500) {
      throw ingest.fail("max-days-after-ingest-date",
          "must be a whole number of days from 0 to 36500, was " + daysAfter);
    }
    // Test-only (absent from reference.conf): see DeltaStore's fault injection.
    Optional<String> failAfterWrite = Optional.empty();
    Optional<ConfigNode> testing = root.optChild("testing");
    if (testing.isPresent()) {
      testing.get().allowOnly(Set.of("fail-after-write"));
      failAfterWrite = testing.get().optString("fail-after-write");
    }
    ZoneId zone;
    String zoneName = ingest.string("default-time-zone");
    try {
      zone = ZoneId.of(zoneName);
    } catch (DateTimeException e) {
      throw ingest.fail("default-time-zone", "unknown time zone '" + zoneName + "'");
    }
    List<String> types = new ArrayList<>();
    for (String t : root.strings("activity-types")) {
      types.add(t.toLowerCase(Locale.ROOT));
    }
    ConfigNode spark = root.child("spark");
    spark.allowOnly(Set.of("master", "app-name", "conf"));
    Map<String, String> sparkConf = new LinkedHashMap<>();
    if (spark.has("conf")) {
      Config conf = config.getConfig("leadscore.spark.conf");
      for (Map.Entry<String, ConfigValue> e : new TreeMap<>(conf.root()).entrySet()) {
        sparkConf.put(e.getKey(), String.valueOf(e.getValue().unwrapped()));
      }
    }
    Optional<String> salt = Optional.empty();
    if (root.has("forget")) {
      ConfigNode forget = root.child("forget");
      forget.allowOnly(Set.of("salt"));
      salt = forget.optString("salt");
      if (salt.isPresent() && salt.get().length() < 16) {
        throw forget.fail("salt", "must be at least 16 characters (a random secret), was "
            + salt.get().length());
      }
    }
    return new AppSettings(source, root.string("warehouse"), root.string("model-file"),
        input(inputs, "activities"), input(inputs, "leads"), input(inputs, "accounts"),
        input(inputs, "outcomes"), layout, zone, ingest.bool("fail-on-missing-activities"),
        (int) daysAfter, List.copyOf(types), spark.string("master"), spark.string("app-name"),
        sparkConf, failAfterWrite, root.string("exports"), root.optString("segments-file"),
        salt, root.string("reports"));
  }

  private static Input input(ConfigNode inputs, String name) {
    ConfigNode node = inputs.child(name);
    String format = node.string("format").toLowerCase(Locale.ROOT);
    if (!FORMATS.contains(format)) {
      throw node.fail("format", "unknown format '" + format + "' (formats: csv, jsonl, parquet)");
    }
    return new Input(node.string("path"), format);
  }

  /** The landing folder of the activities that arrived on {@code date}. */
  public String activitiesFolder(LocalDate date) {
    String base = activities.path();
    return (base.endsWith("/") ? base : base + "/") + activitiesLayout.replace("{date}",
        date.toString());
  }

  /** A regex whose group 1 is the landing date in a file path under the layout. */
  public String landingDatePattern() {
    String[] around = activitiesLayout.split("\\{date\\}", -1);
    return java.util.regex.Pattern.quote(around[0]) + "(\\d{4}-\\d{2}-\\d{2})"
        + java.util.regex.Pattern.quote(around[1]) + "(/|$)";
  }

  /** The resolved settings, one per line and sorted, for the start-of-job log. */
  public String describe() {
    Map<String, String> lines = new TreeMap<>();
    lines.put("warehouse", warehouse);
    lines.put("model-file", modelFile);
    lines.put("reports", reports);
    lines.put("inputs.activities", activities.path() + "/" + activitiesLayout + " ("
        + activities.format() + ")");
    lines.put("inputs.leads", leads.path() + " (" + leads.format() + ")");
    lines.put("inputs.accounts", accounts.path() + " (" + accounts.format() + ")");
    lines.put("inputs.outcomes", outcomes.path() + " (" + outcomes.format() + ")");
    lines.put("ingest.default-time-zone", defaultTimeZone.getId());
    lines.put("ingest.max-days-after-ingest-date", String.valueOf(maxDaysAfterIngestDate));
    failAfterWrite.ifPresent(t -> lines.put("testing.fail-after-write", t + " (test-only)"));
    lines.put("spark.master", sparkMaster);
    lines.put("exports", exports);
    lines.put("segments-file", segmentsFile.orElse("(none)"));
    lines.put("forget.salt", forgetSalt.isPresent() ? "****" : "(not set)");
    sparkConf.forEach((k, v) -> lines.put("spark.conf." + k, mask(k, v)));
    StringBuilder sb = new StringBuilder();
    lines.forEach((k, v) -> sb.append("  ").append(k).append(" = ").append(v).append('\n'));
    return sb.toString().stripTrailing();
  }

  private static String mask(String key, String value) {
    String k = key.toLowerCase(Locale.ROOT);
    return k.contains("secret") || k.contains("password") || k.contains("token")
        || k.contains("access.key") ? "****" : value;
  }
}

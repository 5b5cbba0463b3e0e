package io.leadscore.common.config;

import com.typesafe.config.Config;
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
 * Precedence (highest first): command line, environment ({@code ${?LEADSCORE_*}}), the
 * {@code --conf} overlay, {@code reference.conf}.
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
    List<String> activityTypes,
    String sparkMaster,
    String sparkAppName,
    Map<String, String> sparkConf,
    String reports) {

  public static final Set<String> FORMATS = Set.of("jsonl", "csv", "parquet");

  /** An input location and its format (jsonl, csv or parquet). */
  public record Input(String path, String format) {}

  /**
   * Loads {@code reference.conf} under an optional overlay file, under {@code overrides}
   * (full keys such as {@code leadscore.warehouse}, from the command line).
   */
  public static AppSettings load(Optional<File> overlay, Map<String, String> overrides) {
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
            + ModelLoader.oneLine(e.getMessage()), e);
      }
    }
    config = ConfigFactory.parseMap(overrides, "command line").withFallback(config);
    try {
      config = config.resolve();
    } catch (com.typesafe.config.ConfigException e) {
      throw new ConfigException(source + ": " + ModelLoader.oneLine(e.getMessage()), e);
    }
    return fromConfig(config, source);
  }

  public static AppSettings fromConfig(Config config, String source) {
    ConfigNode root = new ConfigNode(source, "leadscore", null, config.getObject("leadscore"));
    root.allowOnly(Set.of("home", "warehouse", "model-file", "inputs", "ingest", "activity-types",
        "spark", "model", "segments", "reports"));
    ConfigNode inputs = root.child("inputs");
    inputs.allowOnly(Set.of("activities", "leads", "accounts", "outcomes"));
    ConfigNode activities = inputs.child("activities");
    activities.allowOnly(Set.of("path", "layout", "format"));
    String layout = activities.string("layout");
    if (!layout.contains("{date}")) {
      throw activities.fail("layout", "must contain {date}, was '" + layout + "'");
    }
    ConfigNode ingest = root.child("ingest");
    ingest.allowOnly(Set.of("default-time-zone", "fail-on-missing-activities"));
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
    return new AppSettings(source, root.string("warehouse"), root.string("model-file"),
        input(inputs, "activities"), input(inputs, "leads"), input(inputs, "accounts"),
        input(inputs, "outcomes"), layout, zone, ingest.bool("fail-on-missing-activities"),
        List.copyOf(types), spark.string("master"), spark.string("app-name"), sparkConf,
        root.string("reports"));
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
    lines.put("spark.master", sparkMaster);
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

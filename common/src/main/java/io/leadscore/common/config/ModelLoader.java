package io.leadscore.common.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigValueType;
import io.leadscore.common.Errors;
import io.leadscore.common.config.Model.Accounts;
import io.leadscore.common.config.Model.Bands;
import io.leadscore.common.config.Model.Engagement;
import io.leadscore.common.config.Model.EngagementRule;
import io.leadscore.common.config.Model.Fit;
import io.leadscore.common.config.Model.FitOperator;
import io.leadscore.common.config.Model.FitRule;
import io.leadscore.common.config.Model.Grades;
import io.leadscore.common.config.Model.Inactivity;
import io.leadscore.common.config.Model.Lifecycle;
import io.leadscore.common.config.Model.Persona;
import java.io.File;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Reads and validates a scoring model (SPEC §3). Everything that can be checked without data
 * is checked here: unknown keys, fields, activity types and lists, bad numbers, regexes that
 * do not compile, duplicate rule names. Spark-side analysis of {@code when} expressions is
 * done by {@code io.leadscore.common.scoring.ModelAnalyzer} before any data is read.
 */
public final class ModelLoader {
  private static final Set<String> MODEL_KEYS =
      Set.of("version", "engagement", "fit", "bands", "lifecycle", "accounts", "lists");
  private static final Set<String> ENGAGEMENT_KEYS =
      Set.of("half-life-days", "lookback-days", "max", "rules", "inactivity");
  private static final Set<String> ENGAGEMENT_RULE_KEYS = Set.of("name", "types", "url-contains",
      "url-matches", "campaign-in", "when", "points", "max-per-day", "half-life-days", "decay",
      "cap");
  private static final Set<String> FIT_KEYS = Set.of("max", "rules", "grades");
  private static final Set<String> GRADES = Set.of("A", "B", "C", "D");
  private static final List<String> BANDS = List.of("hot", "warm", "cold");
  private static final Pattern RULE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*");

  private final Set<String> activityTypes;
  private final Set<String> leadFields;
  private final Set<String> accountFields;

  /**
   * @param activityTypes the known activity types ({@code leadscore.activity-types})
   * @param leadFields the columns rules may name as {@code lead.X} (email_domain included)
   * @param accountFields the columns rules may name as {@code account.X}
   */
  public ModelLoader(Collection<String> activityTypes, Collection<String> leadFields,
      Collection<String> accountFields) {
    this.activityTypes = lowerAll(activityTypes);
    this.leadFields = new HashSet<>(leadFields);
    this.accountFields = new HashSet<>(accountFields);
  }

  public Model load(File file) {
    String name = file.getPath();
    if (!file.isFile()) {
      throw new ConfigException(name + ": model file not found");
    }
    Config root;
    try {
      root = ConfigFactory.parseFile(file, ConfigParseOptions.defaults().setAllowMissing(false))
          .resolve();
    } catch (com.typesafe.config.ConfigException e) {
      throw new ConfigException(name + ": does not parse: " + oneLine(e.getMessage()), e);
    }
    return fromConfig(root, name);
  }

  /** Validates a parsed model; {@code source} names the file in error messages. */
  public Model fromConfig(Config root, String source) {
    if (!root.hasPath("leadscore.model")
        || root.getValue("leadscore.model").valueType() != ConfigValueType.OBJECT) {
      throw new ConfigException(source + ": missing required key 'leadscore.model' (an object)");
    }
    KeyPlacement.checkModelFile(root, source);
    ConfigNode model = new ConfigNode(source, "leadscore.model", null,
        root.getObject("leadscore.model"));
    model.allowOnly(MODEL_KEYS);
    Set<String> types = knownTypes(root, source);

    Map<String, List<String>> lists = lists(model);
    String version = model.string("version");
    Engagement engagement = engagement(model.child("engagement"), types);
    Fit fit = fit(model.child("fit"), lists);
    Bands bands = bands(model.child("bands"));
    Lifecycle lifecycle = lifecycle(model.child("lifecycle"));
    Accounts accounts = accounts(model.child("accounts"));

    Set<String> names = new HashSet<>();
    names.add(Model.INACTIVITY);
    List<ConfigNode> ruleNodes = new ArrayList<>(model.child("engagement").objectList("rules"));
    ruleNodes.addAll(model.child("fit").objectList("rules"));
    for (ConfigNode node : ruleNodes) {
      String ruleName = node.string("name");
      if (!RULE_NAME.matcher(ruleName).matches()) {
        throw node.withLabel(ruleName).fail("name", "rule names use letters, digits, '-', '_'"
            + " and '.', starting with a letter or digit; was '" + ruleName + "'");
      }
      if (!names.add(ruleName)) {
        throw node.withLabel(ruleName).fail("name", "duplicate rule name '" + ruleName
            + "': names identify contributions and must be unique across engagement and fit"
            + " ('inactivity' is reserved)");
      }
    }
    return new Model(version, source, engagement, fit, bands, lifecycle, accounts, lists);
  }

  private Map<String, List<String>> lists(ConfigNode model) {
    Map<String, List<String>> lists = new LinkedHashMap<>();
    if (model.has("lists")) {
      ConfigNode node = model.child("lists");
      for (String key : node.keys()) {
        lists.put(key, List.copyOf(lowerAll(node.strings(key))));
      }
    }
    return lists;
  }

  /**
   * The settings' activity types plus the model file's own {@code leadscore.activity-types}:
   * the types a model uses can be declared next to it.
   */
  private Set<String> knownTypes(Config root, String source) {
    Set<String> types = new LinkedHashSet<>(activityTypes);
    if (root.hasPath("leadscore.activity-types")) {
      ConfigNode holder = new ConfigNode(source, "leadscore", null, root.getObject("leadscore"));
      types.addAll(lowerAll(holder.strings("activity-types")));
    }
    return types;
  }

  private Engagement engagement(ConfigNode node, Set<String> types) {
    node.allowOnly(ENGAGEMENT_KEYS);
    double halfLife = node.positive("half-life-days");
    int lookback = node.positiveInt("lookback-days");
    double max = node.positive("max");
    List<EngagementRule> rules = new ArrayList<>();
    for (ConfigNode rule : node.objectList("rules")) {
      rules.add(engagementRule(rule, halfLife, types));
    }
    Optional<Inactivity> inactivity = node.optChild("inactivity").map(n -> {
      n.allowOnly(Set.of("days", "points"));
      return new Inactivity(n.positiveInt("days"), n.number("points"));
    });
    return new Engagement(halfLife, lookback, max, List.copyOf(rules), inactivity);
  }

  private EngagementRule engagementRule(ConfigNode raw, double defaultHalfLife,
      Set<String> activityTypes) {
    ConfigNode node = raw.withLabel(raw.has("name") ? raw.string("name") : null);
    String name = node.string("name");
    node.allowOnly(ENGAGEMENT_RULE_KEYS);
    List<String> types = node.has("types") ? List.copyOf(lowerAll(node.strings("types")))
        : List.of();
    for (String type : types) {
      if (!activityTypes.contains(type)) {
        throw node.fail("types", "unknown activity type '" + type + "' (if it is real, add it"
            + " to leadscore.activity-types in this model file or in the settings file)");
      }
    }
    Optional<String> urlMatches = node.optString("url-matches");
    urlMatches.ifPresent(regex -> checkRegex(node, "url-matches", regex));
    Optional<Integer> maxPerDay = node.has("max-per-day")
        ? Optional.of(node.positiveInt("max-per-day")) : Optional.empty();
    double halfLife = node.has("half-life-days") ? node.positive("half-life-days")
        : defaultHalfLife;
    boolean decay = !node.has("decay") || node.bool("decay");
    Optional<Double> cap = node.has("cap") ? Optional.of(node.positive("cap")) : Optional.empty();
    double points = node.number("points");
    return new EngagementRule(name, types, node.optString("url-contains"), urlMatches,
        node.has("campaign-in") ? List.copyOf(node.strings("campaign-in")) : List.of(),
        node.optString("when"), points, maxPerDay, halfLife, decay, cap, node.locate("when"));
  }

  private Fit fit(ConfigNode node, Map<String, List<String>> lists) {
    node.allowOnly(FIT_KEYS);
    double max = node.positive("max");
    List<FitRule> rules = new ArrayList<>();
    for (ConfigNode rule : node.objectList("rules")) {
      rules.add(fitRule(rule, lists));
    }
    ConfigNode grades = node.child("grades");
    grades.allowOnly(Set.of("A", "B", "C"));
    Grades g = new Grades(grades.number("A"), grades.number("B"), grades.number("C"));
    if (!(g.a() >= g.b() && g.b() >= g.c())) {
      throw grades.fail("A", "grade thresholds must satisfy A >= B >= C, were A = "
          + ConfigNode.format(g.a()) + ", B = " + ConfigNode.format(g.b()) + ", C = "
          + ConfigNode.format(g.c()));
    }
    return new Fit(max, List.copyOf(rules), g);
  }

  private FitRule fitRule(ConfigNode raw, Map<String, List<String>> lists) {
    ConfigNode node = raw.withLabel(raw.has("name") ? raw.string("name") : null);
    String name = node.string("name");
    Set<String> allowed = new HashSet<>(Set.of("name", "field", "when", "points"));
    for (FitOperator op : FitOperator.values()) {
      allowed.add(op.key);
    }
    node.allowOnly(allowed);
    double points = node.number("points");
    List<FitOperator> ops = new ArrayList<>();
    for (FitOperator op : FitOperator.values()) {
      if (node.has(op.key)) {
        ops.add(op);
      }
    }
    if (node.has("when")) {
      if (node.has("field") || !ops.isEmpty()) {
        throw node.fail("when", "a rule with 'when' takes no 'field' or operator");
      }
      return new FitRule(name, Optional.empty(), Optional.empty(), List.of(),
          Optional.of(node.string("when")), points, node.locate("when"));
    }
    if (!node.has("field")) {
      throw node.fail("field", "missing required key 'field' (or give a 'when' expression)");
    }
    String field = node.string("field");
    checkField(node, field);
    if (ops.size() != 1) {
      throw node.fail("field", ops.isEmpty()
          ? "needs one operator: " + operatorKeys()
          : "has " + ops.size() + " operators (" + ops.stream().map(o -> o.key).toList()
              + "); give exactly one");
    }
    FitOperator op = ops.get(0);
    List<String> values = switch (op) {
      case EQUALS, CONTAINS -> List.of(node.string(op.key));
      case IN, NOT_IN -> node.strings(op.key);
      case IN_LIST -> {
        String list = node.string(op.key);
        if (!lists.containsKey(list)) {
          throw node.fail(op.key, "unknown list '" + list + "' (lists defined: "
              + (lists.isEmpty() ? "none" : String.join(", ", lists.keySet())) + ")");
        }
        yield List.of(list);
      }
      case MATCHES -> {
        String regex = node.string(op.key);
        checkRegex(node, op.key, regex);
        yield List.of(regex);
      }
      case BETWEEN -> {
        List<Double> bounds = node.numbers(op.key);
        if (bounds.size() != 2 || bounds.get(0) > bounds.get(1)) {
          throw node.fail(op.key, "must be [low, high] with low <= high, was " + bounds);
        }
        yield List.of(String.valueOf(bounds.get(0)), String.valueOf(bounds.get(1)));
      }
      case GTE, LTE -> List.of(String.valueOf(node.number(op.key)));
      case IS_NULL, IS_NOT_NULL -> List.of(String.valueOf(node.bool(op.key)));
    };
    return new FitRule(name, Optional.of(field), Optional.of(op), List.copyOf(values),
        Optional.empty(), points, node.locate("field"));
  }

  private void checkField(ConfigNode node, String field) {
    int dot = field.indexOf('.');
    String scope = dot < 0 ? "" : field.substring(0, dot);
    String column = dot < 0 ? field : field.substring(dot + 1);
    Set<String> known = switch (scope) {
      case "lead" -> leadFields;
      case "account" -> accountFields;
      default -> throw node.fail("field", "unknown field '" + field
          + "': must be lead.<column> or account.<column>");
    };
    if (!known.contains(column)) {
      throw node.fail("field", "unknown field '" + field + "' (" + scope + " columns: "
          + String.join(", ", new java.util.TreeSet<>(known)) + ")");
    }
  }

  private Bands bands(ConfigNode node) {
    node.allowOnly(Set.of("hot", "warm"));
    Bands bands = new Bands(node.number("hot"), node.number("warm"));
    if (bands.hot() < bands.warm()) {
      throw node.fail("hot", "band thresholds must satisfy hot >= warm, were hot = "
          + ConfigNode.format(bands.hot()) + ", warm = " + ConfigNode.format(bands.warm()));
    }
    return bands;
  }

  private Lifecycle lifecycle(ConfigNode node) {
    node.allowOnly(Set.of("mql", "recycle-below"));
    ConfigNode mql = node.child("mql");
    mql.allowOnly(Set.of("grades", "min-engagement"));
    Set<String> grades = new LinkedHashSet<>();
    for (String grade : mql.strings("grades")) {
      String g = grade.toUpperCase(Locale.ROOT);
      if (!GRADES.contains(g)) {
        throw mql.fail("grades", "unknown grade '" + grade + "' (grades: A, B, C, D)");
      }
      grades.add(g);
    }
    double min = mql.number("min-engagement");
    double recycle = node.number("recycle-below");
    if (recycle > min) {
      throw node.fail("recycle-below", "must be <= mql.min-engagement (" + ConfigNode.format(min)
          + "), was " + ConfigNode.format(recycle));
    }
    return new Lifecycle(Set.copyOf(grades), min, recycle);
  }

  private Accounts accounts(ConfigNode node) {
    node.allowOnly(Set.of("top-leads", "engaged-band", "personas"));
    int topLeads = node.positiveInt("top-leads");
    String band = node.string("engaged-band").toLowerCase(Locale.ROOT);
    if (!BANDS.contains(band)) {
      throw node.fail("engaged-band", "unknown band '" + band + "' (bands: hot, warm, cold)");
    }
    List<Persona> personas = new ArrayList<>();
    Set<String> names = new HashSet<>();
    if (node.has("personas")) {
      for (ConfigNode raw : node.objectList("personas")) {
        ConfigNode persona = raw.withLabel(raw.has("name") ? raw.string("name") : null);
        persona.allowOnly(Set.of("name", "matches"));
        String name = persona.string("name");
        if (!names.add(name)) {
          throw persona.fail("name", "duplicate persona name '" + name + "'");
        }
        String regex = persona.string("matches");
        checkRegex(persona, "matches", regex);
        personas.add(new Persona(name, regex));
      }
    }
    return new Accounts(topLeads, band, List.copyOf(personas));
  }

  private static void checkRegex(ConfigNode node, String key, String regex) {
    try {
      Pattern.compile(regex);
    } catch (PatternSyntaxException e) {
      throw node.fail(key, "is not a valid regular expression: "
          + oneLine(e.getDescription()) + " near index " + e.getIndex());
    }
  }

  private static String operatorKeys() {
    List<String> keys = new ArrayList<>();
    for (FitOperator op : FitOperator.values()) {
      keys.add(op.key);
    }
    return String.join(", ", keys);
  }

  private static Set<String> lowerAll(Collection<String> values) {
    Set<String> out = new LinkedHashSet<>();
    for (String v : values) {
      out.add(v.trim().toLowerCase(Locale.ROOT));
    }
    return out;
  }

  /** Kept for callers in config; the one implementation is {@link Errors#oneLine(String)}. */
  static String oneLine(String message) {
    return Errors.oneLine(message);
  }
}

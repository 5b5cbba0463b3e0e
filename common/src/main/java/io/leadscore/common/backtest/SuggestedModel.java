package io.leadscore.common.backtest;

import com.typesafe.config.ConfigUtil;
import io.leadscore.common.backtest.Calibration.Feature;
import io.leadscore.common.backtest.Calibration.Fitted;
import io.leadscore.common.backtest.Calibration.Kind;
import io.leadscore.common.config.Model;
import io.leadscore.common.config.Model.EngagementRule;
import io.leadscore.common.config.Model.FitRule;
import io.leadscore.common.config.Model.Persona;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The model calibrate suggests, as HOCON the model loader accepts: the current model with
 * points taken from the regression, for marketing to review (nothing is deployed).
 *
 * <p>Points are {@code k * coefficient}, rounded to one decimal, with one scale {@code k}
 * for every rule, so the regression's balance between fit and engagement is kept; {@code k}
 * makes the existing rules' absolute points add up to what they add up to in the current
 * model, so scores stay on the model's scale and its grade, band and MQL thresholds keep
 * their meaning. A cap keeps its number of activities ({@code cap * new / old points}).
 * Candidate values whose points round to non-zero become new fit rules; rules whose points
 * round to 0 stay, with 0 points and a comment, never silently dropped. Every changed rule
 * says what it was.
 */
public final class SuggestedModel {
  private SuggestedModel() {}

  /** A rule's points before and after, for the report. */
  public record Change(String rule, String kind, Double before, double after,
      double coefficient) {}

  public record Suggestion(String hocon, String version, double scale, List<Change> changes) {}

  public static Suggestion suggest(Model current, Fitted fitted, LocalDate trainedAsOf,
      int horizonDays) {
    Map<String, Double> coef = new HashMap<>();
    double currentL1 = 0;
    double fittedL1 = 0;
    for (int i = 0; i < fitted.features().size(); i++) {
      Feature f = fitted.features().get(i);
      double b = fitted.coefficients()[i];
      if (f.kind() != Kind.CANDIDATE) {
        coef.put(f.rule(), b);
        currentL1 += Math.abs(pointsOf(current, f.rule()));
        fittedL1 += Math.abs(b);
      }
    }
    double k = fittedL1 == 0 ? 0 : currentL1 / fittedL1;
    String version = current.version() + "-calibrated-" + trainedAsOf;
    List<Change> changes = new ArrayList<>();
    StringBuilder h = new StringBuilder();
    h.append("# Suggested by `leadscore calibrate` from ").append(current.source()).append('\n')
        .append("# trained on the leads as of ").append(trainedAsOf).append(", conversions within ")
        .append(horizonDays).append(" days; review before deploying (nothing is deployed)\n")
        .append("# points = ").append(num(k)).append(" x the logistic regression's coefficient")
        .append(" (log-odds per activity or per match)\n")
        .append("leadscore.model {\n")
        .append("  version = ").append(q(version)).append('\n')
        .append("  engagement {\n")
        .append("    half-life-days = ").append(num(current.engagement().halfLifeDays()))
        .append('\n')
        .append("    lookback-days = ").append(current.engagement().lookbackDays()).append('\n')
        .append("    max = ").append(num(current.engagement().max())).append('\n')
        .append("    rules = [\n");
    for (EngagementRule r : current.engagement().rules()) {
      Double b = coef.get(r.name());
      double points = b == null ? r.points() : round1(k * b);
      h.append(comment("      ", r.name(), r.points(), points, b));
      h.append("      ").append(engagementRule(r, current.engagement().halfLifeDays(), points))
          .append('\n');
      changes.add(new Change(r.name(), "engagement", r.points(), points,
          b == null ? Double.NaN : b));
    }
    h.append("    ]\n");
    current.engagement().inactivity().ifPresent(i -> {
      Double b = coef.get(Model.INACTIVITY);
      double points = b == null ? i.points() : round1(k * b);
      h.append(comment("    ", Model.INACTIVITY, i.points(), points, b));
      h.append("    inactivity { days = ").append(i.days()).append(", points = ")
          .append(num(points)).append(" }\n");
      changes.add(new Change(Model.INACTIVITY, "engagement", i.points(), points,
          b == null ? Double.NaN : b));
    });
    h.append("  }\n  fit {\n    max = ").append(num(current.fit().max())).append('\n')
        .append("    rules = [\n");
    Set<String> names = new HashSet<>();
    names.add(Model.INACTIVITY);
    current.engagement().rules().forEach(r -> names.add(r.name()));
    for (FitRule r : current.fit().rules()) {
      names.add(r.name());
      Double b = coef.get(r.name());
      double points = b == null ? r.points() : round1(k * b);
      h.append(comment("      ", r.name(), r.points(), points, b));
      h.append("      ").append(fitRule(r, points)).append('\n');
      changes.add(new Change(r.name(), "fit", r.points(), points, b == null ? Double.NaN : b));
    }
    for (int i = 0; i < fitted.features().size(); i++) {
      Feature f = fitted.features().get(i);
      double points = round1(k * fitted.coefficients()[i]);
      if (f.kind() != Kind.CANDIDATE || points == 0) {
        continue;
      }
      String name = uniqueName(f.field().replace('.', '-') + "-" + slug(f.value()), names);
      h.append("      # calibrate: new rule, ").append(f.field()).append(" = ")
          .append(f.value()).append(" (coefficient ").append(num4(fitted.coefficients()[i]))
          .append(")\n");
      h.append("      { name = ").append(q(name)).append(", field = ").append(f.field())
          .append(", equals = ").append(q(f.value())).append(", points = ").append(num(points))
          .append(" }\n");
      changes.add(new Change(name, "fit (new)", null, points, fitted.coefficients()[i]));
    }
    Model.Grades g = current.fit().grades();
    h.append("    ]\n    grades { A = ").append(num(g.a())).append(", B = ").append(num(g.b()))
        .append(", C = ").append(num(g.c())).append(" }\n  }\n");
    h.append("  bands { hot = ").append(num(current.bands().hot())).append(", warm = ")
        .append(num(current.bands().warm())).append(" }\n");
    Model.Lifecycle l = current.lifecycle();
    h.append("  lifecycle {\n    mql { grades = [")
        .append(l.mqlGrades().stream().sorted().collect(Collectors.joining(", ")))
        .append("], min-engagement = ").append(num(l.minEngagement())).append(" }\n")
        .append("    recycle-below = ").append(num(l.recycleBelow())).append("\n  }\n");
    Model.Accounts a = current.accounts();
    h.append("  accounts {\n    top-leads = ").append(a.topLeads()).append('\n')
        .append("    engaged-band = ").append(a.engagedBand()).append('\n')
        .append("    personas = [\n");
    for (Persona p : a.personas()) {
      h.append("      { name = ").append(q(p.name())).append(", matches = ")
          .append(q(p.matches())).append(" }\n");
    }
    h.append("    ]\n  }\n");
    if (!current.lists().isEmpty()) {
      h.append("  lists {\n");
      current.lists().forEach((name, values) -> h.append("    ").append(q(name))
          .append(" = ").append(list(values)).append('\n'));
      h.append("  }\n");
    }
    h.append("}\n");
    return new Suggestion(h.toString(), version, k, changes);
  }

  private static String comment(String indent, String rule, double before, double after,
      Double coefficient) {
    if (coefficient == null) {
      return indent + "# calibrate: no feature (0 points), left as it was\n";
    }
    String c = " (coefficient " + num4(coefficient) + ")";
    if (after == 0 && before != 0) {
      return indent + "# calibrate: lost all weight, was " + num(before) + c
          + "; kept for review\n";
    }
    if (Math.signum(after) != Math.signum(before)) {
      return indent + "# calibrate: sign flipped, was " + num(before) + c + "\n";
    }
    return indent + "# calibrate: was " + num(before) + c + "\n";
  }

  private static String engagementRule(EngagementRule r, double defaultHalfLife,
      double points) {
    List<String> parts = new ArrayList<>();
    parts.add("name = " + q(r.name()));
    if (!r.types().isEmpty()) {
      parts.add("types = " + list(r.types()));
    }
    r.urlContains().ifPresent(v -> parts.add("url-contains = " + q(v)));
    r.urlMatches().ifPresent(v -> parts.add("url-matches = " + q(v)));
    if (!r.campaignIn().isEmpty()) {
      parts.add("campaign-in = " + list(r.campaignIn()));
    }
    r.when().ifPresent(v -> parts.add("when = " + q(v)));
    parts.add("points = " + num(points));
    r.maxPerDay().ifPresent(v -> parts.add("max-per-day = " + v));
    if (r.halfLifeDays() != defaultHalfLife) {
      parts.add("half-life-days = " + num(r.halfLifeDays()));
    }
    if (!r.decay()) {
      parts.add("decay = false");
    }
    // The cap bounds the same number of activities as before; a rule at 0 needs none.
    r.cap().filter(c -> points != 0 && r.points() != 0).ifPresent(c ->
        parts.add("cap = " + num(Math.max(0.1, round1(Math.abs(c * points / r.points()))))));
    return "{ " + String.join(", ", parts) + " }";
  }

  private static String fitRule(FitRule r, double points) {
    List<String> parts = new ArrayList<>();
    parts.add("name = " + q(r.name()));
    if (r.when().isPresent()) {
      parts.add("when = " + q(r.when().get()));
    } else {
      parts.add("field = " + r.field().orElseThrow());
      Model.FitOperator op = r.operator().orElseThrow();
      List<String> v = r.values();
      String operand = switch (op) {
        case EQUALS, CONTAINS, MATCHES, IN_LIST -> q(v.get(0));
        case IN, NOT_IN -> list(v);
        case BETWEEN -> "[" + num(Double.parseDouble(v.get(0))) + ", "
            + num(Double.parseDouble(v.get(1))) + "]";
        case GTE, LTE -> num(Double.parseDouble(v.get(0)));
        case IS_NULL, IS_NOT_NULL -> v.get(0);
      };
      parts.add(op.key + " = " + operand);
    }
    parts.add("points = " + num(points));
    return "{ " + String.join(", ", parts) + " }";
  }

  private static double pointsOf(Model m, String rule) {
    if (rule.equals(Model.INACTIVITY)) {
      return m.engagement().inactivity().map(i -> i.points()).orElse(0.0);
    }
    for (EngagementRule r : m.engagement().rules()) {
      if (r.name().equals(rule)) {
        return r.points();
      }
    }
    for (FitRule r : m.fit().rules()) {
      if (r.name().equals(rule)) {
        return r.points();
      }
    }
    throw new IllegalArgumentException("no rule " + rule);
  }

  private static String uniqueName(String base, Set<String> taken) {
    String name = base;
    for (int i = 2; taken.contains(name); i++) {
      name = base + "-" + i;
    }
    taken.add(name);
    return name;
  }

  /** A value as a rule-name part: letters, digits, '-', '_' and '.' (ModelLoader's rule). */
  static String slug(String value) {
    String s = value.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_.-]+", "-")
        .replaceAll("^-+|-+$", "");
    return s.isEmpty() ? "value" : s;
  }

  private static String list(List<String> values) {
    return "[" + values.stream().map(SuggestedModel::q).collect(Collectors.joining(", ")) + "]";
  }

  private static String q(String s) {
    return ConfigUtil.quoteString(s);
  }

  static double round1(double d) {
    double r = Math.round(d * 10) / 10.0;
    return r == 0 ? 0.0 : r;
  }

  private static String num(double d) {
    return d == Math.rint(d) && Math.abs(d) < 1e15 ? String.valueOf((long) d)
        : String.valueOf(d);
  }

  private static String num4(double d) {
    return String.format(Locale.ROOT, "%.4f", d);
  }
}

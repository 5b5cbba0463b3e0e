package io.leadscore.common.config;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The scoring model of SPEC §3, fully validated. Built by {@link ModelLoader}; every field is
 * checked when the record is built, so a job never meets a bad model half-way through.
 */
public record Model(
    String version,
    String source,
    Engagement engagement,
    Fit fit,
    Bands bands,
    Lifecycle lifecycle,
    Accounts accounts,
    Map<String, List<String>> lists) {

  /** The name of the pseudo-rule that carries the inactivity term in contributions. */
  public static final String INACTIVITY = "inactivity";
  /** The list that holds free-mail domains: such domains never resolve a lead to an account. */
  public static final String FREE_MAIL_LIST = "free-mail";

  public List<String> freeMailDomains() {
    return lists.getOrDefault(FREE_MAIL_LIST, List.of());
  }

  public record Engagement(
      double halfLifeDays,
      int lookbackDays,
      double max,
      List<EngagementRule> rules,
      Optional<Inactivity> inactivity) {}

  /**
   * One engagement rule. Absent conditions are empty; {@code maxPerDay} and {@code cap} are
   * empty when unlimited; {@code halfLifeDays} is the rule's own or the model default.
   */
  public record EngagementRule(
      String name,
      List<String> types,
      Optional<String> urlContains,
      Optional<String> urlMatches,
      List<String> campaignIn,
      Optional<String> when,
      double points,
      Optional<Integer> maxPerDay,
      double halfLifeDays,
      boolean decay,
      Optional<Double> cap,
      String whenLocation) {}

  public record Inactivity(int days, double points) {}

  public record Fit(double max, List<FitRule> rules, Grades grades) {}

  /** The operators a fit rule can apply to its field (SPEC §3). */
  public enum FitOperator {
    EQUALS("equals"), IN("in"), IN_LIST("in-list"), NOT_IN("not-in"), CONTAINS("contains"),
    MATCHES("matches"), BETWEEN("between"), GTE("gte"), LTE("lte"), IS_NULL("is-null"),
    IS_NOT_NULL("is-not-null");

    public final String key;

    FitOperator(String key) {
      this.key = key;
    }
  }

  /**
   * A fit rule: either {@code field} with one operator, or a Spark SQL {@code when}.
   * {@code values} holds the operand: one text, a list, two bounds, or a boolean flag.
   */
  public record FitRule(
      String name,
      Optional<String> field,
      Optional<FitOperator> operator,
      List<String> values,
      Optional<String> when,
      double points,
      String whenLocation) {}

  public record Grades(double a, double b, double c) {}

  public record Bands(double hot, double warm) {}

  public record Lifecycle(Set<String> mqlGrades, double minEngagement, double recycleBelow) {}

  public record Accounts(int topLeads, String engagedBand, List<Persona> personas) {}

  public record Persona(String name, String matches) {}
}

package io.leadscore.common.scoring;

import io.leadscore.common.config.Model;
import io.leadscore.common.config.Model.EngagementRule;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * Which model change invalidates which stored table, side by side. A stored table records the
 * fingerprint it was computed with; a different fingerprint rebuilds it.
 *
 * <pre>
 *   model key                          activity_daily   engagement_state   neither (applied
 *                                      (ruleConditions) (decayedSums)       when scoring)
 *   rule name, types, url-contains,          x                 x
 *     url-matches, campaign-in, when
 *   max-per-day, half-life-days, decay                         x
 *   lookback-days                                              x
 *   points, cap, engagement max,                                                 x
 *     inactivity, fit, grades, bands,
 *     lifecycle, accounts
 * </pre>
 *
 * Code cannot be fingerprinted: bump a format when the code changes what a table holds.
 */
public final class Fingerprints {
  private Fingerprints() {}

  /** Bump when the code changes which rows a rule matches or what activity_daily holds. */
  static final int ACTIVITY_DAILY_FORMAT = 1;
  /** Bump when what engagement_state holds changes (2: one row per lead, not per rule). */
  static final int ENGAGEMENT_STATE_FORMAT = 2;

  /**
   * What {@link DailyCounts#byIdentity} (activity_daily) depends on: rule names and
   * conditions, the opt-out types and {@link #ACTIVITY_DAILY_FORMAT}. Rule order does not
   * matter.
   */
  public static String ruleConditions(Model model) {
    StringBuilder text = new StringBuilder("format=" + ACTIVITY_DAILY_FORMAT);
    field(text, "opt-out", LeadScoring.OPT_OUT_TYPES.stream().sorted().toList().toString());
    for (EngagementRule r : byName(model)) {
      field(text, "rule", r.name());
      field(text, "types", r.types().stream().sorted().toList().toString());
      field(text, "url-contains", r.urlContains());
      field(text, "url-matches", r.urlMatches());
      field(text, "campaign-in", r.campaignIn().stream().sorted().toList().toString());
      field(text, "when", r.when());
    }
    return sha256(text.toString());
  }

  /**
   * What the carried sums of engagement_state ({@link EngagementCarry}) depend on: the rule
   * conditions ({@link #ruleConditions}), each rule's per-day limit, half-life and decay, and
   * the lookback.
   */
  public static String decayedSums(Model model) {
    StringBuilder text = new StringBuilder("format=" + ENGAGEMENT_STATE_FORMAT + "\nconditions="
        + ruleConditions(model) + "\nlookback=" + model.engagement().lookbackDays());
    for (EngagementRule r : byName(model)) {
      text.append("\nrule=").append(r.name().length()).append(':').append(r.name())
          .append(" max-per-day=").append(r.maxPerDay().map(String::valueOf).orElse("-"))
          .append(" half-life=").append(r.halfLifeDays()).append(" decay=").append(r.decay());
    }
    return sha256(text.toString());
  }

  /** The SHA-256 of a text, in hex. */
  public static String sha256(String text) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256")
          .digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  private static List<EngagementRule> byName(Model model) {
    List<EngagementRule> rules = new ArrayList<>(model.engagement().rules());
    rules.sort(Comparator.comparing(EngagementRule::name));
    return rules;
  }

  // Length-prefixed, so no value can imitate a field boundary.
  private static void field(StringBuilder text, String key, Optional<String> value) {
    field(text, key, value.orElse(null));
  }

  private static void field(StringBuilder text, String key, String value) {
    text.append('\n').append(key).append('=');
    text.append(value == null ? "-" : value.length() + ":" + value);
  }
}

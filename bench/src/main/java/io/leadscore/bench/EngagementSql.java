package io.leadscore.bench;

import io.leadscore.common.config.Model;
import io.leadscore.common.config.Model.EngagementRule;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Lead engagement of SPEC §4 written as one DuckDB query, generated from a loaded {@link Model}:
 * the independent implementation the benchmark times leadscore against and checks it with.
 * It follows the contract, not leadscore's code: one pass groups activities per lead and day
 * with one filtered count per rule, a second sums the decayed, per-day-limited points per rule.
 *
 * <p>The query reads Parquet directly ({@code read_parquet}) and returns {@code lead_id} and
 * {@code engagement_score} (DECIMAL(38,2)) for every lead of the leads file.
 *
 * <p>Two places where DuckDB and Spark differ are bridged here on purpose:
 * <ul>
 *   <li>Rounding. Spark rounds a double half-up through {@code BigDecimal.valueOf}, i.e. its
 *       shortest decimal text (0.285 becomes 0.29); DuckDB's {@code round(double)} works on the
 *       binary value (0.28). So the double goes through VARCHAR (DuckDB prints the shortest
 *       text too) and DECIMAL before rounding. Scores are clamped to [0, max], so half-up
 *       and DuckDB's half-away-from-zero agree.
 *   <li>Regexes. {@code url-matches} is a Java regex in leadscore (Spark {@code rlike}) and RE2
 *       in DuckDB ({@code regexp_matches}, also "found anywhere"). They agree on the common
 *       syntax; a model using look-around or back-references cannot be benchmarked.
 * </ul>
 */
public final class EngagementSql {
  private EngagementSql() {}

  /** SPEC §8.3's whitespace, as leadscore's {@code Text.clean} trims it (NBSP included). */
  static final String WHITESPACE = "(' ' || chr(9) || chr(10) || chr(11) || chr(12) || chr(13)"
      + " || chr(160))";

  /**
   * The query for engagement as of {@code asOf}.
   *
   * @param activities a Parquet glob of activities (columns of the activities table)
   * @param leads a Parquet glob of the leads table
   * @throws IllegalArgumentException when a rule has a {@code when} (a Spark SQL expression
   *     this harness does not translate)
   */
  public static String leadEngagement(Model model, LocalDate asOf, String activities,
      String leads) {
    refuseWhen(model);
    Model.Engagement e = model.engagement();
    String day = "DATE " + literal(asOf.toString());
    List<EngagementRule> rules = e.rules();

    List<String> counts = new ArrayList<>();
    List<String> sums = new ArrayList<>();
    List<String> capped = new ArrayList<>();
    for (int i = 0; i < rules.size(); i++) {
      EngagementRule r = rules.get(i);
      String n = "n" + i;
      counts.add("count(*) FILTER (WHERE " + condition(r) + ") AS " + n);
      String perDay = r.maxPerDay().map(m -> "least(" + n + ", " + m + ")").orElse(n);
      String decay = r.decay()
          ? "power(0.5, CAST(age AS DOUBLE) / " + number(r.halfLifeDays()) + ")"
          : "1.0";
      // (n' * p) * decay, in the order leadscore multiplies; only days in the lookback.
      sums.add("sum((" + perDay + " * " + number(r.points()) + ") * " + decay + ") FILTER (WHERE "
          + n + " > 0 AND age < " + e.lookbackDays() + ") AS c" + i);
      String c = "c" + i;
      capped.add(r.cap()
          .map(cap -> "coalesce(CASE WHEN abs(" + c + ") > " + number(cap) + " THEN sign(" + c
              + ") * " + number(cap) + " ELSE " + c + " END, 0.0)")
          .orElse("coalesce(" + c + ", 0.0)"));
    }
    String inactivity = e.inactivity()
        .map(i -> "CASE WHEN coalesce(" + day + " - since >= " + i.days() + ", false) THEN "
            + number(i.points()) + " ELSE 0.0 END")
        .orElse("0.0");
    String ruleSum = capped.isEmpty() ? "0.0" : String.join("\n      + ", capped);

    return String.join("\n",
        "WITH leads AS (",
        "  SELECT " + clean("lead_id") + " AS lead_id, email, created_at",
        "  FROM read_parquet(" + literal(leads) + ")",
        "), by_email AS (",
        "  -- an email resolves to the smallest lead_id among leads with that email",
        "  SELECT lower(" + clean("email") + ") AS email_key, min(lead_id) AS lead_id",
        "  FROM leads GROUP BY 1",
        "), cleaned AS (",
        "  -- each text cleaned once; the email is a join key only without a lead_id",
        "  SELECT " + clean("lead_id") + " AS lead_id,",
        "    CASE WHEN " + clean("lead_id") + " IS NULL THEN lower(" + clean("email")
            + ") END AS email_key,",
        "    event_date, " + normalized("activity_type") + " AS type_key, url, "
            + normalized("url") + " AS url_key,",
        "    " + normalized("campaign_id") + " AS campaign_key",
        "  FROM read_parquet(" + literal(activities) + ")",
        "  WHERE event_date <= " + day,
        "), acts AS (",
        "  -- a present lead_id decides, even when no such lead exists. An equality on keys,",
        "  -- so DuckDB hashes it (a condition on one side in ON made it a nested loop).",
        "  SELECT coalesce(a.lead_id, m.lead_id) AS lead_id, a.event_date, a.type_key, a.url,",
        "    a.url_key, a.campaign_key",
        "  FROM cleaned a LEFT JOIN by_email m ON m.email_key = a.email_key",
        "), daily AS (",
        "  SELECT lead_id, event_date, " + day + " - event_date AS age"
            + (counts.isEmpty() ? "" : ",\n    " + String.join(",\n    ", counts)),
        "  FROM acts WHERE lead_id IS NOT NULL",
        "  GROUP BY lead_id, event_date",
        "), per_lead AS (",
        "  SELECT lead_id, max(event_date) AS last_activity"
            + (sums.isEmpty() ? "" : ",\n    " + String.join(",\n    ", sums)),
        "  FROM daily GROUP BY lead_id",
        "), raw AS (",
        "  SELECT l.lead_id,",
        "    " + ruleSum + " AS rules,",
        "    coalesce(p.last_activity, CAST(l.created_at AS DATE)) AS since",
        "  FROM leads l LEFT JOIN per_lead p ON p.lead_id = l.lead_id",
        ")",
        "SELECT lead_id, round(CAST(CAST(greatest(0.0, least(" + number(e.max()) + ", rules + "
            + inactivity + ")) AS VARCHAR) AS DECIMAL(38, 20)), 2) AS engagement_score",
        "FROM raw");
  }

  /**
   * Whether an activity row matches a rule: all given conditions, never null (SPEC §8.4).
   * Over the columns of {@code acts}: the {@code _key} columns are trimmed and lower-cased.
   */
  static String condition(EngagementRule r) {
    List<String> all = new ArrayList<>();
    if (!r.types().isEmpty()) {
      all.add("type_key IN (" + lowered(r.types()) + ")");
    }
    r.urlContains().ifPresent(v -> all.add("contains(url_key, "
        + literal(v.trim().toLowerCase(Locale.ROOT)) + ")"));
    // rlike tests the stored value as is: no trimming, case as the regex says.
    r.urlMatches().ifPresent(v -> all.add("regexp_matches(url, " + literal(v) + ")"));
    if (!r.campaignIn().isEmpty()) {
      all.add("campaign_key IN (" + lowered(r.campaignIn()) + ")");
    }
    if (all.isEmpty()) {
      return "true";
    }
    return "coalesce(" + String.join(" AND ", all) + ", false)";
  }

  /** Refuses a model with {@code when} rules, naming them. */
  static void refuseWhen(Model model) {
    List<String> named = model.engagement().rules().stream()
        .filter(r -> r.when().isPresent())
        .map(r -> r.name() + " at " + r.whenLocation())
        .toList();
    if (!named.isEmpty()) {
      throw new IllegalArgumentException("the DuckDB comparison cannot evaluate 'when'"
          + " (Spark SQL) in engagement rules: " + String.join(", ", named)
          + "; benchmark with a model without them (bench/model.conf)");
    }
  }

  /** Trimmed of SPEC §8.3's whitespace; blank becomes null (leadscore's Text.clean). */
  static String clean(String column) {
    return "nullif(trim(" + column + ", " + WHITESPACE + "), '')";
  }

  static String normalized(String column) {
    return "lower(" + clean(column) + ")";
  }

  private static String lowered(List<String> values) {
    return values.stream().map(v -> literal(v.trim().toLowerCase(Locale.ROOT)))
        .collect(Collectors.joining(", "));
  }

  static String literal(String s) {
    return "'" + s.replace("'", "''") + "'";
  }

  /** A DOUBLE literal: the shortest text that reads back as the same double. */
  static String number(double d) {
    return "CAST(" + literal(Double.toString(d)) + " AS DOUBLE)";
  }
}

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
 * <p>The same query is also generated in Spark SQL ({@link Dialect#SPARK}) for the bench's
 * plain Spark row; the dialects differ only in literals, trim, date differences, regex
 * matching and the text type.
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

  /**
   * The SQL dialect the query is written in. The same query runs in Spark SQL as the bench's
   * "plain Spark" row: what Spark itself costs for this math on this machine, without
   * leadscore's tables, state or history.
   */
  enum Dialect {
    DUCKDB, SPARK;

    /** A string literal: DuckDB doubles a quote; Spark escapes it (and backslashes). */
    String literal(String s) {
      return this == DUCKDB ? "'" + s.replace("'", "''") + "'"
          : "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    String trim(String column) {
      return this == DUCKDB ? "trim(" + column + ", " + WHITESPACE + ")"
          : "trim(BOTH " + WHITESPACE + " FROM " + column + ")";
    }

    /** Days from {@code date} to {@code day}, an integer. */
    String daysBetween(String day, String date) {
      return this == DUCKDB ? day + " - " + date : "datediff(" + day + ", " + date + ")";
    }

    /** A Java-or-RE2 regex found anywhere in the value. */
    String regexFound(String column, String regex) {
      return this == DUCKDB ? "regexp_matches(" + column + ", " + literal(regex) + ")"
          : column + " RLIKE " + literal(regex);
    }

    String text() {
      return this == DUCKDB ? "VARCHAR" : "STRING";
    }

    /** A DOUBLE literal: the shortest text that reads back as the same double. */
    String number(double d) {
      return "CAST(" + literal(Double.toString(d)) + " AS DOUBLE)";
    }
  }

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
    Dialect d = Dialect.DUCKDB;
    return query(model, asOf, "read_parquet(" + d.literal(activities) + ")",
        "read_parquet(" + d.literal(leads) + ")", d);
  }

  /**
   * The same query in Spark SQL, over two tables or temporary views: one with the columns of
   * the activities table, one with those of the leads table.
   */
  public static String sparkLeadEngagement(Model model, LocalDate asOf, String activitiesView,
      String leadsView) {
    return query(model, asOf, activitiesView, leadsView, Dialect.SPARK);
  }

  private static String query(Model model, LocalDate asOf, String activities, String leads,
      Dialect dialect) {
    refuseWhen(model);
    Model.Engagement e = model.engagement();
    String day = "DATE " + dialect.literal(asOf.toString());
    List<EngagementRule> rules = e.rules();

    List<String> counts = new ArrayList<>();
    List<String> sums = new ArrayList<>();
    List<String> capped = new ArrayList<>();
    for (int i = 0; i < rules.size(); i++) {
      EngagementRule r = rules.get(i);
      String n = "n" + i;
      counts.add("count(*) FILTER (WHERE " + condition(r, dialect) + ") AS " + n);
      String perDay = r.maxPerDay().map(m -> "least(" + n + ", " + m + ")").orElse(n);
      String decay = r.decay()
          ? "power(0.5, CAST(age AS DOUBLE) / " + dialect.number(r.halfLifeDays()) + ")"
          : "1.0";
      // (n' * p) * decay, in the order leadscore multiplies; only days in the lookback.
      sums.add("sum((" + perDay + " * " + dialect.number(r.points()) + ") * " + decay
          + ") FILTER (WHERE " + n + " > 0 AND age < " + e.lookbackDays() + ") AS c" + i);
      String c = "c" + i;
      capped.add(r.cap()
          .map(cap -> "coalesce(CASE WHEN abs(" + c + ") > " + dialect.number(cap)
              + " THEN sign(" + c + ") * " + dialect.number(cap) + " ELSE " + c + " END, 0.0)")
          .orElse("coalesce(" + c + ", 0.0)"));
    }
    String inactivity = e.inactivity()
        .map(i -> "CASE WHEN coalesce(" + dialect.daysBetween(day, "since") + " >= " + i.days()
            + ", false) THEN " + dialect.number(i.points()) + " ELSE 0.0 END")
        .orElse("0.0");
    String ruleSum = capped.isEmpty() ? "0.0" : String.join("\n      + ", capped);

    return String.join("\n",
        "WITH leads AS (",
        "  SELECT " + clean(dialect, "lead_id") + " AS lead_id, email, created_at",
        "  FROM " + leads,
        "), by_email AS (",
        "  -- an email resolves to the smallest lead_id among leads with that email",
        "  SELECT lower(" + clean(dialect, "email") + ") AS email_key, min(lead_id) AS lead_id",
        "  FROM leads GROUP BY 1",
        "), cleaned AS (",
        "  -- each text cleaned once; the email is a join key only without a lead_id",
        "  SELECT " + clean(dialect, "lead_id") + " AS lead_id,",
        "    CASE WHEN " + clean(dialect, "lead_id") + " IS NULL THEN lower("
            + clean(dialect, "email") + ") END AS email_key,",
        "    event_date, " + normalized(dialect, "activity_type") + " AS type_key, url, "
            + normalized(dialect, "url") + " AS url_key,",
        "    " + normalized(dialect, "campaign_id") + " AS campaign_key",
        "  FROM " + activities,
        "  WHERE event_date <= " + day,
        "), acts AS (",
        "  -- a present lead_id decides, even when no such lead exists. An equality on keys,",
        "  -- so DuckDB hashes it (a condition on one side in ON made it a nested loop).",
        "  SELECT coalesce(a.lead_id, m.lead_id) AS lead_id, a.event_date, a.type_key, a.url,",
        "    a.url_key, a.campaign_key",
        "  FROM cleaned a LEFT JOIN by_email m ON m.email_key = a.email_key",
        "), daily AS (",
        "  SELECT lead_id, event_date, " + dialect.daysBetween(day, "event_date") + " AS age"
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
        "SELECT lead_id, round(CAST(CAST(greatest(0.0, least(" + dialect.number(e.max())
            + ", rules + " + inactivity + ")) AS " + dialect.text()
            + ") AS DECIMAL(38, 20)), 2) AS engagement_score",
        "FROM raw");
  }

  /**
   * Whether an activity row matches a rule: all given conditions, never null (SPEC §8.4).
   * Over the columns of {@code acts}: the {@code _key} columns are trimmed and lower-cased.
   */
  static String condition(EngagementRule r, Dialect dialect) {
    List<String> all = new ArrayList<>();
    if (!r.types().isEmpty()) {
      all.add("type_key IN (" + lowered(r.types(), dialect) + ")");
    }
    r.urlContains().ifPresent(v -> all.add("contains(url_key, "
        + dialect.literal(v.trim().toLowerCase(Locale.ROOT)) + ")"));
    // rlike tests the stored value as is: no trimming, case as the regex says.
    r.urlMatches().ifPresent(v -> all.add(dialect.regexFound("url", v)));
    if (!r.campaignIn().isEmpty()) {
      all.add("campaign_key IN (" + lowered(r.campaignIn(), dialect) + ")");
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
  static String clean(Dialect dialect, String column) {
    return "nullif(" + dialect.trim(column) + ", '')";
  }

  static String normalized(Dialect dialect, String column) {
    return "lower(" + clean(dialect, column) + ")";
  }

  private static String lowered(List<String> values, Dialect dialect) {
    return values.stream().map(v -> dialect.literal(v.trim().toLowerCase(Locale.ROOT)))
        .collect(Collectors.joining(", "));
  }

  /** A DuckDB string literal. */
  static String literal(String s) {
    return Dialect.DUCKDB.literal(s);
  }
}

package io.leadscore.common.generate;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.lpad;
import static org.apache.spark.sql.functions.pow;
import static org.apache.spark.sql.functions.round;
import static org.apache.spark.sql.functions.when;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The firmographics of account number {@code no} (1-based) as column expressions of that
 * number alone. Leads and activity rows re-derive their account's domain, industry and
 * size this way instead of joining, so the generator never shuffles.
 */
final class AccountColumns {
  // Attribute names, added under a caller-chosen prefix.
  static final String ID = "id";
  static final String DOMAIN = "domain";
  static final String NAME = "name";
  static final String INDUSTRY = "industry";
  static final String EMPLOYEES = "employees";
  static final String REVENUE = "revenue";
  static final String COUNTRY = "country";
  static final String UPDATED_AT = "updated_at";
  /** software or fintech: the reference model's target industries. */
  static final String TARGET_INDUSTRY = "target_industry";
  /** 200..5000 employees: the reference model's mid-market. */
  static final String MID_MARKET = "mid_market";

  private static final String INDUSTRY_INDEX = "industry_index";
  private static final String WORD_INDEX = "word_index";
  private static final String SUFFIX_U = "suffix_u";
  private static final String TLD = "tld";
  private static final String REVENUE_FACTOR = "revenue_factor";

  private final GeneratorSpec spec;
  private final Rand rand;
  private final int width;

  AccountColumns(GeneratorSpec spec) {
    this.spec = spec;
    this.rand = new Rand(spec.seed());
    this.width = Math.max(5, Long.toString(spec.accounts()).length());
  }

  /** {@code A00017}: zero-padded to the account count's digits, at least five. */
  Column id(Column no) {
    return concat(lit("A"), lpad(no.cast("string"), width, "0"));
  }

  /** Adds {@code prefix + attribute} columns for the account number in {@code noColumn}. */
  Dataset<Row> add(Dataset<Row> df, String noColumn, String prefix) {
    Column no = col(noColumn);
    Map<String, Column> drawn = new LinkedHashMap<>();
    drawn.put(prefix + INDUSTRY_INDEX,
        Rand.weightedIndex(Vocabulary.INDUSTRY_WEIGHTS, rand.u(no, "account.industry")));
    drawn.put(prefix + WORD_INDEX,
        rand.below(no, "account.word", Vocabulary.COMPANY_WORDS.size()));
    drawn.put(prefix + SUFFIX_U, rand.u(no, "account.suffix"));
    drawn.put(prefix + TLD,
        Rand.weighted(Vocabulary.TLDS, Vocabulary.TLD_WEIGHTS, rand.u(no, "account.tld")));
    drawn.put(prefix + EMPLOYEES, when(rand.chance(no, "account.employees.null", 0.02), null)
        .otherwise(employees(rand.u(no, "account.employees"))));
    drawn.put(prefix + REVENUE_FACTOR, when(rand.chance(no, "account.revenue.null", 0.05), null)
        .otherwise(rand.u(no, "account.revenue").plus(0.5)));
    drawn.put(prefix + COUNTRY, Rand.weighted(Vocabulary.COUNTRIES,
        Vocabulary.COUNTRY_WEIGHTS, rand.u(no, "account.country")));
    long endSecond = (spec.endDate().toEpochDay() + 1) * Timestamps.DAY_SECONDS - 1;
    drawn.put(prefix + UPDATED_AT, Timestamps.isoUtc(lit(endSecond)
        .minus(rand.below(no, "account.updated", 365 * Timestamps.DAY_SECONDS))));

    Column industry = col(prefix + INDUSTRY_INDEX);
    Column word = col(prefix + WORD_INDEX);
    Column suffixU = col(prefix + SUFFIX_U);
    Column employees = col(prefix + EMPLOYEES);
    Map<String, Column> named = new LinkedHashMap<>();
    named.put(prefix + ID, id(no));
    named.put(prefix + NAME, concat(Rand.at(Vocabulary.COMPANY_WORDS, word), lit(" "),
        Rand.pickIn(Vocabulary.NAME_SUFFIXES, industry, suffixU)));
    // The account number makes the domain unique: acme-analytics-17.com.
    named.put(prefix + DOMAIN, concat(Rand.at(Vocabulary.COMPANY_SLUGS, word), lit("-"),
        Rand.pickIn(Vocabulary.NAME_SUFFIX_SLUGS, industry, suffixU), lit("-"),
        no.cast("string"), col(prefix + TLD)));
    named.put(prefix + INDUSTRY, Rand.at(Vocabulary.INDUSTRIES, industry));
    named.put(prefix + REVENUE, round(employees
        .multiply(Rand.atDouble(Vocabulary.REVENUE_PER_EMPLOYEE, industry))
        .multiply(col(prefix + REVENUE_FACTOR)).divide(1000)).multiply(1000).cast("double"));
    named.put(prefix + TARGET_INDUSTRY, industry.leq(1));
    named.put(prefix + MID_MARKET, coalesce(employees.between(200, 5000), lit(false)));
    return df.withColumns(drawn).withColumns(named);
  }

  /**
   * 10..50000, log-uniform bent towards small companies: about a third fall in the
   * mid-market band 200..5000.
   */
  private static Column employees(Column u) {
    return floor(pow(lit(5000.0), pow(u, 1.4)).multiply(10));
  }
}

package io.leadscore.common.generate;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.exp;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.log;
import static org.apache.spark.sql.functions.lower;
import static org.apache.spark.sql.functions.lpad;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.pow;
import static org.apache.spark.sql.functions.round;
import static org.apache.spark.sql.functions.substring;
import static org.apache.spark.sql.functions.upper;
import static org.apache.spark.sql.functions.when;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Everything about lead number {@code no} (1-based) as column expressions of that number:
 * who the lead is, its account, when it was created and active, how busy it is, and
 * whether and when it converts. The leads, outcomes and activity datasets all call
 * {@link #add}, so they agree without a join; Spark prunes the columns a caller does not
 * select.
 *
 * <p>Days are relative to the window: day 0 is {@link GeneratorSpec#startDate()}, day
 * {@code days - 1} the end date; a negative day is before the window.
 */
final class LeadColumns {
  static final String NO = "l_no";
  static final String ID = "l_id";
  static final String PERSONA = "l_persona";
  static final String FIRST_NAME = "l_first_name";
  static final String LAST_NAME = "l_last_name";
  static final String TITLE = "l_title";
  static final String FREE_MAIL = "l_free_mail";
  static final String ACCOUNT_NO = "l_account_no";
  /** The CRM's account_id: null for free-mail leads and for those resolved by domain. */
  static final String CRM_ACCOUNT_ID = "l_crm_account_id";
  /** The account a lead belongs to (by id or by email domain); null for free mail. */
  static final String ACCOUNT_ID = "l_account_id";
  /** Lower-case, trimmed: the identity activity rows match. */
  static final String EMAIL = "l_email";
  /** As the CRM snapshot holds it: mostly {@link #EMAIL}, some mixed case or padded. */
  static final String SNAPSHOT_EMAIL = "l_snapshot_email";
  static final String COUNTRY = "l_country";
  static final String CREATED_SECOND = "l_created_second";
  static final String UPDATED_SECOND = "l_updated_second";
  static final String OPT_IN = "l_opt_in";
  /** First and last day the lead can be active: dormant leads stop early. */
  static final String SPAN_START = "l_span_start";
  static final String ACTIVE_END = "l_active_end";
  /** Leads that ever unsubscribe or bounce: only these get such activities. */
  static final String UNSUBSCRIBES = "l_unsubscribes";
  static final String BOUNCES = "l_bounces";
  /** Target industry and mid-market: gets extra demo requests. */
  static final String HIGH_FIT = "l_high_fit";
  /** Expected activity relative to the average lead (1 = average). */
  static final String ACTIVITY = "l_activity";
  /**
   * The furthest step the lead ever takes, whatever the end date: 0 none, 1 sql, 3 closed
   * (won or lost; every opportunity closes, possibly after the end date).
   */
  static final String LEVEL = "l_level";
  static final String WON = "l_won";
  static final String SQL_DAY = "l_sql_day";
  static final String OPPORTUNITY_DAY = "l_opportunity_day";
  static final String CLOSE_DAY = "l_close_day";
  static final String AMOUNT = "l_amount";
  static final String CRM_STAGE = "l_crm_stage";

  // Intermediate columns.
  private static final String CREATED_DAY = "l_created_day";
  private static final String SENIORITY = "l_seniority";
  /** Log-odds contribution of who the lead is (persona, industry, size, email). */
  private static final String FIT = "l_fit";
  /** By persona: economic buyer, champion, user, student. */
  private static final double[] SENIORITY_LOG_ODDS = {1.2, 0.8, 0.0, -2.0};

  static final int LEVEL_SQL = 1;
  static final int LEVEL_OPPORTUNITY = 2;
  static final int LEVEL_CLOSED = 3;

  /** Prefix of the lead's account attributes ({@link AccountColumns}). */
  static final String ACCOUNT_PREFIX = "la_";

  private static final double DORMANT_SHARE = 0.25;
  private static final double DOMAIN_ONLY_SHARE = 0.15;
  /** Free mail: half the students, 5.5% of the others: about 10% overall. */
  private static final double FREE_MAIL_STUDENT = 0.5;
  private static final double FREE_MAIL_OTHER = 0.055;

  private final GeneratorSpec spec;
  private final Rand rand;
  private final AccountColumns accounts;
  private final ActivityWeight weight;
  private final Permutation rankToLead;
  private final Permutation accountScatter;
  private final int width;

  LeadColumns(GeneratorSpec spec) {
    this.spec = spec;
    this.rand = new Rand(spec.seed());
    this.accounts = new AccountColumns(spec);
    this.weight = new ActivityWeight(spec.leads());
    this.rankToLead = new Permutation(spec.leads(), spec.seed(), "lead.rank");
    this.accountScatter = new Permutation(spec.accounts(), spec.seed(), "lead.account");
    this.width = Math.max(6, Integer.toString(spec.leads()).length());
  }

  /** {@code L000042}: zero-padded to the lead count's digits, at least six. */
  Column id(Column no) {
    return concat(lit("L"), lpad(no.cast("string"), width, "0"));
  }

  /** A well-formed lead id that no lead has: one digit longer than every real id. */
  Column unknownId(Column k) {
    return concat(lit("L9"), lpad(k.cast("string"), width, "0"));
  }

  /** The lead number an activity draws from a uniform: busy leads are drawn more. */
  Column drawLead(Column u) {
    return rankToLead.apply(weight.rank(u)).plus(1);
  }

  AccountColumns accounts() {
    return accounts;
  }

  /** Adds the lead's attribute columns (and its account's, prefixed la_) for column NO. */
  Dataset<Row> add(Dataset<Row> df) {
    Column no = col(NO);
    int days = spec.days();
    long startDay = spec.startDate().toEpochDay();

    Map<String, Column> drawn = new LinkedHashMap<>();
    drawn.put(ID, id(no));
    drawn.put(PERSONA,
        Rand.weightedIndex(Vocabulary.PERSONA_WEIGHTS, rand.u(no, "lead.persona")));
    drawn.put(FIRST_NAME, Rand.pick(Vocabulary.FIRST_NAMES, rand.u(no, "lead.first")));
    drawn.put(LAST_NAME, Rand.pick(Vocabulary.LAST_NAMES, rand.u(no, "lead.last")));
    // Bigger share of leads on low account numbers before scattering: some accounts
    // have a whole buying committee, others one contact.
    drawn.put(ACCOUNT_NO, accountScatter.apply(
        floor(pow(rand.u(no, "lead.account"), 1.5).multiply(spec.accounts()))).plus(1));
    drawn.put(CREATED_DAY, createdDay(no));
    drawn.put(ACTIVITY, weight.relative(rankToLead.invert(no.minus(1))));
    Dataset<Row> withAccount = accounts.add(df.withColumns(drawn), ACCOUNT_NO, ACCOUNT_PREFIX);

    Column persona = col(PERSONA);
    Column createdDay = col(CREATED_DAY);
    Map<String, Column> who = new LinkedHashMap<>();
    who.put(FREE_MAIL, rand.u(no, "lead.free").lt(
        when(persona.equalTo(Vocabulary.STUDENT), FREE_MAIL_STUDENT)
            .otherwise(FREE_MAIL_OTHER)));
    who.put(TITLE, when(rand.chance(no, "lead.title.null", 0.02), null)
        .otherwise(Rand.pickIn(Vocabulary.TITLES, persona, rand.u(no, "lead.title"))));
    who.put(CREATED_SECOND, lit(startDay).plus(createdDay).multiply(Timestamps.DAY_SECONDS)
        .plus(rand.below(no, "lead.created.second", Timestamps.DAY_SECONDS)));
    who.put(SPAN_START, greatest(createdDay, lit(0L)));
    who.put(SENIORITY, Rand.atDouble(SENIORITY_LOG_ODDS, persona));
    Dataset<Row> withWho = withAccount.withColumns(who);

    Column free = col(FREE_MAIL);
    Column spanStart = col(SPAN_START);
    Column accountId = col(ACCOUNT_PREFIX + AccountColumns.ID);
    Column highFit = not(free).and(col(ACCOUNT_PREFIX + AccountColumns.TARGET_INDUSTRY))
        .and(col(ACCOUNT_PREFIX + AccountColumns.MID_MARKET));
    long endSecond = (spec.endDate().toEpochDay() + 1) * Timestamps.DAY_SECONDS - 1;
    Map<String, Column> where = new LinkedHashMap<>();
    where.put(EMAIL, email(no, free));
    where.put(ACCOUNT_ID, when(free, null).otherwise(accountId));
    where.put(CRM_ACCOUNT_ID, when(free.or(rand.chance(no, "lead.domain-only",
        DOMAIN_ONLY_SHARE)), null).otherwise(accountId));
    where.put(COUNTRY, when(not(free).and(rand.chance(no, "lead.country.account", 0.8)),
        col(ACCOUNT_PREFIX + AccountColumns.COUNTRY)).otherwise(Rand.weighted(
            Vocabulary.COUNTRIES, Vocabulary.COUNTRY_WEIGHTS, rand.u(no, "lead.country"))));
    where.put(UPDATED_SECOND, col(CREATED_SECOND).plus(floor(rand.u(no, "lead.updated")
        .multiply(lit(endSecond).minus(col(CREATED_SECOND))))));
    where.put(OPT_IN, rand.u(no, "lead.opt-in").lt(when(free, 0.6).otherwise(0.85)));
    // Dormant leads stop early in their span (squared uniform), so the 90-day
    // inactivity rule has leads to act on.
    where.put(ACTIVE_END, when(rand.chance(no, "lead.dormant", DORMANT_SHARE),
        spanStart.plus(floor(pow(rand.u(no, "lead.dormant.end"), 2)
            .multiply(lit(days).minus(spanStart)))))
        .otherwise(lit((long) days - 1)));
    where.put(HIGH_FIT, highFit);
    // Per lead, not per event: otherwise the busiest leads would all unsubscribe.
    where.put(UNSUBSCRIBES, rand.chance(no, "lead.unsubscribes", 0.10));
    where.put(BOUNCES, rand.chance(no, "lead.bounces", 0.05));
    where.put(FIT, col(SENIORITY)
        .plus(when(not(free).and(col(ACCOUNT_PREFIX + AccountColumns.TARGET_INDUSTRY)), 0.9)
            .otherwise(0.0))
        .plus(when(not(free).and(col(ACCOUNT_PREFIX + AccountColumns.MID_MARKET)), 0.7)
            .otherwise(0.0))
        .plus(when(free, -0.6).otherwise(0.0)));
    return outcomes(withWho.withColumns(where));
  }

  /**
   * Whether and when a lead converts. The chance of reaching sql is a logistic of fit
   * (seniority, target industry, mid-market, corporate email) plus the log of the lead's
   * activity weight, the same weight activity rows are drawn with: the generated data
   * therefore carries the signal a backtest should find. Conversions fall in the later
   * half of the lead's active span, after most of its activity.
   */
  private Dataset<Row> outcomes(Dataset<Row> df) {
    Column no = col(NO);
    Column fit = col(FIT);
    Column activityTerm = least(greatest(log(col(ACTIVITY)), lit(-3.0)), lit(3.0));
    Column reachesSql = rand.u(no, "lead.outcome.sql")
        .lt(sigmoid(lit(-3.3).plus(fit).plus(activityTerm.multiply(0.9))));
    Column reachesOpportunity = rand.u(no, "lead.outcome.opportunity")
        .lt(sigmoid(fit.multiply(0.6).plus(0.2)));
    Column spanStart = col(SPAN_START);
    Column activeEnd = col(ACTIVE_END);

    Map<String, Column> ladder = new LinkedHashMap<>();
    ladder.put(LEVEL, when(not(reachesSql), 0)
        .when(not(reachesOpportunity), LEVEL_SQL).otherwise(LEVEL_CLOSED));
    ladder.put(WON, rand.u(no, "lead.outcome.won")
        .lt(sigmoid(lit(-0.6).plus(fit.multiply(0.5)).plus(activityTerm.multiply(0.3)))));
    ladder.put(SQL_DAY, least(activeEnd, spanStart.plus(floor(
        rand.u(no, "lead.outcome.sql.day").multiply(0.5).plus(0.5)
            .multiply(activeEnd.minus(spanStart).plus(1))))));
    ladder.put(AMOUNT, round(lit(3000.0)
        .multiply(pow(coalesce(col(ACCOUNT_PREFIX + AccountColumns.EMPLOYEES), lit(50L)), 0.45))
        .multiply(rand.u(no, "lead.outcome.amount").multiply(0.8).plus(0.6))
        .divide(100)).multiply(100).cast("double"));
    Dataset<Row> withLadder = df.withColumns(ladder);

    Map<String, Column> dates = new LinkedHashMap<>();
    Column opportunityDay =
        col(SQL_DAY).plus(5).plus(rand.below(no, "lead.outcome.opportunity.day", 26));
    dates.put(OPPORTUNITY_DAY, opportunityDay);
    dates.put(CLOSE_DAY,
        opportunityDay.plus(15).plus(rand.below(no, "lead.outcome.close.day", 61)));
    Dataset<Row> withDates = withLadder.withColumns(dates);

    // The CRM snapshot is as of the end date: it shows the furthest step reached by then.
    long lastDay = spec.days() - 1L;
    Column level = col(LEVEL);
    Column reached = when(level.geq(LEVEL_CLOSED).and(col(CLOSE_DAY).leq(lastDay)), 3)
        .when(level.geq(LEVEL_OPPORTUNITY).and(col(OPPORTUNITY_DAY).leq(lastDay)), 2)
        .when(level.geq(LEVEL_SQL), 1)
        .otherwise(0);
    Column stageU = rand.u(no, "lead.crm-stage");
    Map<String, Column> crm = new LinkedHashMap<>();
    crm.put(CRM_STAGE, when(reached.equalTo(3).and(col(WON)), "customer")
        .when(reached.equalTo(3), when(stageU.lt(0.6), "disqualified").otherwise("lead"))
        .when(reached.equalTo(2), "opportunity")
        .when(reached.equalTo(1), "sql")
        .when(stageU.lt(when(col(PERSONA).equalTo(Vocabulary.STUDENT), 0.15).otherwise(0.03)),
            "disqualified")
        .otherwise("lead"));
    crm.put(SNAPSHOT_EMAIL, snapshotEmail(no, col(EMAIL)));
    return withDates.withColumns(crm);
  }

  /**
   * 10% created in the last 30 days, 45% inside the window, the rest up to two years
   * before it.
   */
  private Column createdDay(Column no) {
    int days = spec.days();
    Column u = rand.u(no, "lead.created");
    return when(u.lt(0.10), lit((long) days - 1)
            .minus(rand.below(no, "lead.created.day", Math.min(30, days))))
        .when(u.lt(0.55), rand.below(no, "lead.created.day", days))
        .otherwise(lit(-1L).minus(rand.below(no, "lead.created.day", 730)));
  }

  /**
   * Unique because every pattern ends with the lead number and names hold no digits:
   * olivia.smith42@acme-analytics-17.com, osmith42@..., olivia_smith42@..., olivia42@...
   */
  private Column email(Column no, Column free) {
    Column first = col(FIRST_NAME);
    Column last = col(LAST_NAME);
    Column number = no.cast("string");
    Column pattern = rand.below(no, "lead.email.pattern", 4);
    Column local = when(pattern.equalTo(0), concat(first, lit("."), last, number))
        .when(pattern.equalTo(1), concat(substring(first, 1, 1), last, number))
        .when(pattern.equalTo(2), concat(first, lit("_"), last, number))
        .otherwise(concat(first, number));
    Column domain = when(free, Rand.pick(Vocabulary.FREE_MAIL, rand.u(no, "lead.free.domain")))
        .otherwise(col(ACCOUNT_PREFIX + AccountColumns.DOMAIN));
    return lower(concat(local, lit("@"), domain));
  }

  /** Mostly as is; some upper-cased, capitalised or padded with spaces, as CRMs hold them. */
  private Column snapshotEmail(Column no, Column email) {
    Column u = rand.u(no, "lead.email.snapshot");
    return when(u.lt(0.02), upper(email))
        .when(u.lt(0.05), concat(upper(substring(email, 1, 1)), email.substr(lit(2),
            lit(Integer.MAX_VALUE))))
        .when(u.lt(0.08), concat(lit(" "), email, lit("  ")))
        .otherwise(email);
  }

  private static Column sigmoid(Column x) {
    return lit(1.0).divide(lit(1.0).plus(exp(x.multiply(-1))));
  }
}

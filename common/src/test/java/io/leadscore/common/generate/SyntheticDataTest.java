package io.leadscore.common.generate;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.get_json_object;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.lower;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.regexp_replace;
import static org.apache.spark.sql.functions.substring_index;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.trim;
import static org.junit.jupiter.api.Assertions.assertEquals;
import org.junit.jupiter.api.Assertions;

import java.time.LocalDate;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import io.leadscore.common.testing.SparkTestBase;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The generator at demo scale: determinism, counts, the deliberate mess in the activity
 * lines, identity rules, and the activity-conversion signal the backtest relies on.
 * Each property is measured from the output text, the way an ingest would see it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SyntheticDataTest extends SparkTestBase {
  private static final LocalDate END = LocalDate.of(2026, 11, 20);
  private static final GeneratorSpec SPEC = GeneratorSpec.of(300, 50, 365, 20_000, 42, END);
  private static final List<String> FREE_MAIL =
      List.of("gmail.com", "yahoo.com", "hotmail.com", "outlook.com");

  private SparkSession spark;
  private Dataset<Row> leads;
  private Dataset<Row> accounts;
  private Dataset<Row> outcomes;
  /** Activity lines with their fields pulled out as text (null for invalid JSON). */
  private Dataset<Row> lines;

  @BeforeAll
  void generate() {
    // The module's one session (started here: @BeforeAll runs before the base's @BeforeEach).
    startSpark();
    spark = session();
    leads = SyntheticData.leads(spark, SPEC).cache();
    accounts = SyntheticData.accounts(spark, SPEC).cache();
    outcomes = SyntheticData.outcomes(spark, SPEC).cache();
    lines = SyntheticData.activityLines(spark, SPEC)
        .withColumn("event_id", json("event_id"))
        .withColumn("occurred_at", json("occurred_at"))
        .withColumn("activity_type", json("activity_type"))
        .withColumn("lead_id", json("lead_id"))
        .withColumn("email", json("email"))
        .withColumn("account_id", json("account_id"))
        .withColumn("good", good())
        .cache();
  }

  @Test
  void sameSeedSameRowsWhateverThePartitioning() {
    GeneratorSpec repartitioned = SPEC.withPartitions(7);
    assertSame(accounts, SyntheticData.accounts(spark, repartitioned));
    assertSame(leads, SyntheticData.leads(spark, repartitioned));
    assertSame(outcomes, SyntheticData.outcomes(spark, repartitioned));
    assertSame(lines.select("landing_date", "value"),
        SyntheticData.activityLines(spark, repartitioned));
  }

  @Test
  void otherSeedOtherRows() {
    GeneratorSpec other = GeneratorSpec.of(300, 50, 365, 20_000, 43, END);
    long differing = SyntheticData.activityLines(spark, other)
        .exceptAll(lines.select("landing_date", "value")).count();
    Assertions.assertTrue(differing > 19_000, "lines differing from seed 42: " + differing);
    long leadsDiffering = SyntheticData.leads(spark, other).exceptAll(leads).count();
    Assertions.assertTrue(leadsDiffering > 250, "leads differing from seed 42: " + leadsDiffering);
  }

  @Test
  void aBotLeadTakesItsShareOfTheLinesOnEveryDayAndLeavesTheOthersAsTheyWere() {
    Dataset<Row> withBot = SyntheticData.activityLines(spark, SPEC.withBotEvents(4_000))
        .withColumn("lead_id", json("lead_id"))
        .withColumn("activity_type", json("activity_type"))
        .cache();
    Dataset<Row> bot = withBot.where(col("lead_id").equalTo("L000001")
        .and(col("activity_type").equalTo("page_view")));
    long botLines = bot.count();
    assertBetween("bot lines", botLines / 4_000.0, 0.9, 1.15);
    // ~11 a day over 365 days: a day without one has a chance of e^-11.
    assertBetween("landing days with the bot", bot.select("landing_date").distinct().count(),
        360, 365);
    assertEquals(20_000, withBot.count());
    // The lines naming other leads are the same lines as without the bot (a bot's bad line
    // may name no lead).
    long changed = withBot.where(col("lead_id").notEqual("L000001"))
        .select("landing_date", "value").exceptAll(lines.select("landing_date", "value"))
        .count();
    assertEquals(0, changed);
    withBot.unpersist();
  }

  @Test
  void countsAndKeysAsSpecified() {
    assertEquals(300, leads.count());
    assertEquals(300, leads.select("lead_id").distinct().count());
    assertEquals(300, leads.select(lower(trim(col("email")))).distinct().count());
    assertEquals("L000001", leads.agg(min("lead_id")).first().getString(0));
    assertEquals("L000300", leads.agg(max("lead_id")).first().getString(0));
    assertEquals(50, accounts.count());
    assertEquals(50, accounts.select("domain").distinct().count());
    assertEquals("A00050", accounts.agg(max("account_id")).first().getString(0));
    assertEquals(20_000, lines.count());

    Row dates = lines.agg(min("landing_date"), max("landing_date")).first();
    assertEquals(SPEC.startDate(), dates.getDate(0).toLocalDate());
    assertEquals(END, dates.getDate(1).toLocalDate());
    Row employees = accounts.agg(min("employee_count"), max("employee_count")).first();
    Assertions.assertTrue(employees.getLong(0) >= 10 && employees.getLong(1) <= 50_000);
  }

  @Test
  void badDuplicateAndIdentityShares() {
    double total = lines.count();
    Dataset<Row> good = lines.where("good");
    double bad = total - good.count();
    double duplicates = good.count() - good.select("event_id").distinct().count();
    double byLead = good.where("lead_id is not null").count();
    double emailOnly = good.where("lead_id is null and email is not null").count();
    double accountLevel =
        good.where("lead_id is null and email is null and account_id is not null").count();
    assertBetween("bad", bad / total, 0.002, 0.01);
    assertBetween("duplicates", duplicates / total, 0.005, 0.015);
    assertBetween("with lead_id", byLead / total, 0.82, 0.90);
    assertBetween("email only", emailOnly / total, 0.06, 0.10);
    assertBetween("account level", accountLevel / total, 0.035, 0.065);

    // Every defect kind is present.
    Assertions.assertTrue(lines.where("value like '[%'").count() > 0, "a JSON array line");
    Assertions.assertTrue(lines.where("value like '{%' and event_id is null and not value like '%}'")
        .count() > 0, "a truncated line");
    Assertions.assertTrue(lines.where("occurred_at = 'yesterday' or occurred_at like '%-02-30T%'")
        .count() > 0, "an unparseable occurred_at");
    // A replay on a later landing date.
    Assertions.assertTrue(good.groupBy("event_id").agg(countDistinct("landing_date").as("dates"))
        .where("dates > 1").count() > 0, "a replay landing later");
    // Ids that name no lead.
    Assertions.assertTrue(good.join(leads, good.col("lead_id").equalTo(leads.col("lead_id")), "left_anti")
        .where("lead_id is not null").count() > 0, "an unknown lead_id");
  }

  @Test
  void occurredAtSpellingsAndLandingDates() {
    Dataset<Row> good = lines.where("good");
    Assertions.assertTrue(good.where("occurred_at rlike '^[0-9]{13}$'").count() > 0, "epoch millis");
    Assertions.assertTrue(good.where("occurred_at rlike '^.{10} '").count() > 0, "a space for T");
    Assertions.assertTrue(good.where("occurred_at rlike '\\\\.[0-9]+Z$'").count() > 0, "fractions");
    // An offset whose local date is not the UTC (landing) date: the line lands on the
    // UTC date, which differs from the date written in the text.
    Column offset = col("occurred_at").rlike("[+-][0-9]{2}(:?[0-9]{2})?$");
    Column localDate = expr("cast(substr(occurred_at, 1, 10) as date)");
    long crossing = good.where(offset.and(localDate.notEqual(col("landing_date")))).count();
    Assertions.assertTrue(crossing > 100, "offset lines on another local date: " + crossing);
    // Z lines land on their date, except about 2% late arrivals (plus later replays).
    Dataset<Row> utc = good.where("occurred_at rlike 'T[0-9:]+Z$'");
    double late = utc.where(localDate.notEqual(col("landing_date"))).count();
    assertBetween("late arrivals", late / utc.count(), 0.01, 0.035);
    assertEquals(0, utc.where(localDate.gt(col("landing_date"))).count());
  }

  @Test
  void identitiesResolveAsTheSpecSays() {
    Column domain = lower(substring_index(trim(col("email")), "@", -1));
    Dataset<Row> withDomain = leads.withColumn("domain", domain);
    Dataset<Row> free = withDomain.where(col("domain").isin(FREE_MAIL.toArray()));
    assertEquals(0, free.where("account_id is not null").count());
    assertBetween("free mail", free.count() / 300.0, 0.05, 0.15);

    // Corporate leads without account_id resolve by their domain.
    Dataset<Row> byDomain = withDomain.where(col("account_id").isNull()
        .and(not(col("domain").isin(FREE_MAIL.toArray()))));
    assertBetween("resolved by domain", byDomain.count() / 300.0, 0.08, 0.22);
    assertEquals(byDomain.count(),
        byDomain.join(accounts.select(col("domain")), "domain").count());

    // Email-only lines name a lead's email, possibly re-cased or padded.
    Dataset<Row> emailOnly = lines.where("good and lead_id is null and email is not null");
    Dataset<Row> known = leads.select(lower(trim(col("email"))).as("key"));
    Dataset<Row> unmatched = emailOnly.join(known,
        lower(strip(emailOnly.col("email"))).equalTo(known.col("key")), "left_anti");
    assertEquals(0, unmatched.count());
    Assertions.assertTrue(emailOnly.where(col("email").notEqual(lower(col("email")))).count() > 0,
        "re-cased");
    Assertions.assertTrue(emailOnly.where(col("email").notEqual(strip(col("email")))).count() > 0,
        "padded");
  }

  @Test
  void conversionsFollowActivity() {
    assertEquals(0, outcomes.where("outcome not in ('sql', 'opportunity', 'won', 'lost')")
        .count());
    assertEquals(0, outcomes.where("occurred_at > '2026-11-21'").count());

    Dataset<Row> activity = lines.where("good and lead_id is not null")
        .groupBy("lead_id").agg(count(lit(1)).as("events"));
    Dataset<Row> converted = outcomes.select("lead_id").distinct()
        .withColumn("converted", lit(1));
    Dataset<Row> perLead = leads.select("lead_id")
        .join(activity, new String[] {"lead_id"}, "left")
        .join(converted, new String[] {"lead_id"}, "left")
        .na().fill(0, new String[] {"events", "converted"})
        .cache();
    double[] quartiles = perLead.stat().approxQuantile("events", new double[] {0.25, 0.75}, 0);
    double quietest = conversionRate(perLead.where(col("events").leq(quartiles[0])));
    double busiest = conversionRate(perLead.where(col("events").geq(quartiles[1])));
    Assertions.assertTrue(busiest > quietest + 0.1, "conversion rate of the busiest quarter " + busiest
        + ", of the quietest " + quietest);
  }

  @Test
  void someLeadsGoQuietAndSomeAreNew() {
    Dataset<Row> last = lines.where("good and lead_id is not null")
        .groupBy("lead_id").agg(max("landing_date").as("last"));
    long quiet = last.where(col("last").lt(lit(END.minusDays(90)))).count();
    assertBetween("quiet for 90 days", quiet / (double) last.count(), 0.05, 0.5);
    long recent = leads.where(col("created_at").geq(END.minusDays(30).toString())).count();
    assertBetween("created in the last 30 days", recent / 300.0, 0.05, 0.2);
  }

  /** Trims all whitespace, tabs included (Spark's trim strips spaces only). */
  private static Column strip(Column c) {
    return regexp_replace(c, "^\\s+|\\s+$", "");
  }

  private static Column json(String field) {
    return get_json_object(col("value"), "$." + field);
  }

  /** Accepted by SPEC §8.2 (its rules for bad lines, checked from the text). */
  private static Column good() {
    Column present = col("event_id").isNotNull().and(trim(col("event_id")).notEqual(""));
    Column typed = col("activity_type").isNotNull().and(trim(col("activity_type")).notEqual(""));
    Column someone = col("lead_id").isNotNull().or(col("email").isNotNull())
        .or(col("account_id").isNotNull());
    Column time = col("occurred_at").rlike("^[0-9]+$")
        .or(expr("cast(substr(occurred_at, 1, 10) as date)").isNotNull()
            .and(col("occurred_at").rlike("^.{10}[T ][0-9]{2}:")));
    return col("value").startsWith("{").and(present).and(typed).and(someone).and(time);
  }

  /** Equal as multisets: same size, and nothing of one is missing from the other. */
  private static void assertSame(Dataset<Row> expected, Dataset<Row> actual) {
    assertEquals(expected.count(), actual.count());
    assertEquals(0, actual.exceptAll(expected).count());
  }

  private static void assertBetween(String what, double value, double low, double high) {
    Assertions.assertTrue(value >= low && value <= high,
        what + ": " + value + " not in [" + low + ", " + high + "]");
  }

  private static double conversionRate(Dataset<Row> leads) {
    Row row = leads.agg(sum("converted"), count(lit(1))).first();
    return row.getLong(0) / (double) row.getLong(1);
  }
}

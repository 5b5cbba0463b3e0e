package io.leadscore.common.generate;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.length;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.lpad;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.substring;
import static org.apache.spark.sql.functions.upper;
import static org.apache.spark.sql.functions.when;

import io.leadscore.common.Schemas;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Activity lines from {@code spark.range(events)}: row {@code id} is one JSONL line,
 * every choice a hash of (seed, id, salt). A row first decides whether it is a bad line or
 * a replay; a replay copies the event of an earlier row ({@code base}) and everything
 * about the event derives from {@code base}, so a replay is byte-identical to its original.
 */
final class ActivityLines {
  static final String LANDING_DATE = "landing_date";
  static final String VALUE = "value";

  // Shares of rows.
  static final double BAD_SHARE = 0.005;
  static final double DUPLICATE_SHARE = 0.01;
  static final double LATE_SHARE = 0.02;
  static final double EMAIL_ONLY_SHARE = 0.08;
  static final double ACCOUNT_LEVEL_SHARE = 0.05;
  static final double UNKNOWN_LEAD_SHARE = 0.005;

  // Who a row names.
  private static final int BY_LEAD_ID = 0;
  private static final int BY_EMAIL = 1;
  private static final int BY_ACCOUNT = 2;
  private static final int BY_UNKNOWN_LEAD = 3;

  /** The lead number of {@link GeneratorSpec#botEvents}'s bot. */
  private static final int BOT_LEAD_NO = 1;

  // Bad lines, one defect each, in the order of SPEC §8.2's reasons.
  private static final int TRUNCATED = 0;
  private static final int JSON_ARRAY = 1;
  private static final int NO_EVENT_ID = 2;
  private static final int BLANK_EVENT_ID = 3;
  private static final int BAD_TIME = 4;
  private static final int NO_TYPE = 5;
  private static final int NO_IDENTITY = 6;
  private static final int BAD_KINDS = 7;

  // occurred_at spellings, each denoting the event's instant; 0 is the common
  // 2026-11-20T14:03:11Z.
  private static final int OFFSET = 1;
  private static final int EPOCH_NUMBER = 2;
  private static final int EPOCH_STRING = 3;
  private static final int SPACE_Z = 4;
  private static final int SPACE_NO_ZONE = 5;
  private static final int MILLIS_Z = 6;
  private static final int MICROS_Z = 7;
  private static final int NO_SECONDS = 8;
  private static final double[] FORMAT_WEIGHTS = {78, 8, 4, 1, 2, 2, 3, 1, 1};
  private static final long[] OFFSET_MINUTES = {330, -480, 120, 540, -300, 60};
  private static final List<String> OFFSET_TEXT =
      List.of("+05:30", "-08:00", "+0200", "+09", "-05:00", "+01:00");

  private final GeneratorSpec spec;
  private final Rand rand;
  private final LeadColumns leads;

  ActivityLines(GeneratorSpec spec) {
    this.spec = spec;
    this.rand = new Rand(spec.seed());
    this.leads = new LeadColumns(spec);
  }

  Dataset<Row> build(SparkSession spark) {
    Dataset<Row> rows = spark.range(0, spec.events(), 1, spec.partitions()).toDF("id");
    Dataset<Row> events = leads.add(rows.withColumns(rowKind()));
    return events
        .withColumns(eventBasics())
        .withColumns(eventDetails())
        .withColumns(eventText())
        .withColumn("j_line", goodLine())
        .select(
            Timestamps.date(lit(spec.startDate().toEpochDay()).plus(col("e_landing_day")))
                .as(LANDING_DATE),
            line().as(VALUE));
  }

  /** Bad line or replay (decided per row), the event's base row and the lead it is about. */
  private Map<String, Column> rowKind() {
    Column id = col("id");
    Column u = rand.u(id, "row");
    Column duplicate = u.geq(BAD_SHARE).and(u.lt(BAD_SHARE + DUPLICATE_SHARE));
    // A replay repeats an event from up to 2000 rows earlier (wrapping at the start).
    Column base = when(duplicate,
        pmod(id.minus(1).minus(rand.below(id, "row.duplicate.back", 2000)), lit(spec.events())))
        .otherwise(id);
    Map<String, Column> m = new LinkedHashMap<>();
    m.put("e_bad", when(u.lt(BAD_SHARE), rand.below(id, "row.bad", BAD_KINDS)).otherwise(-1));
    // 30% of replays arrive on a later landing date, the rest with their original.
    m.put("e_replay_delay", when(duplicate.and(rand.chance(id, "row.duplicate.later", 0.3)),
        rand.below(id, "row.duplicate.delay", 5).plus(1)).otherwise(0));
    m.put("e_base", base);
    Column bot = bot(base);
    m.put("e_bot", bot);
    m.put(LeadColumns.NO, when(bot, lit(BOT_LEAD_NO))
        .otherwise(leads.drawLead(rand.u(base, "event.lead"))));
    return m;
  }

  /** Whether the event is the bot's: drawn per event, so a replay of one is one too. */
  private Column bot(Column base) {
    if (spec.botEvents() == 0) {
      return lit(false);
    }
    return rand.u(base, "event.bot").lt((double) spec.botEvents() / spec.events());
  }

  /** Who the row names, its day, type and occurred_at spelling. */
  private Map<String, Column> eventBasics() {
    Column base = col("e_base");
    Column identity = rand.u(base, "event.identity");
    Column spanStart = col(LeadColumns.SPAN_START);
    Column day = spanStart.plus(floor(rand.u(base, "event.day")
        .multiply(col(LeadColumns.ACTIVE_END).minus(spanStart).plus(1))));
    Column bot = col("e_bot");
    Map<String, Column> m = new LinkedHashMap<>();
    m.put("e_by", when(bot, BY_LEAD_ID).when(identity.lt(EMAIL_ONLY_SHARE), BY_EMAIL)
        .when(identity.lt(EMAIL_ONLY_SHARE + ACCOUNT_LEVEL_SHARE), BY_ACCOUNT)
        .when(identity.lt(EMAIL_ONLY_SHARE + ACCOUNT_LEVEL_SHARE + UNKNOWN_LEAD_SHARE),
            BY_UNKNOWN_LEAD)
        .otherwise(BY_LEAD_ID));
    // The bot crawls every day of the window, whatever the lead's own span.
    m.put("e_day", when(bot, floor(rand.u(base, "event.day").multiply(spec.days())))
        .otherwise(day));
    m.put("e_mix", personaMix(base));
    m.put("e_format", Rand.weightedIndex(FORMAT_WEIGHTS, rand.u(base, "event.format")));
    m.put("e_offset", rand.below(base, "event.offset", OFFSET_MINUTES.length));
    m.put("e_late", when(rand.chance(base, "event.late", LATE_SHARE),
        rand.below(base, "event.late.days", 3).plus(1)).otherwise(0));
    return m;
  }

  /** The instant, the landing day, the activity type and the campaign. */
  private Map<String, Column> eventDetails() {
    Column base = col("e_base");
    Column offsetMinutes = atLong(OFFSET_MINUTES, col("e_offset"));
    // Half the offset rows sit close enough to midnight that the local date is not the
    // UTC date: a reader that keeps the local date puts them on the wrong day.
    Column crossing = col("e_format").equalTo(OFFSET)
        .and(rand.chance(base, "event.crossing", 0.5));
    Column crossingSecond = when(offsetMinutes.gt(0), lit(Timestamps.DAY_SECONDS)
            .minus(offsetMinutes.multiply(60))
            .plus(floor(rand.u(base, "event.second").multiply(offsetMinutes.multiply(60)))))
        .otherwise(floor(rand.u(base, "event.second").multiply(offsetMinutes.multiply(-60))));
    // Mostly office hours.
    Column usualSecond = when(rand.chance(base, "event.office-hours", 0.7),
        rand.below(base, "event.second", 11 * 3600).plus(7 * 3600))
        .otherwise(rand.below(base, "event.second", Timestamps.DAY_SECONDS));
    Column secondOfDay = when(crossing, crossingSecond).otherwise(usualSecond);
    long startDay = spec.startDate().toEpochDay();
    long lastDay = spec.days() - 1L;

    Map<String, Column> m = new LinkedHashMap<>();
    m.put("e_second", lit(startDay).plus(col("e_day")).multiply(Timestamps.DAY_SECONDS)
        .plus(secondOfDay));
    m.put("e_landing_day", least(col("e_day").plus(col("e_late")).plus(col("e_replay_delay")),
        lit(lastDay)));
    m.put("e_type", when(col("e_bot"), "page_view").when(col("e_by").equalTo(BY_ACCOUNT),
            when(rand.chance(base, "event.account.intent", 0.6), "intent_signal")
                .otherwise("page_view"))
        .otherwise(leadActivityType(base)));
    m.put("e_campaign", concat(lit("cmp-"),
        lpad(rand.below(base, "event.campaign", 40).plus(1).cast("string"), 3, "0")));
    m.put("e_item_u", rand.u(base, "event.item"));
    m.put("e_utm", rand.chance(base, "event.utm", 0.12));
    return m;
  }

  /** The lead's persona's mix of activity types. */
  private Column personaMix(Column base) {
    Column u = rand.u(base, "event.type");
    Column persona = col(LeadColumns.PERSONA);
    Column byPersona = null;
    for (int p = 0; p < Vocabulary.ACTIVITY_MIX.length; p++) {
      Column type = Rand.weighted(Vocabulary.ACTIVITY_TYPES, Vocabulary.ACTIVITY_MIX[p], u);
      byPersona = byPersona == null
          ? when(persona.equalTo(p), type) : byPersona.when(persona.equalTo(p), type);
    }
    return byPersona;
  }

  /**
   * The persona's mix, adjusted to the lead: high-fit leads turn 2% of their activity
   * into demo requests (demos cluster on the leads sales wants), and only leads that
   * unsubscribe or bounce at all do so (an open instead).
   */
  private Column leadActivityType(Column base) {
    Column mix = col("e_mix");
    return when(col(LeadColumns.HIGH_FIT).and(rand.chance(base, "event.demo", 0.02)),
            "demo_request")
        .when(mix.equalTo("email_unsubscribe").and(not(col(LeadColumns.UNSUBSCRIBES))),
            "email_open")
        .when(mix.equalTo("email_bounce").and(not(col(LeadColumns.BOUNCES))), "email_open")
        .otherwise(mix);
  }

  /** JSON text of each field (null: left out). */
  private Map<String, Column> eventText() {
    Map<String, Column> m = new LinkedHashMap<>();
    m.put("j_event_id", eventId());
    m.put("j_occurred_at", occurredAt());
    m.put("j_activity_type", activityType());
    m.put("j_lead_id", leadId());
    m.put("j_email", email());
    m.put("j_account_id", accountId());
    m.put("j_url", Json.str(url()));
    m.put("j_campaign_id", campaignId());
    m.put("j_properties", properties());
    return m;
  }

  private Column goodLine() {
    return Json.object(
        Json.field(Schemas.EVENT_ID, col("j_event_id")),
        Json.field(Schemas.OCCURRED_AT, col("j_occurred_at")),
        Json.field(Schemas.ACTIVITY_TYPE, col("j_activity_type")),
        Json.field(Schemas.LEAD_ID, col("j_lead_id")),
        Json.field(Schemas.EMAIL, col("j_email")),
        Json.field(Schemas.ACCOUNT_ID, col("j_account_id")),
        Json.field(Schemas.URL, col("j_url")),
        Json.field(Schemas.CAMPAIGN_ID, col("j_campaign_id")),
        Json.field(Schemas.PROPERTIES, col("j_properties")));
  }

  /** The line as written: a bad row of the first two kinds breaks the JSON itself. */
  private Column line() {
    Column bad = col("e_bad");
    Column good = col("j_line");
    // Cutting before the closing brace always leaves invalid JSON.
    Column cut = floor(length(good).multiply(
        rand.u(col("id"), "row.bad.cut").multiply(0.6).plus(0.3))).cast("int");
    return when(bad.equalTo(TRUNCATED), good.substr(lit(1), cut))
        .when(bad.equalTo(JSON_ARRAY), concat(lit("["), good, lit("]")))
        .otherwise(good);
  }

  private Column eventId() {
    Column bad = col("e_bad");
    return when(bad.equalTo(NO_EVENT_ID), null)
        .when(bad.equalTo(BLANK_EVENT_ID),
            Json.str(Rand.pick(List.of("", "   "), rand.u(col("id"), "row.bad.blank"))))
        .otherwise(Json.str(concat(lit("e-" + spec.seed() + "-"), col("e_base").cast("string"))));
  }

  private Column occurredAt() {
    Column second = col("e_second");
    Column format = col("e_format");
    Column base = col("e_base");
    Column date = Timestamps.dateText(second);
    Column clock = Timestamps.clock(second);
    Column millis = rand.below(base, "event.millis", 1000);
    Column epochMillis = second.multiply(1000).plus(millis).cast("string");
    Column fraction = lpad(millis.cast("string"), 3, "0");
    Column local = second.plus(atLong(OFFSET_MINUTES, col("e_offset")).multiply(60));
    Column text = when(format.equalTo(OFFSET), concat(Timestamps.dateText(local), lit("T"),
            Timestamps.clock(local), Rand.at(OFFSET_TEXT, col("e_offset"))))
        .when(format.equalTo(EPOCH_STRING), epochMillis)
        .when(format.equalTo(SPACE_Z), concat(date, lit(" "), clock, lit("Z")))
        .when(format.equalTo(SPACE_NO_ZONE), concat(date, lit(" "), clock))
        .when(format.equalTo(MILLIS_Z), concat(date, lit("T"), clock, lit("."), fraction,
            lit("Z")))
        .when(format.equalTo(MICROS_Z), concat(date, lit("T"), clock, lit("."), fraction,
            lpad(rand.below(base, "event.micros", 1000).cast("string"), 3, "0"), lit("Z")))
        .when(format.equalTo(NO_SECONDS), concat(date, lit("T"),
            Timestamps.hourMinute(second), lit("Z")))
        .otherwise(concat(date, lit("T"), clock, lit("Z")));
    // Text no reader should accept: a word, and the 30th of February of the event's year.
    Column unparseable = when(rand.chance(col("id"), "row.bad.time", 0.5), lit("yesterday"))
        .otherwise(concat(substring(date, 1, 4), lit("-02-30T10:00:00Z")));
    return when(col("e_bad").equalTo(BAD_TIME), Json.str(unparseable))
        .when(format.equalTo(EPOCH_NUMBER), epochMillis)
        .otherwise(Json.str(text));
  }

  private Column activityType() {
    return when(col("e_bad").equalTo(NO_TYPE),
            when(rand.chance(col("id"), "row.bad.type", 0.5), Json.str(lit("  "))))
        .otherwise(Json.str(col("e_type")));
  }

  private Column leadId() {
    Column by = col("e_by");
    return when(col("e_bad").equalTo(NO_IDENTITY), null)
        .when(by.equalTo(BY_LEAD_ID), Json.str(col(LeadColumns.ID)))
        .when(by.equalTo(BY_UNKNOWN_LEAD),
            Json.str(leads.unknownId(rand.below(col("e_base"), "event.unknown", 1000))));
  }

  /**
   * Email-only rows spell the address as people and tools do: some upper-cased or
   * capitalised, some padded with spaces or a tab (written escaped, {@code \t}).
   * A fifth of the rows with a lead_id carry the email too.
   */
  private Column email() {
    Column base = col("e_base");
    Column by = col("e_by");
    Column email = col(LeadColumns.EMAIL);
    Column caseU = rand.u(base, "event.email.case");
    Column cased = when(caseU.lt(0.15), upper(email))
        .when(caseU.lt(0.25), concat(upper(substring(email, 1, 1)),
            email.substr(lit(2), lit(Integer.MAX_VALUE))))
        .otherwise(email);
    Column padU = rand.u(base, "event.email.pad");
    Column padded = when(padU.lt(0.08), concat(lit(" "), cased, lit(" ")))
        .when(padU.lt(0.12), concat(lit("\\t"), cased))
        .otherwise(cased);
    return when(col("e_bad").equalTo(NO_IDENTITY), null)
        .when(by.equalTo(BY_EMAIL), Json.str(padded))
        .when(by.equalTo(BY_LEAD_ID).and(rand.chance(base, "event.lead.email", 0.2)),
            Json.str(email));
  }

  /**
   * Account-level rows name the lead's account (a random one for free-mail leads);
   * a tenth of the lead rows also carry their account.
   */
  private Column accountId() {
    Column base = col("e_base");
    Column by = col("e_by");
    return when(col("e_bad").equalTo(NO_IDENTITY), null)
        .when(by.equalTo(BY_ACCOUNT),
            Json.str(col(LeadColumns.ACCOUNT_PREFIX + AccountColumns.ID)))
        .when(by.equalTo(BY_LEAD_ID).and(rand.chance(base, "event.lead.account", 0.1)),
            Json.str(col(LeadColumns.ACCOUNT_ID)));
  }

  private Column url() {
    Column base = col("e_base");
    Column type = col("e_type");
    Column item = col("e_item_u");
    Column persona = col(LeadColumns.PERSONA);
    Column pricing = Rand.atDouble(Vocabulary.PRICING_SHARE, persona);
    Column careers = pricing.plus(Rand.atDouble(Vocabulary.CAREERS_SHARE, persona));
    Column pageU = rand.u(base, "event.page");
    Column path = when(pageU.lt(pricing), "/pricing")
        .when(pageU.lt(careers), "/careers")
        .otherwise(Rand.pick(Vocabulary.GENERIC_PAGES, rand.u(base, "event.page.generic")));
    Column page = concat(lit(Vocabulary.SITE), path);
    Column utm = concat(lit("?utm_source="),
        Rand.pick(Vocabulary.UTM_SOURCES, rand.u(base, "event.utm.source")),
        lit("&utm_campaign="), col("e_campaign"));
    return when(type.equalTo("page_view"),
            when(col("e_utm"), concat(page, utm)).otherwise(page))
        .when(type.equalTo("email_click"), concat(page,
            lit("?utm_source=newsletter&utm_medium=email&utm_campaign="), col("e_campaign")))
        .when(type.equalTo("form_submit"),
            concat(lit(Vocabulary.SITE + "/"), Rand.pick(Vocabulary.FORMS, item)))
        .when(type.equalTo("content_download"), concat(lit(Vocabulary.SITE + "/resources/"),
            Rand.pick(Vocabulary.ASSETS, item), lit(".pdf")))
        .when(type.startsWith("webinar_"),
            concat(lit(Vocabulary.SITE + "/webinars/"), Rand.pick(Vocabulary.WEBINARS, item)))
        .when(type.equalTo("video_view"),
            concat(lit(Vocabulary.SITE + "/videos/"), Rand.pick(Vocabulary.VIDEOS, item)))
        .when(type.equalTo("demo_request"), lit(Vocabulary.SITE + "/demo"))
        .when(type.equalTo("trial_signup"), lit(Vocabulary.SITE + "/trial"));
  }

  /** Emails, tagged page views and half the downloads belong to a campaign. */
  private Column campaignId() {
    Column base = col("e_base");
    Column type = col("e_type");
    Column item = col("e_item_u");
    Column campaign = when(type.startsWith("email_"), col("e_campaign"))
        .when(type.equalTo("page_view").and(col("e_utm")), col("e_campaign"))
        .when(type.startsWith("webinar_"),
            concat(lit("web-"), Rand.pick(Vocabulary.WEBINARS, item)))
        .when(type.equalTo("content_download")
            .and(rand.chance(base, "event.download.campaign", 0.5)), col("e_campaign"));
    // Exports write a missing value either way: left out, or an explicit null.
    return coalesce(Json.str(campaign),
        when(rand.chance(base, "event.campaign.null", 0.3), lit("null")));
  }

  private Column properties() {
    Column base = col("e_base");
    Column type = col("e_type");
    Column item = col("e_item_u");
    Column pct = when(rand.chance(base, "event.video.complete", 0.3), lit(100L))
        .otherwise(rand.below(base, "event.video.pct", 101));
    return when(type.equalTo("video_view"),
            Json.object(Json.field("pct", pct.cast("string"))))
        .when(type.equalTo("content_download"),
            Json.object(Json.field("asset", Json.str(Rand.pick(Vocabulary.ASSETS, item)))))
        .when(type.equalTo("form_submit"),
            Json.object(Json.field("form", Json.str(Rand.pick(Vocabulary.FORMS, item)))))
        .when(type.startsWith("webinar_"), Json.object(
            Json.field("webinar", Json.str(Rand.pick(Vocabulary.WEBINARS, item)))))
        .when(type.equalTo("email_open"), Json.object(
            Json.field("client", Json.str(Rand.pick(Vocabulary.MAIL_CLIENTS, item)))))
        .when(type.equalTo("email_bounce"), Json.object(
            Json.field("bounce", Json.str(Rand.pick(List.of("hard", "soft"), item)))))
        .when(type.equalTo("intent_signal"), Json.object(
            Json.field("topic", Json.str(Rand.pick(Vocabulary.INTENT_TOPICS, item))),
            Json.field("strength", Json.str(Rand.pick(Vocabulary.STRENGTHS,
                rand.u(base, "event.intent.strength"))))))
        .when(type.equalTo("demo_request"), lit("{\"form\":\"demo\"}"))
        .when(type.equalTo("trial_signup"), lit("{\"plan\":\"free\"}"));
  }

  private static Column atLong(long[] values, Column index) {
    Column result = lit(values[values.length - 1]);
    for (int i = values.length - 2; i >= 0; i--) {
      result = when(index.equalTo(i), values[i]).otherwise(result);
    }
    return result;
  }
}

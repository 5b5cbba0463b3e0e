package io.leadscore.common.ingest;

import static io.leadscore.common.Schemas.*;
import static org.apache.spark.sql.functions.*;

import io.leadscore.common.Text;
import io.leadscore.common.identity.Identity;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.util.sketch.BloomFilter;
import org.apache.spark.util.sketch.IncompatibleMergeException;

/**
 * Turns raw activity records into typed rows with a reject reason (SPEC §2, §8.1–8.3).
 *
 * <p>Input records have the columns of {@link RawRecords}: {@code source_file},
 * {@code landing_date}, {@code seq} (read order), {@code raw} (the text as read),
 * {@code fields} (a map of the top-level fields, null when the text is not a JSON object) and
 * {@code parse_error}.
 */
public final class ActivityParser {
  private ActivityParser() {}

  public static final String INVALID_ENCODING = "invalid_encoding";
  public static final String INVALID_JSON = "invalid_json";
  public static final String INVALID_CSV = RawRecords.INVALID_CSV;
  public static final String NOT_AN_OBJECT = "not_an_object";
  public static final String REPEATED_KEY = RawRecords.REPEATED_KEY;
  public static final String NESTED_VALUE = "nested_value";
  public static final String MISSING_EVENT_ID = "missing_event_id";
  public static final String BAD_OCCURRED_AT = "bad_occurred_at";
  public static final String MISSING_ACTIVITY_TYPE = "missing_activity_type";
  public static final String NO_IDENTITY = "no_identity";

  /**
   * Reject reasons in the order of SPEC §8.2, extended by the record-level checks this project
   * added (encoding, CSV shape, repeated keys, nested identifiers): the first that applies is
   * the row's reason.
   */
  public static final List<String> REASONS = List.of(INVALID_JSON, INVALID_CSV, NOT_AN_OBJECT,
      REPEATED_KEY, INVALID_ENCODING, NESTED_VALUE, MISSING_EVENT_ID, BAD_OCCURRED_AT,
      MISSING_ACTIVITY_TYPE, NO_IDENTITY);

  /** Column of accepted rows: the warnings counted in run_log (empty when none). */
  public static final String WARNINGS = "warnings";
  /** An identifier was a JSON number: kept as its text ({@code 123} is {@code "123"}). */
  public static final String WARN_NUMERIC_ID = "numeric_id";
  /** {@code properties} was not a JSON object: properties is null, its text in extras. */
  public static final String WARN_PROPERTIES_NOT_AN_OBJECT = "properties_not_an_object";

  /** The identifiers a row is keyed, typed and resolved by. */
  private static final List<String> IDENTIFIERS =
      List.of(EVENT_ID, ACTIVITY_TYPE, LEAD_ID, EMAIL, ACCOUNT_ID);

  /**
   * Typed activity columns plus {@code reason} (null when accepted), {@code warnings} and the
   * record columns.
   *
   * @param occurredBefore the end of the accepted occurred_at range (exclusive); its start is
   *     {@link Timestamps#EARLIEST}
   */
  public static Dataset<Row> parse(ZoneId defaultZone, Instant occurredBefore,
      Dataset<Row> records) {
    Column fields = col(RawRecords.FIELDS);
    List<Column> known = new ArrayList<>();
    for (String name : ACTIVITY_INPUT_FIELDS) {
      known.add(lit(name));
    }
    Column extras = map_filter(fields, (k, v) -> not(k.isin(known.toArray())));
    // Cleaned fields first, as columns: later steps refer to them instead of repeating the
    // cleaning expressions (see Timestamps.parse on code size).
    Dataset<Row> cleaned = records.select(
        Text.clean(fields.getItem(EVENT_ID)).as(EVENT_ID),
        fields.getItem(OCCURRED_AT).as("_occurred_text"),
        lower(Text.clean(fields.getItem(ACTIVITY_TYPE))).as(ACTIVITY_TYPE),
        Text.clean(fields.getItem(LEAD_ID)).as(LEAD_ID),
        Text.clean(fields.getItem(EMAIL)).as(EMAIL),
        Text.clean(fields.getItem(ACCOUNT_ID)).as(ACCOUNT_ID),
        Text.clean(fields.getItem(URL)).as(URL),
        Text.clean(fields.getItem(CAMPAIGN_ID)).as(CAMPAIGN_ID),
        Text.clean(fields.getItem(PROPERTIES)).as("_properties_text"),
        extras.as(EXTRAS),
        RawRecords.badEncoding(fields).as("_bad_encoding"),
        col(SOURCE_FILE),
        col(LANDING_DATE),
        col(RawRecords.SEQ),
        col(RAW),
        col(RawRecords.PARSE_ERROR));
    Dataset<Row> timed = Timestamps.parse(cleaned, "_occurred_text", OCCURRED_AT, defaultZone)
        .withColumn(PROPERTIES, from_json(col("_properties_text"),
            DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType)));

    // Properties that are not an object stay with the row, as text in extras: the event is
    // valid, and nothing of the input is dropped.
    Column propertiesLost = col("_properties_text").isNotNull().and(col(PROPERTIES).isNull());
    Column allExtras = when(propertiesLost,
        map_concat(col(EXTRAS), map(lit(PROPERTIES), col("_properties_text"))))
        .otherwise(col(EXTRAS));
    Column nested = lit(false);
    Column numeric = lit(false);
    for (String id : IDENTIFIERS) {
      nested = nested.or(isNested(col(id)));
      if (!id.equals(ACTIVITY_TYPE)) {
        // Only a digits-only text can have been a number; the raw text says which it was.
        numeric = numeric.or(col(id).rlike("^-?[0-9]+$").and(
            col(RAW).rlike("\"" + id + "\"\\s*:\\s*-?[0-9]")));
      }
    }
    Column warnings = filter(array(
        when(numeric, lit(WARN_NUMERIC_ID)),
        when(propertiesLost, lit(WARN_PROPERTIES_NOT_AN_OBJECT))), w -> w.isNotNull());

    Column reason = when(col(RawRecords.PARSE_ERROR).isNotNull(), col(RawRecords.PARSE_ERROR))
        .when(col("_bad_encoding"), lit(INVALID_ENCODING))
        .when(nested, lit(NESTED_VALUE))
        .when(col(EVENT_ID).isNull(), lit(MISSING_EVENT_ID))
        .when(col(OCCURRED_AT).isNull()
            .or(col(OCCURRED_AT).geq(lit(java.sql.Timestamp.from(occurredBefore)))),
            lit(BAD_OCCURRED_AT))
        .when(col(ACTIVITY_TYPE).isNull(), lit(MISSING_ACTIVITY_TYPE))
        .when(col(LEAD_ID).isNull().and(col(EMAIL).isNull()).and(col(ACCOUNT_ID).isNull()),
            lit(NO_IDENTITY));
    return timed.select(
        col(EVENT_ID), col(OCCURRED_AT), to_date(col(OCCURRED_AT)).as(EVENT_DATE),
        col(ACTIVITY_TYPE), col(LEAD_ID), col(EMAIL), col(ACCOUNT_ID), col(URL),
        col(CAMPAIGN_ID), col(PROPERTIES),
        when(size(allExtras).gt(0), allExtras).as(EXTRAS), col(SOURCE_FILE), col(LANDING_DATE),
        col(RawRecords.SEQ), col(RAW), reason.as(REASON), warnings.as(WARNINGS));
  }

  /**
   * Whether an identifier's text is a JSON array or object: a nested value in a JSON line
   * arrives as its JSON text, and so does such a text in a CSV cell. Either way it cannot be
   * an id or a type, and storing its JSON text would invent one.
   */
  static Column isNested(Column text) {
    return text.startsWith("[").or(text.startsWith("{")).and(
        json_array_length(text).isNotNull().or(json_object_keys(text).isNotNull()));
  }

  /**
   * Keeps the first copy of each event_id among accepted rows: earlier landing date, then
   * earlier file, then earlier row (SPEC §8.2). Rejected rows never claim an event_id.
   *
   * <p>Nearly every id comes once in a batch, and ordering the copies needs the rows grouped
   * by id: a shuffle and sort of every whole row (at L, 2M rows of a day, twice). So only the
   * rows whose id might repeat are grouped: one pass over the ids finds the repeated ones and
   * puts them in a bloom filter (bounded in size, however many repeat); a row whose id is
   * not in it is the only copy, and the filter's mistakes only send a few single copies
   * through the ordering, which keeps them. The same pass counts the copies dropped, which
   * the run's reconciliation reports.
   *
   * @param acceptedRows the number of accepted rows (sizes the filter)
   */
  public static FirstCopies firstPerEventId(Dataset<Row> accepted, long acceptedRows) {
    Repeats repeats = accepted.groupBy(col(EVENT_ID)).count()
        .where(col("count").gt(1))
        .javaRDD()
        .treeAggregate(Repeats.none(acceptedRows), Repeats::add, Repeats::merge);
    return repeats.copies() == 0 ? new FirstCopies(accepted, 0)
        : new FirstCopies(firstPerEventId(accepted, repeats.ids()), repeats.copies());
  }

  /** The first copy of each event_id, and how many later copies of an id it left out. */
  public record FirstCopies(Dataset<Row> rows, long copiesDropped) {}

  /** The ids that come more than once and their copies beyond the first, as one aggregate. */
  private record Repeats(BloomFilter ids, long copies) implements java.io.Serializable {
    static Repeats none(long acceptedRows) {
      return new Repeats(BloomFilter.create(Math.max(acceptedRows, 1),
          REPEATED_ID_FALSE_POSITIVES), 0);
    }

    /** An id with its number of copies; accepted rows always have an id. */
    Repeats add(Row idAndCount) {
      ids.putString(idAndCount.getString(0));
      return new Repeats(ids, copies + idAndCount.getLong(1) - 1);
    }

    /** Both filters come from {@link #none} with the same size: they always merge. */
    Repeats merge(Repeats other) throws IncompatibleMergeException {
      return new Repeats(ids.mergeInPlace(other.ids), copies + other.copies);
    }
  }

  /**
   * {@link #firstPerEventId}, ordering the copies of the ids {@code repeated} might contain;
   * it must contain every id that comes more than once.
   */
  static Dataset<Row> firstPerEventId(Dataset<Row> accepted, BloomFilter repeated) {
    UserDefinedFunction mightRepeat = udf(
        (UDF1<String, Boolean>) id -> id != null && repeated.mightContainString(id),
        DataTypes.BooleanType);
    Column mightBeACopy = mightRepeat.apply(col(EVENT_ID));
    return accepted.where(not(mightBeACopy)).unionByName(accepted.where(mightBeACopy)
        .withColumn("_copy", row_number().over(Window.partitionBy(EVENT_ID)
            .orderBy(col(LANDING_DATE), col(SOURCE_FILE), col(RawRecords.SEQ))))
        .where(col("_copy").equalTo(1))
        .drop("_copy"));
  }

  /** The share of single ids the repeated-id filter sends through the ordering by mistake. */
  static final double REPEATED_ID_FALSE_POSITIVES = 0.01;

  /**
   * The stored form of accepted rows: lead_id resolved by email where only an email was given
   * ({@link Identity#resolveActivities}).
   */
  public static Dataset<Row> toStored(String runId, Dataset<Row> leads, Dataset<Row> accepted) {
    return Identity.resolveActivities(leads, accepted).select(
        col(EVENT_ID), col(OCCURRED_AT), col(EVENT_DATE), col(ACTIVITY_TYPE),
        col(Identity.RESOLVED_LEAD).as(LEAD_ID),
        col(EMAIL), col(ACCOUNT_ID), col(URL), col(CAMPAIGN_ID), col(PROPERTIES), col(EXTRAS),
        col(SOURCE_FILE), lit(runId).as(INGEST_RUN_ID));
  }

  /** The rejects table rows: raw text, reason, source file, run id and a stable row key. */
  public static Dataset<Row> toRejected(String runId, Dataset<Row> rejected) {
    Column hash = sha2(coalesce(col(RAW), lit("")), 256);
    return rejected
        .withColumn(RAW_SHA256, hash)
        // Identical bad lines in one file are indistinguishable; numbering them keeps each one
        // while a rerun maps every line onto the row it wrote before.
        .withColumn(OCCURRENCE, row_number().over(
            Window.partitionBy(col(SOURCE_FILE), col(RAW_SHA256)).orderBy(col(RawRecords.SEQ))))
        .select(col(SOURCE_FILE), col(RAW_SHA256), col(OCCURRENCE).cast("long").as(OCCURRENCE),
            col(RAW), col(REASON), col(EVENT_ID), lit(runId).as(INGEST_RUN_ID),
            col(LANDING_DATE));
  }
}

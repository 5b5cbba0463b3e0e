package io.leadscore.common.ingest;

import static org.apache.spark.sql.functions.*;

import io.leadscore.common.Text;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Parses the timestamp texts of SPEC §8.1 into UTC timestamps with built-in functions only:
 * ISO-8601 with 'T' or a space, optional seconds and fraction, offset Z, ±HH:MM, ±HHMM or ±HH
 * (none: the default zone), or epoch milliseconds. Anything else, impossible values such
 * as 2026-02-30 or hour 24, and instants before {@link #EARLIEST} give null.
 */
public final class Timestamps {
  private Timestamps() {}

  /**
   * The earliest accepted instant, 1900-01-01T00:00Z: Parquet (Delta's file format) cannot
   * store older timestamps without a calendar rebase, and such values are mistakes anyway
   * (0001-01-01 placeholders, swapped fields). Earlier instants parse as null.
   */
  public static final Instant EARLIEST = Instant.parse("1900-01-01T00:00:00Z");
  /** The latest instant a timestamp can be (the end of year 9999). */
  static final Instant LATEST = Instant.parse("9999-12-31T23:59:59.999Z");

  static final String ISO = "^(\\d{4})-(\\d{2})-(\\d{2})[Tt ](\\d{2}):(\\d{2})"
      + "(?::(\\d{2})(?:[.,](\\d{1,9}))?)?\\s*([Zz]|[+-]\\d{2}(?::?\\d{2})?)?$";
  private static final String EPOCH_MILLIS = "^[+-]?\\d{1,18}$";
  /**
   * The usual spelling, UTC with 'Z' and at most microseconds: Spark's own cast parses it to
   * the same instant as the general path (impossible dates and times are null either way), at
   * a fraction of the cost of the eight capture groups.
   */
  static final String CANONICAL_UTC =
      "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(?:\\.\\d{1,6})?Z$";

  /**
   * Adds {@code outColumn}, the parsed form of {@code textColumn}. Done in steps (clean text,
   * then the regex groups once, then the timestamp) so the generated code stays small: one
   * nested expression repeated per group outgrows the JVM's 64 KB method limit.
   */
  public static Dataset<Row> parse(Dataset<Row> df, String textColumn, String outColumn,
      ZoneId defaultZone) {
    String text = "_" + outColumn + "_text";
    String parts = "_" + outColumn + "_parts";
    List<Column> groups = new ArrayList<>();
    for (int i = 1; i <= 8; i++) {
      groups.add(regexp_extract(col(text), ISO, i));
    }
    String canonical = "_" + outColumn + "_canonical";
    return df
        .withColumn(text, Text.clean(col(textColumn)))
        .withColumn(canonical, col(text).rlike(CANONICAL_UTC))
        .withColumn(parts, when(not(col(canonical)).and(col(text).rlike(ISO)),
            array(groups.toArray(new Column[0]))))
        .withColumn(outColumn, when(col(canonical), col(text).cast("timestamp"))
            .when(col(text).rlike(EPOCH_MILLIS),
            // Bounded before converting: 17+ digits overflow the microseconds timestamp_millis
            // computes, which throws instead of giving null.
            when(col(text).cast("long").between(EARLIEST.toEpochMilli(), LATEST.toEpochMilli()),
                timestamp_millis(col(text).cast("long"))))
            .otherwise(fromParts(col(parts), defaultZone)))
        .withColumn(outColumn, when(col(outColumn).geq(lit(Timestamp.from(EARLIEST))),
            col(outColumn)))
        .drop(text, canonical, parts);
  }

  private static Column fromParts(Column parts, ZoneId defaultZone) {
    Column second = when(parts.getItem(5).equalTo(""), lit("00")).otherwise(parts.getItem(5));
    Column fraction = rpad(substring(parts.getItem(6), 1, 6), 6, "0");
    Column seconds = concat(second, lit("."), fraction).cast("decimal(8,6)");
    Column offset = parts.getItem(7);
    Column zone = when(offset.equalTo(""), lit(defaultZone.getId()))
        .when(upper(offset).equalTo("Z"), lit("UTC"))
        .when(length(offset).equalTo(3), concat(offset, lit(":00")))
        .when(length(offset).equalTo(5),
            concat(substring(offset, 1, 3), lit(":"), substring(offset, 4, 2)))
        .otherwise(offset);
    Column offsetInRange = offset.equalTo("").or(upper(offset).equalTo("Z")).or(
        substring(zone, 2, 2).cast("int").leq(18).and(substring(zone, 5, 2).cast("int").leq(59)));
    // make_timestamp is null for impossible dates and hours while ANSI mode is off; seconds
    // of 60 would roll over to the next minute, so they are refused here.
    return when(parts.isNotNull().and(second.cast("int").leq(59)).and(offsetInRange),
        make_timestamp(parts.getItem(0).cast("int"), parts.getItem(1).cast("int"),
            parts.getItem(2).cast("int"), parts.getItem(3).cast("int"),
            parts.getItem(4).cast("int"), seconds, zone));
  }
}

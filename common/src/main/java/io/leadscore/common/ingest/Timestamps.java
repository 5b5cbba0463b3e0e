package io.leadscore.common.ingest;

import static org.apache.spark.sql.functions.*;

import io.leadscore.common.Text;
import java.time.ZoneId;
import org.apache.spark.sql.Column;

/**
 * Parses the timestamp texts of SPEC §8.1 into UTC timestamps with built-in functions only:
 * ISO-8601 with 'T' or a space, optional seconds and fraction, offset Z, ±HH:MM, ±HHMM or ±HH
 * (none: the default zone), or epoch milliseconds. Anything else, and impossible values such
 * as 2026-02-30 or hour 24, gives null.
 */
public final class Timestamps {
  private Timestamps() {}

  static final String ISO = "^(\\d{4})-(\\d{2})-(\\d{2})[Tt ](\\d{2}):(\\d{2})"
      + "(?::(\\d{2})(?:[.,](\\d{1,9}))?)?\\s*([Zz]|[+-]\\d{2}(?::?\\d{2})?)?$";
  private static final String EPOCH_MILLIS = "^[+-]?\\d{1,18}$";

  public static Column parse(Column text, ZoneId defaultZone) {
    Column s = Text.clean(text);
    Column year = group(s, 1);
    Column month = group(s, 2);
    Column day = group(s, 3);
    Column hour = group(s, 4);
    Column minute = group(s, 5);
    Column second = when(group(s, 6).equalTo(""), lit("00")).otherwise(group(s, 6));
    Column fraction = rpad(substring(group(s, 7), 1, 6), 6, "0");
    Column seconds = concat(second, lit("."), fraction).cast("decimal(8,6)");
    Column offset = group(s, 8);
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
    Column iso = when(s.rlike(ISO).and(second.cast("int").leq(59)).and(offsetInRange),
        make_timestamp(year.cast("int"), month.cast("int"), day.cast("int"), hour.cast("int"),
            minute.cast("int"), seconds, zone));
    return when(s.rlike(EPOCH_MILLIS), timestamp_millis(s.cast("long"))).otherwise(iso);
  }

  private static Column group(Column s, int index) {
    return regexp_extract(s, ISO, index);
  }
}

package io.leadscore.common.generate;

import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.date_add;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.lpad;
import static org.apache.spark.sql.functions.pmod;

import java.time.LocalDate;
import org.apache.spark.sql.Column;

/**
 * Timestamp text from epoch seconds by integer arithmetic, so the output never depends on
 * {@code spark.sql.session.timeZone} (date_format would format in the session zone).
 */
final class Timestamps {
  private Timestamps() {}

  static final long DAY_SECONDS = 86_400L;

  /** The DateType value of an epoch day. */
  static Column date(Column epochDay) {
    return date_add(lit(LocalDate.EPOCH), epochDay.cast("int"));
  }

  /** {@code yyyy-MM-dd} of the day holding an epoch second. */
  static Column dateText(Column epochSecond) {
    return date(floor(epochSecond.divide(DAY_SECONDS))).cast("string");
  }

  /** {@code HH:mm} of an epoch second. */
  static Column hourMinute(Column epochSecond) {
    Column secondOfDay = pmod(epochSecond, lit(DAY_SECONDS));
    return concat(twoDigits(floor(secondOfDay.divide(3600))), lit(":"),
        twoDigits(pmod(floor(secondOfDay.divide(60)), lit(60L))));
  }

  /** {@code HH:mm:ss} of an epoch second. */
  static Column clock(Column epochSecond) {
    return concat(hourMinute(epochSecond), lit(":"), twoDigits(pmod(epochSecond, lit(60L))));
  }

  /** {@code yyyy-MM-ddTHH:mm:ssZ}. */
  static Column isoUtc(Column epochSecond) {
    return concat(dateText(epochSecond), lit("T"), clock(epochSecond), lit("Z"));
  }

  static Column twoDigits(Column n) {
    return lpad(n.cast("string"), 2, "0");
  }
}

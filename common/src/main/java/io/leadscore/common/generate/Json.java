package io.leadscore.common.generate;

import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.lit;

import org.apache.spark.sql.Column;

/**
 * JSON text by concatenation. Plain string building lets one line carry what
 * {@code to_json} cannot: an occurred_at that is a number on some rows and a string on
 * others, and deliberately broken lines. Values must not need escaping; every value the
 * generator writes comes from {@link Vocabulary}, ids or digits, and the one deliberate
 * control character (a tab around an email) is written already escaped.
 */
final class Json {
  private Json() {}

  /** A JSON string of a value; null stays null (the field is then left out). */
  static Column str(Column value) {
    return concat(lit("\""), value, lit("\""));
  }

  /** {@code "key":value} with value already JSON text; null when the value is null. */
  static Column field(String key, Column jsonValue) {
    return concat(lit("\"" + key + "\":"), jsonValue);
  }

  /** An object of fields; null fields are left out. */
  static Column object(Column... fields) {
    return concat(lit("{"), concat_ws(",", fields), lit("}"));
  }
}

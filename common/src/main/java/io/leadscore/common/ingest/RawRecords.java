package io.leadscore.common.ingest;

import static io.leadscore.common.Schemas.*;
import static org.apache.spark.sql.functions.*;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.StructField;

/**
 * One shape for input rows of any format before they are typed: the raw text, a map of the
 * top-level fields as text, and where the row came from. JSON lines, CSV and Parquet all
 * become this shape, so parsing, rejects and de-duplication are written once.
 */
public final class RawRecords {
  private RawRecords() {}

  public static final String FIELDS = "fields";
  public static final String PARSE_ERROR = "parse_error";
  /** Read order within the batch: orders copies of a key within one file. */
  public static final String SEQ = "seq";

  private static final MapType TEXT_MAP =
      DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType);

  /**
   * Records from JSON lines. {@code lines} has {@code value}, {@code source_file} and
   * {@code landing_date}; blank lines are not rows (SPEC §8.2). Nested values and numbers
   * become their JSON text, so {@code properties} can be parsed again as an object.
   */
  public static Dataset<Row> fromJsonLines(Dataset<Row> lines) {
    Column value = col("value");
    Column asObject = from_json(value, TEXT_MAP);
    // Wrapping a line in [ ] parses any single JSON value: that tells a valid non-object
    // (an array, a number) from text that is not JSON at all.
    Column asAnyValue = from_json(concat(lit("["), value, lit("]")),
        DataTypes.createArrayType(DataTypes.StringType));
    Column isJsonObject = asObject.isNotNull().and(ltrim(value).startsWith("{"));
    Column parseError = when(isJsonObject, lit(null).cast("string"))
        .when(asAnyValue.isNotNull().and(size(asAnyValue).equalTo(1)),
            lit(ActivityParser.NOT_AN_OBJECT))
        .otherwise(lit(ActivityParser.INVALID_JSON));
    return lines
        .where(trim(value, " \t\r\n\f").notEqual(""))
        .select(
            col(SOURCE_FILE),
            col(LANDING_DATE),
            monotonically_increasing_id().as(SEQ),
            value.as(RAW),
            when(isJsonObject, asObject).as(FIELDS),
            parseError.as(PARSE_ERROR));
  }

  /**
   * Records from a columnar input (CSV read as text columns, or Parquet). Every column becomes
   * a text field: timestamps as ISO-8601 UTC, maps and structs as JSON, the rest cast.
   * The raw text is the row as JSON.
   */
  public static Dataset<Row> fromColumns(Dataset<Row> table) {
    List<Column> keysAndValues = new ArrayList<>();
    List<Column> rawColumns = new ArrayList<>();
    for (StructField f : table.schema().fields()) {
      if (f.name().equals(SOURCE_FILE) || f.name().equals(LANDING_DATE)) {
        continue;
      }
      keysAndValues.add(lit(f.name()));
      keysAndValues.add(asText(col("`" + f.name() + "`"), f.dataType()));
      rawColumns.add(col("`" + f.name() + "`"));
    }
    return table.select(
        col(SOURCE_FILE),
        col(LANDING_DATE),
        monotonically_increasing_id().as(SEQ),
        to_json(struct(rawColumns.toArray(new Column[0]))).as(RAW),
        map(keysAndValues.toArray(new Column[0])).as(FIELDS),
        lit(null).cast("string").as(PARSE_ERROR));
  }

  static Column asText(Column c, DataType type) {
    if (type.equals(DataTypes.StringType)) {
      return c;
    }
    if (type.equals(DataTypes.TimestampType) || type.equals(DataTypes.TimestampNTZType)) {
      return date_format(c, "yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'");
    }
    if (type instanceof MapType || type instanceof org.apache.spark.sql.types.StructType
        || type instanceof org.apache.spark.sql.types.ArrayType) {
      return to_json(c);
    }
    return c.cast("string");
  }
}

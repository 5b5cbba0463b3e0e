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
  private static final String OBJECT = "_object";

  private static final MapType TEXT_MAP =
      DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType);

  /**
   * Records from JSON lines. {@code lines} has {@code value}, {@code source_file} and
   * {@code landing_date}; blank lines are not rows (SPEC §8.2). Nested values and numbers
   * become their JSON text, so {@code properties} can be parsed again as an object.
   */
  public static Dataset<Row> fromJsonLines(Dataset<Row> lines) {
    Column value = col("value");
    // Parsed once, as its own column: the expressions below refer to it several times, and
    // Spark keeps a non-trivial column computed once rather than inlining it into each use.
    // (Inlined, each line was parsed as JSON up to five times: 25 s of 2M lines at L.)
    Dataset<Row> parsed = lines
        .where(trim(value, " \t\r\n\f").notEqual(""))
        .select(
            col(SOURCE_FILE),
            col(LANDING_DATE),
            monotonically_increasing_id().as(SEQ),
            value.as(RAW),
            from_json(value, TEXT_MAP).as(OBJECT));
    Column raw = col(RAW);
    Column object = col(OBJECT);
    // Wrapping a line in [ ] parses any single JSON value: that tells a valid non-object
    // (an array, a number) from text that is not JSON at all. Only evaluated for lines that
    // are not objects.
    Column asAnyValue = from_json(concat(lit("["), raw, lit("]")),
        DataTypes.createArrayType(DataTypes.StringType));
    Column isJsonObject = object.isNotNull().and(ltrim(raw).startsWith("{"));
    // A repeated top-level key makes the record ambiguous (which event_id?). from_json keeps
    // every key of the text in the map, repeats included, so the keys tell without a second
    // parse.
    Column keys = map_keys(object);
    Column parseError = when(isJsonObject.and(size(keys).notEqual(size(array_distinct(keys)))),
            lit(REPEATED_KEY))
        .when(isJsonObject, lit(null).cast("string"))
        .when(asAnyValue.isNotNull().and(size(asAnyValue).equalTo(1)),
            lit(ActivityParser.NOT_AN_OBJECT))
        .otherwise(lit(ActivityParser.INVALID_JSON));
    return parsed
        .withColumn(PARSE_ERROR, parseError)
        .select(
            col(SOURCE_FILE),
            col(LANDING_DATE),
            col(SEQ),
            raw,
            when(col(PARSE_ERROR).isNull(), object).as(FIELDS),
            col(PARSE_ERROR));
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

  /** Reject reason of a JSON object that names one top-level key twice. */
  public static final String REPEATED_KEY = "repeated_key";

  /** Reject reason of a CSV record that does not parse against its file's header. */
  public static final String INVALID_CSV = "invalid_csv";
  private static final String CORRUPT = "_corrupt_record";

  /**
   * Records from CSV lines, each line read by its own file's header (by name, whatever the
   * column order of the other files). {@code lines} has {@code value} (one physical line),
   * {@code source_file}, {@code landing_date}, {@code seq} and {@code header}, the index into
   * {@code headers} of the line's file, or null for the header line itself (not a row).
   * Blank lines are not rows.
   *
   * <p>A record is one line, as in Spark's CSV reader by default: a quote left open does not
   * swallow the lines after it. A line whose quotes do not pair up, or whose cells do not
   * match the header's count (a cell beyond the header, or one missing), is {@code invalid_csv}
   * and keeps its text as raw. Empty cells are null.
   */
  public static Dataset<Row> fromCsvLines(List<List<String>> headers, Dataset<Row> lines) {
    Column value = col("value");
    Column fields = lit(null).cast(TEXT_MAP);
    Column corrupt = lit(null).cast("boolean");
    java.util.Map<String, String> options = java.util.Map.of(
        "escape", "\"", "mode", "PERMISSIVE", "columnNameOfCorruptRecord", CORRUPT);
    for (int i = headers.size() - 1; i >= 0; i--) {
      List<String> names = headers.get(i);
      org.apache.spark.sql.types.StructType schema = new org.apache.spark.sql.types.StructType();
      for (String name : names) {
        schema = schema.add(name, DataTypes.StringType);
      }
      schema = schema.add(CORRUPT, DataTypes.StringType);
      Column parsed = from_csv(value, lit(schema.toDDL()), options);
      List<Column> keysAndValues = new ArrayList<>();
      for (String name : names) {
        keysAndValues.add(lit(name));
        keysAndValues.add(parsed.getField(name));
      }
      Column isHeader = col("header").equalTo(i);
      fields = when(isHeader, map(keysAndValues.toArray(new Column[0]))).otherwise(fields);
      corrupt = when(isHeader, parsed.getField(CORRUPT).isNotNull()).otherwise(corrupt);
    }
    // Quotes come in pairs in a well-formed record (an escaped quote is doubled): an odd count
    // is a quote left open, which the parser would otherwise close at the end of the line.
    Column quotes = length(value).minus(length(translate(value, "\"", "")));
    Column invalid = quotes.mod(2).equalTo(1).or(corrupt);
    return lines
        .where(col("header").isNotNull().and(trim(value, " \t\r\n\f").notEqual("")))
        .select(
            col(SOURCE_FILE),
            col(LANDING_DATE),
            col(SEQ),
            value.as(RAW),
            when(not(invalid), fields).as(FIELDS),
            when(invalid, lit(INVALID_CSV)).as(PARSE_ERROR));
  }

  /**
   * The column names of a CSV header line: cells split on commas outside double quotes,
   * quotes removed (a doubled quote is one), trimmed; a byte-order mark is dropped and a blank
   * name becomes {@code _c<i>}, as in Spark's reader.
   *
   * @throws IllegalArgumentException when a name repeats (the cells could not be told apart)
   */
  public static List<String> csvHeader(String line, String file) {
    String text = line.startsWith("\uFEFF") ? line.substring(1) : line;
    List<String> names = new ArrayList<>();
    StringBuilder cell = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '"') {
        if (quoted && i + 1 < text.length() && text.charAt(i + 1) == '"') {
          cell.append('"');
          i++;
        } else {
          quoted = !quoted;
        }
      } else if (c == ',' && !quoted) {
        names.add(cell.toString());
        cell.setLength(0);
      } else {
        cell.append(c);
      }
    }
    names.add(cell.toString());
    List<String> out = new ArrayList<>();
    for (int i = 0; i < names.size(); i++) {
      String name = names.get(i).strip();
      if (name.isEmpty()) {
        name = "_c" + i;
      }
      if (out.contains(name)) {
        throw new IllegalArgumentException(file + ": the CSV header names column '" + name
            + "' twice, so its cells cannot be told apart (header: " + String.join(",", names)
            + ")");
      }
      out.add(name);
    }
    return out;
  }

  /**
   * Whether a record's fields hold bytes that are not UTF-8. Readers decode such bytes to
   * U+FFFD, so an identifier would silently become another (and two different ones could
   * become the same); the raw text keeps the original bytes.
   */
  public static Column badEncoding(Column fields) {
    return exists(map_values(fields), v -> v.contains("\uFFFD"))
        .or(exists(map_keys(fields), k -> k.contains("\uFFFD")));
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

package io.leadscore.jobs;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.hex;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.to_json;

import com.univocity.parsers.csv.CsvWriter;
import com.univocity.parsers.csv.CsvWriterSettings;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * A query result as a readable table, CSV or JSON lines. CSV and JSON stream every row
 * through the driver one partition at a time ({@code toLocalIterator}), so an export is not
 * bounded by driver memory; the table shows at most {@code maxRows}.
 */
final class QueryOutput {
  /** Output formats of {@code sql --format}. */
  enum Format { table, csv, json }

  /** Cells longer than this are cut with "..." in the table (CSV and JSON keep everything). */
  static final int MAX_CELL = 200;

  private QueryOutput() {}

  /** Writes the result; returns the number of rows written. */
  static long write(Dataset<Row> result, Format format, int maxRows, PrintWriter out) {
    return switch (format) {
      case table -> table(result, maxRows, out);
      case csv -> csv(result, out);
      case json -> json(result, out);
    };
  }

  /**
   * Every column as text, computed by Spark: nested values (top_reasons, contributions) as
   * JSON, binary as hex. Columns are addressed by position, so duplicate names are fine.
   */
  static Dataset<Row> asText(Dataset<Row> result) {
    StructField[] fields = result.schema().fields();
    List<String> positional = new ArrayList<>();
    for (int i = 0; i < fields.length; i++) {
      positional.add("c" + i);
    }
    Dataset<Row> renamed = result.toDF(positional.toArray(new String[0]));
    List<Column> text = new ArrayList<>();
    for (int i = 0; i < fields.length; i++) {
      Column c = col("c" + i);
      DataType type = fields[i].dataType();
      if (type instanceof StructType || type instanceof ArrayType || type instanceof MapType) {
        c = to_json(c);
      } else if (type instanceof BinaryType) {
        c = hex(c);
      }
      text.add(c.cast("string").as("c" + i));
    }
    return renamed.select(text.toArray(new Column[0]));
  }

  private static long table(Dataset<Row> result, int maxRows, PrintWriter out) {
    StructField[] fields = result.schema().fields();
    List<Row> rows = asText(result).limit(maxRows + 1).collectAsList();
    boolean more = rows.size() > maxRows;
    if (more) {
      rows = rows.subList(0, maxRows);
    }
    int[] width = new int[fields.length];
    boolean[] right = new boolean[fields.length];
    for (int i = 0; i < fields.length; i++) {
      width[i] = fields[i].name().length();
      right[i] = fields[i].dataType() instanceof NumericType;
      for (Row r : rows) {
        width[i] = Math.max(width[i], cell(r, i).length());
      }
    }
    List<String> header = new ArrayList<>();
    List<String> rule = new ArrayList<>();
    for (int i = 0; i < fields.length; i++) {
      header.add(pad(fields[i].name(), width[i], false));
      rule.add("-".repeat(width[i]));
    }
    out.println(String.join(" | ", header).stripTrailing());
    out.println(String.join("-+-", rule));
    for (Row r : rows) {
      List<String> line = new ArrayList<>();
      for (int i = 0; i < fields.length; i++) {
        line.add(pad(cell(r, i), width[i], right[i]));
      }
      out.println(String.join(" | ", line).stripTrailing());
    }
    out.println(more
        ? String.format(Locale.ROOT, "(first %,d rows; --max-rows shows more, --format csv"
            + " --out FILE exports all)", maxRows)
        : String.format(Locale.ROOT, "(%,d row%s)", rows.size(), rows.size() == 1 ? "" : "s"));
    out.flush();
    return rows.size();
  }

  private static String cell(Row r, int i) {
    if (r.isNullAt(i)) {
      return "NULL";
    }
    String s = r.getString(i).replace("\n", "\\n").replace("\t", " ");
    return s.length() > MAX_CELL ? s.substring(0, MAX_CELL - 3) + "..." : s;
  }

  private static String pad(String s, int width, boolean right) {
    String fill = " ".repeat(Math.max(0, width - s.length()));
    return right ? fill + s : s + fill;
  }

  private static long csv(Dataset<Row> result, PrintWriter out) {
    CsvWriterSettings settings = new CsvWriterSettings();
    settings.setHeaders(result.columns());
    settings.setQuoteEscapingEnabled(true);
    CsvWriter writer = new CsvWriter(out, settings);
    writer.writeHeaders();
    long n = 0;
    Iterator<Row> rows = asText(result).toLocalIterator();
    int columns = result.columns().length;
    while (rows.hasNext()) {
      Row r = rows.next();
      Object[] values = new Object[columns];
      for (int i = 0; i < columns; i++) {
        values[i] = r.isNullAt(i) ? null : r.getString(i);
      }
      writer.writeRow(values);
      n++;
    }
    writer.flush();
    return n;
  }

  private static long json(Dataset<Row> result, PrintWriter out) {
    long n = 0;
    // Spark's JSON writer drops null fields by default; an export keeps every column.
    Column[] all = new Column[result.columns().length];
    for (int i = 0; i < all.length; i++) {
      all[i] = result.col("`" + result.columns()[i].replace("`", "``") + "`");
    }
    Iterator<Row> lines = result.select(to_json(struct(all), Map.of("ignoreNullFields",
        "false"))).toLocalIterator();
    while (lines.hasNext()) {
      out.println(lines.next().getString(0));
      n++;
    }
    out.flush();
    return n;
  }
}

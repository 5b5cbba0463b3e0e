package io.leadscore.common.segments;

import static io.leadscore.common.Schemas.*;
import static org.apache.spark.sql.functions.*;

import io.leadscore.common.config.ConfigException;
import io.leadscore.common.config.Segment;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * What a segment's expressions see (SPEC §5): the lead_scores columns of one score date,
 * {@code reasons} (top_reasons as readable text), {@code account.*} (the lead's resolved
 * account) and {@code account_score.*} (that account's scores of the same date).
 */
public final class SegmentFrame {
  private SegmentFrame() {}

  public static final String ACCOUNT = "account";
  public static final String ACCOUNT_SCORE = "account_score";
  /** top_reasons as text: {@code demo-request +40.0; pricing-page +18.5}. */
  public static final String REASONS = "reasons";

  private static final Pattern SORT = Pattern.compile(
      "(?is)^(.*?)(?:\\s+(asc|desc))?(?:\\s+nulls\\s+(first|last))?\\s*$");

  /**
   * @param leadScores one score date's rows of lead_score_history
   * @param accounts the accounts table
   * @param accountScores the same date's rows of account_score_history (may be empty)
   */
  public static Dataset<Row> frame(Dataset<Row> leadScores, Dataset<Row> accounts,
      Dataset<Row> accountScores) {
    return leadScores.as("l")
        .join(accounts.as("a"), col("l." + ACCOUNT_ID).equalTo(col("a." + ACCOUNT_ID)), "left")
        .join(accountScores.as("s"), col("l." + ACCOUNT_ID).equalTo(col("s." + ACCOUNT_ID)),
            "left")
        .select(columnsOf("l", leadScores, reasonsText(col("l." + TOP_REASONS)).as(REASONS),
            struct(fieldsOf("a", accounts)).as(ACCOUNT),
            struct(fieldsOf("s", accountScores)).as(ACCOUNT_SCORE)));
  }

  /** The frame's schema from the three tables' schemas, for analysis without data. */
  public static StructType schema(SparkSession spark, StructType leadScores,
      StructType accounts, StructType accountScores) {
    return frame(spark.createDataFrame(List.of(), leadScores),
        spark.createDataFrame(List.of(), accounts),
        spark.createDataFrame(List.of(), accountScores)).schema();
  }

  /**
   * Has Spark analyse every segment's where, columns and order-by against an empty frame of
   * the given schema: a typo refuses the segments at start, before any data is read.
   */
  public static void analyse(SparkSession spark, List<Segment> segments, StructType frame) {
    Dataset<Row> empty = spark.createDataFrame(List.of(), frame);
    for (Segment s : segments) {
      DataType type = analysed(empty, s.where(), s.location(), s);
      if (!type.equals(DataTypes.BooleanType) && !type.equals(DataTypes.NullType)) {
        throw new ConfigException(label(s.location(), s) + ": '" + s.where()
            + "' must be a boolean condition, is " + type.simpleString());
      }
      for (String c : s.columns()) {
        analysed(empty, c, s.location().replace(".where", ".columns"), s);
      }
      for (String o : s.orderBy()) {
        analysed(empty, sortExpression(o), s.location().replace(".where", ".order-by"), s);
      }
    }
  }

  private static DataType analysed(Dataset<Row> frame, String sql, String location,
      Segment s) {
    try {
      return frame.select(expr(sql)).schema().fields()[0].dataType();
    } catch (Exception e) {
      throw new ConfigException(label(location, s) + ": Spark cannot analyse '" + sql + "': "
          + firstLine(e.getMessage()), e);
    }
  }

  private static String label(String location, Segment s) {
    return location.replace(" (rule " + s.name() + ")", " (segment " + s.name() + ")");
  }

  /** The leads matching a segment's where (consent not applied). */
  public static Dataset<Row> matching(Segment segment, Dataset<Row> frame) {
    // A where that is null for a row is "not in the segment", as a SQL WHERE does.
    return frame.where(coalesce(expr(segment.where()), lit(false)));
  }

  /** The segment's order, lead_id last so ties (and a limit) are deterministic. */
  public static Column[] order(Segment segment) {
    List<Column> out = new ArrayList<>();
    for (String o : segment.orderBy()) {
      Matcher m = SORT.matcher(o.trim());
      m.matches();
      Column c = expr(m.group(1));
      boolean desc = m.group(2) != null && m.group(2).toLowerCase(Locale.ROOT).equals("desc");
      String nulls = m.group(3) == null ? null : m.group(3).toLowerCase(Locale.ROOT);
      out.add(desc
          ? ("first".equals(nulls) ? c.desc_nulls_first() : c.desc_nulls_last())
          : ("last".equals(nulls) ? c.asc_nulls_last() : c.asc_nulls_first()));
    }
    out.add(col(LEAD_ID).asc());
    return out.toArray(new Column[0]);
  }

  private static String sortExpression(String orderBy) {
    Matcher m = SORT.matcher(orderBy.trim());
    return m.matches() ? m.group(1) : orderBy;
  }

  /**
   * The segment's export columns as text (Spark's own text of numbers and dates, JSON for
   * arrays, maps and structs), so a CSV holds what Spark shows.
   */
  public static Dataset<Row> exported(Segment segment, Dataset<Row> rows) {
    Dataset<Row> selected = rows.selectExpr(segment.columns().toArray(new String[0]));
    List<Column> text = new ArrayList<>();
    for (StructField f : selected.schema().fields()) {
      Column c = col("`" + f.name() + "`");
      boolean complex = f.dataType() instanceof StructType
          || f.dataType() instanceof org.apache.spark.sql.types.ArrayType
          || f.dataType() instanceof org.apache.spark.sql.types.MapType;
      text.add((complex ? to_json(c) : c.cast("string")).as(f.name()));
    }
    return selected.select(text.toArray(new Column[0]));
  }

  /** {@code rule +points; rule -points}, by the order of top_reasons. */
  static Column reasonsText(Column topReasons) {
    Column parts = transform(topReasons, r -> concat(r.getField("rule"), lit(" "),
        when(r.getField("points").geq(0), lit("+")).otherwise(lit("")),
        r.getField("points").cast("string")));
    return when(topReasons.isNull(), lit(null).cast("string"))
        .otherwise(concat_ws("; ", parts));
  }

  private static Column[] columnsOf(String alias, Dataset<Row> rows, Column... more) {
    List<Column> out = new ArrayList<>();
    for (String c : rows.columns()) {
      out.add(col(alias + ".`" + c + "`"));
    }
    out.addAll(List.of(more));
    return out.toArray(new Column[0]);
  }

  private static Column[] fieldsOf(String alias, Dataset<Row> rows) {
    List<Column> out = new ArrayList<>();
    for (String c : rows.columns()) {
      out.add(col(alias + ".`" + c + "`").as(c));
    }
    return out.toArray(new Column[0]);
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "";
    }
    String line = message.strip().lines().findFirst().orElse("");
    return line.length() > 300 ? line.substring(0, 300) + "..." : line;
  }
}

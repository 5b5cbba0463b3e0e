package io.leadscore.common.ingest;

import static io.leadscore.common.Schemas.*;
import static org.apache.spark.sql.functions.*;

import io.leadscore.common.Text;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Types the CRM snapshots (leads, accounts, outcomes) from {@link RawRecords} and keeps one
 * row per key (SPEC §8.14): the latest {@code updated_at}, a missing one counting as oldest,
 * then the later file, then the later row.
 */
public final class Snapshots {
  private Snapshots() {}

  /**
   * Raise when a change here (or in {@link RawRecords}) would read the same snapshot file into
   * other rows: ingest skips a snapshot whose files and this version it has stored already.
   */
  public static final int PARSE_VERSION = 1;

  /** What identifies a row of each snapshot. */
  public enum Kind {
    LEADS(io.leadscore.common.Schemas.LEADS, List.of(LEAD_ID)),
    ACCOUNTS(io.leadscore.common.Schemas.ACCOUNTS, List.of(ACCOUNT_ID)),
    OUTCOMES(io.leadscore.common.Schemas.OUTCOMES,
        List.of(LEAD_ID, ACCOUNT_ID, OUTCOME, OCCURRED_AT));

    public final StructType schema;
    public final List<String> key;

    Kind(StructType schema, List<String> key) {
      this.schema = schema;
      this.key = key;
    }
  }

  /**
   * Typed snapshot columns, the {@code extraColumns} as text, and {@code reason} (null when
   * the row is usable) plus the record columns for rejects.
   */
  public static Dataset<Row> parse(Kind kind, ZoneId zone, List<String> extraColumns,
      Dataset<Row> records) {
    Column fields = col(RawRecords.FIELDS);
    List<Column> texts = new ArrayList<>();
    List<String> timestamps = new ArrayList<>();
    for (StructField f : kind.schema.fields()) {
      if (f.dataType().equals(DataTypes.TimestampType)) {
        timestamps.add(f.name());
        texts.add(fields.getItem(f.name()).as("_text_" + f.name()));
      } else {
        texts.add(typed(fields.getItem(f.name()), f.dataType()).as(f.name()));
      }
    }
    for (String extra : extraColumns) {
      texts.add(Text.clean(fields.getItem(extra)).as(extra));
    }
    texts.add(col(SOURCE_FILE));
    texts.add(col(RawRecords.SEQ));
    texts.add(col(RAW));
    texts.add(when(RawRecords.badEncoding(fields), lit("invalid_encoding"))
        .otherwise(col(RawRecords.PARSE_ERROR)).as(RawRecords.PARSE_ERROR));
    Dataset<Row> typed = records.select(texts.toArray(new Column[0]));
    for (String name : timestamps) {
      typed = Timestamps.parse(typed, "_text_" + name, name, zone).drop("_text_" + name);
    }
    List<Column> out = new ArrayList<>();
    for (StructField f : kind.schema.fields()) {
      out.add(col(f.name()));
    }
    for (String extra : extraColumns) {
      out.add(col("`" + extra + "`"));
    }
    out.add(col(SOURCE_FILE));
    out.add(col(RawRecords.SEQ));
    out.add(col(RAW));
    out.add(reason(kind).as(REASON));
    return typed.select(out.toArray(new Column[0]));
  }

  private static Column reason(Kind kind) {
    Column parseError = col(RawRecords.PARSE_ERROR);
    return switch (kind) {
      case LEADS -> when(parseError.isNotNull(), parseError)
          .when(col(LEAD_ID).isNull(), lit("missing_lead_id"));
      case ACCOUNTS -> when(parseError.isNotNull(), parseError)
          .when(col(ACCOUNT_ID).isNull(), lit("missing_account_id"));
      case OUTCOMES -> when(parseError.isNotNull(), parseError)
          .when(col(OUTCOME).isNull(), lit("missing_outcome"))
          .when(col(OCCURRED_AT).isNull(), lit("bad_occurred_at"))
          .when(col(LEAD_ID).isNull().and(col(ACCOUNT_ID).isNull()), lit("no_identity"));
    };
  }

  static Column typed(Column text, DataType type) {
    Column clean = Text.clean(text);
    if (type.equals(DataTypes.BooleanType)) {
      Column v = lower(clean);
      return when(v.isin("true", "t", "yes", "y", "1"), lit(true))
          .when(v.isin("false", "f", "no", "n", "0"), lit(false));
    }
    if (type.equals(DataTypes.LongType)) {
      return clean.cast("double").cast("long");
    }
    if (type.equals(DataTypes.DoubleType)) {
      return clean.cast("double");
    }
    return clean;
  }

  /** One row per key; also drops the bookkeeping columns. */
  public static Dataset<Row> latestPerKey(Kind kind, Dataset<Row> usable) {
    List<Column> key = new ArrayList<>();
    for (String k : kind.key) {
      key.add(col(k));
    }
    Dataset<Row> ranked = usable.withColumn("_rank", row_number().over(
        Window.partitionBy(key.toArray(new Column[0]))
            .orderBy(col(UPDATED_AT).desc_nulls_last(), col(SOURCE_FILE).desc(),
                col(RawRecords.SEQ).desc())));
    return ranked.where(col("_rank").equalTo(1))
        .drop("_rank", SOURCE_FILE, RawRecords.SEQ, RAW, REASON);
  }

  /** Normalises the enumerations rules and stages compare against. */
  public static Dataset<Row> normalizeEnums(Kind kind, Dataset<Row> typed) {
    return switch (kind) {
      case LEADS -> typed.withColumn(CRM_STAGE, lower(col(CRM_STAGE)));
      case OUTCOMES -> typed.withColumn(OUTCOME, lower(col(OUTCOME)));
      case ACCOUNTS -> typed;
    };
  }
}

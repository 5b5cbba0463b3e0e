package io.leadscore.common.storage;

import static io.leadscore.common.Schemas.LANDING_DATE;
import static io.leadscore.common.Schemas.SOURCE_FILE;
import static org.apache.spark.sql.functions.*;

import io.leadscore.common.config.AppSettings.Input;
import io.leadscore.common.ingest.RawRecords;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;

/**
 * Reads input files of any supported format into {@link RawRecords}. Nothing is inferred:
 * JSON lines are read as text, CSV cells as text (empty cells are null), Parquet as written.
 */
public final class Inputs {
  private final SparkSession spark;

  public Inputs(SparkSession spark) {
    this.spark = spark;
  }

  public boolean exists(String path) {
    try {
      Path p = new Path(path);
      FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
      return fs.exists(p);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot check " + path + ": " + e.getMessage(), e);
    }
  }

  /** Records of one input location, tagged with its landing date (null for snapshots). */
  public Dataset<Row> records(String path, String format, LocalDate landingDate) {
    Column landing = landingDate == null ? lit(null).cast("date") : lit(landingDate.toString())
        .cast("date");
    return switch (format) {
      case "jsonl" -> RawRecords.fromJsonLines(spark.read()
          .option("lineSep", "\n")
          .text(path)
          .select(col("value"), input_file_name().as(SOURCE_FILE), landing.as(LANDING_DATE)));
      case "csv" -> RawRecords.fromColumns(tagged(spark.read()
          .option("header", "true")
          .option("inferSchema", "false")
          .option("mode", "PERMISSIVE")
          .option("multiLine", "true")
          .option("escape", "\"")
          .csv(path), landing));
      case "parquet" -> RawRecords.fromColumns(tagged(spark.read().parquet(path), landing));
      default -> throw new IllegalArgumentException("unknown format " + format);
    };
  }

  public Dataset<Row> records(Input input) {
    return records(input.path(), input.format(), null);
  }

  /** The input's own column names (for columnar formats), so extra columns can be kept. */
  public List<String> columns(Input input) {
    List<String> names = new ArrayList<>();
    if (input.format().equals("jsonl")) {
      return names;
    }
    Dataset<Row> df = input.format().equals("csv")
        ? spark.read().option("header", "true").csv(input.path())
        : spark.read().parquet(input.path());
    for (StructField f : df.schema().fields()) {
      names.add(f.name());
    }
    return names;
  }

  private static Dataset<Row> tagged(Dataset<Row> df, Column landing) {
    return df.withColumn(SOURCE_FILE, input_file_name()).withColumn(LANDING_DATE, landing);
  }
}

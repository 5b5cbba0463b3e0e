package io.leadscore.common.ingest;

import static io.leadscore.common.Schemas.LANDING_DATE;
import static io.leadscore.common.Schemas.SOURCE_FILE;
import static org.apache.spark.sql.functions.*;

import io.leadscore.common.config.AppSettings.Input;
import java.io.IOException;
import java.io.UncheckedIOException;
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
public final class InputFiles {
  private final SparkSession spark;

  public InputFiles(SparkSession spark) {
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

  /**
   * Records of several landing folders read in one scan; each row's landing date is taken
   * from its file's path with {@code landingDatePattern} (a regex whose group 1 is the date).
   */
  public Dataset<Row> records(List<String> folders, String format, String landingDatePattern) {
    Column landing = to_date(regexp_extract(input_file_name(), landingDatePattern, 1));
    return read(folders.toArray(new String[0]), format, landing);
  }

  /** Records of a snapshot (a file or a folder); they have no landing date. */
  public Dataset<Row> records(Input input) {
    return read(new String[] {input.path()}, input.format(), lit(null).cast("date"));
  }

  private Dataset<Row> read(String[] paths, String format, Column landing) {
    return switch (format) {
      case "jsonl" -> RawRecords.fromJsonLines(spark.read()
          .option("lineSep", "\n")
          .text(paths)
          .select(col("value"), input_file_name().as(SOURCE_FILE), landing.as(LANDING_DATE)));
      case "csv" -> RawRecords.fromColumns(tagged(spark.read()
          .option("header", "true")
          .option("inferSchema", "false")
          .option("mode", "PERMISSIVE")
          .option("multiLine", "true")
          .option("escape", "\"")
          .csv(paths), landing));
      case "parquet" -> RawRecords.fromColumns(tagged(spark.read().parquet(paths), landing));
      default -> throw new IllegalArgumentException("unknown format " + format);
    };
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

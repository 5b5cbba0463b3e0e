package io.leadscore.common.ingest;

import static io.leadscore.common.Schemas.LANDING_DATE;
import static io.leadscore.common.Schemas.SOURCE_FILE;
import static org.apache.spark.sql.functions.*;

import io.leadscore.common.config.AppSettings.Input;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.commons.codec.digest.DigestUtils;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Reads input files of any supported format into {@link RawRecords}. Nothing is inferred:
 * JSON lines are read as text, CSV lines as text cells named by their own file's header
 * (empty cells are null), Parquet as written.
 */
public final class InputFiles {
  private final SparkSession spark;
  private final java.util.Map<List<String>, CsvHeaders> headerCache = new java.util.HashMap<>();

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
   * SHA-256 of an input's files as Spark lists them (hidden files left out): each file's full
   * name and the SHA-256 of its bytes, in name order. Equal digests mean the same records.
   * The bytes are read on the driver, one file at a time, without a Spark job: a snapshot of
   * a million leads is a few hundred megabytes, read in about a second.
   */
  public String contentDigest(Input input) {
    String[] files = spark.read().text(input.path()).inputFiles();
    Arrays.sort(files);
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    StringBuilder digests = new StringBuilder();
    for (String file : files) {
      Path p = new Path(file);
      try (InputStream in = p.getFileSystem(conf).open(p)) {
        digests.append(file).append(' ').append(DigestUtils.sha256Hex(in)).append('\n');
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
      }
    }
    return DigestUtils.sha256Hex(digests.toString());
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
      case "csv" -> csvRecords(paths, landing);
      case "parquet" -> RawRecords.fromColumns(tagged(spark.read().parquet(paths), landing));
      default -> throw new IllegalArgumentException("unknown format " + format);
    };
  }

  /**
   * The input's own column names (for columnar formats), so extra columns can be kept: for
   * CSV, every name any file's header has, in order of first appearance.
   */
  public List<String> columns(Input input) {
    List<String> names = new ArrayList<>();
    if (input.format().equals("jsonl")) {
      return names;
    }
    if (input.format().equals("csv")) {
      String[] paths = {input.path()};
      for (List<String> header : csvHeaders(paths, csvLines(paths, lit(null).cast("date")))
          .headers()) {
        for (String name : header) {
          if (!names.contains(name)) {
            names.add(name);
          }
        }
      }
      return names;
    }
    for (StructField f : spark.read().parquet(input.path()).schema().fields()) {
      names.add(f.name());
    }
    return names;
  }

  private Dataset<Row> csvLines(String[] paths, Column landing) {
    return spark.read().text(paths).select(col("value"), input_file_name().as(SOURCE_FILE),
        landing.as(LANDING_DATE), monotonically_increasing_id().as(RawRecords.SEQ));
  }

  /** The distinct headers of the files and, per file, its header line's seq and index. */
  private record CsvHeaders(List<List<String>> headers, Dataset<Row> files) {}

  /**
   * Each file's header is its first non-blank line. One pass over the lines, one row per file
   * to the driver: files are few next to their lines.
   */
  private CsvHeaders csvHeaders(String[] paths, Dataset<Row> lines) {
    // A snapshot's columns and its records both need the headers: one pass per run.
    List<String> key = List.of(paths);
    CsvHeaders known = headerCache.get(key);
    if (known != null) {
      return known;
    }
    List<Row> firsts = lines.where(trim(col("value"), " \t\r\n\f").notEqual(""))
        .groupBy(col(SOURCE_FILE))
        .agg(min_by(col("value"), col(RawRecords.SEQ)).as("line"),
            min(col(RawRecords.SEQ)).as("header_seq"))
        .collectAsList();
    List<String> texts = new ArrayList<>();
    List<List<String>> headers = new ArrayList<>();
    List<Row> files = new ArrayList<>();
    for (Row r : firsts) {
      String text = r.getString(1);
      int index = texts.indexOf(text);
      if (index < 0) {
        headers.add(RawRecords.csvHeader(text, r.getString(0)));
        texts.add(text);
        index = texts.size() - 1;
      }
      files.add(RowFactory.create(r.getString(0), r.getLong(2), index));
    }
    StructType schema = new StructType()
        .add(SOURCE_FILE, DataTypes.StringType)
        .add("header_seq", DataTypes.LongType)
        .add("header", DataTypes.IntegerType);
    CsvHeaders found = new CsvHeaders(headers, spark.createDataFrame(files, schema));
    headerCache.put(key, found);
    return found;
  }

  /** CSV records, each file read by its own header (see {@link RawRecords#fromCsvLines}). */
  private Dataset<Row> csvRecords(String[] paths, Column landing) {
    Dataset<Row> lines = csvLines(paths, landing);
    CsvHeaders headers = csvHeaders(paths, lines);
    Dataset<Row> withHeader = lines.join(broadcast(headers.files()), SOURCE_FILE)
        .withColumn("header", when(col(RawRecords.SEQ).notEqual(col("header_seq")),
            col("header")))
        .drop("header_seq");
    return RawRecords.fromCsvLines(headers.headers(), withHeader);
  }

  private static Dataset<Row> tagged(Dataset<Row> df, Column landing) {
    return df.withColumn(SOURCE_FILE, input_file_name()).withColumn(LANDING_DATE, landing);
  }
}

package io.leadscore.common.storage;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVPrinter;
import org.apache.commons.csv.CSVRecord;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * CSV files campaign tools import: RFC 4180 (Apache Commons CSV: fields with commas, quotes
 * or line breaks quoted, quotes doubled, CRLF between records), UTF-8 without a byte order
 * mark, a header row always (an empty segment is a header alone). Written through Hadoop's
 * FileSystem, so local folders, HDFS and object stores work alike.
 *
 * <p>Rows are streamed to the file with {@link Dataset#toLocalIterator}, one partition at a
 * time: the driver never holds more than one partition, and the file is exactly one file
 * with exactly the name asked for, in the Dataset's order. Each file is written beside its
 * target and renamed over it, so a reader never sees half a file.
 */
public final class CsvFiles {
  private CsvFiles() {}

  public static final CSVFormat FORMAT = CSVFormat.RFC4180;

  /**
   * Writes {@code rows} (all columns already text) to {@code path}, replacing it.
   *
   * @return the number of records written (the header not counted)
   */
  public static long write(Dataset<Row> rows, String path, Configuration conf) {
    String[] header = rows.columns();
    Iterator<Row> it = rows.toLocalIterator();
    return writeRecords(path, conf, header, new Iterator<>() {
      @Override
      public boolean hasNext() {
        return it.hasNext();
      }

      @Override
      public List<String> next() {
        Row r = it.next();
        List<String> out = new ArrayList<>(r.length());
        for (int i = 0; i < r.length(); i++) {
          out.add(r.isNullAt(i) ? null : r.get(i).toString());
        }
        return out;
      }
    });
  }

  /** The header and records of a file. */
  public record Content(List<String> header, List<List<String>> records) {}

  /** Reads a whole file; for small files and tests. */
  public static Content read(String path, Configuration conf) {
    Path p = new Path(path);
    try (Reader in = new InputStreamReader(fs(p, conf).open(p),
        StandardCharsets.UTF_8);
        CSVParser parser = CSVParser.parse(in, FORMAT.builder().setHeader()
            .setSkipHeaderRecord(true).get())) {
      List<List<String>> records = new ArrayList<>();
      for (CSVRecord r : parser) {
        records.add(r.toList());
      }
      return new Content(parser.getHeaderNames(), records);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Rewrites a file without the records {@code drop} accepts, streaming it; leaves the file
   * untouched when nothing is dropped.
   *
   * @return the number of records dropped
   */
  public static long removeRecords(String path, Configuration conf,
      Predicate<List<String>> drop) {
    Path p = new Path(path);
    try {
      FileSystem fs = fs(p, conf);
      long dropped = 0;
      try (Reader in = new InputStreamReader(fs.open(p), StandardCharsets.UTF_8);
          CSVParser parser = CSVParser.parse(in, FORMAT)) {
        for (CSVRecord r : parser) {
          if (r.getRecordNumber() > 1 && drop.test(r.toList())) {
            dropped++;
          }
        }
      }
      if (dropped == 0) {
        return 0;
      }
      List<String> header;
      Reader in = new InputStreamReader(fs.open(p), StandardCharsets.UTF_8);
      try (CSVParser parser = CSVParser.parse(in, FORMAT.builder().setHeader()
          .setSkipHeaderRecord(true).get())) {
        header = parser.getHeaderNames();
        Iterator<CSVRecord> records = parser.iterator();
        Iterator<List<String>> kept = new Iterator<>() {
          private List<String> next = advance();

          private List<String> advance() {
            while (records.hasNext()) {
              List<String> r = records.next().toList();
              if (!drop.test(r)) {
                return r;
              }
            }
            return null;
          }

          @Override
          public boolean hasNext() {
            return next != null;
          }

          @Override
          public List<String> next() {
            List<String> r = next;
            next = advance();
            return r;
          }
        };
        writeRecords(path, conf, header.toArray(new String[0]), kept);
      }
      return dropped;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The CSV files under {@code root} matching {@code glob} (relative), sorted. */
  public static List<String> list(String root, String glob, Configuration conf) {
    Path pattern = new Path(root, glob);
    try {
      FileStatus[] found = fs(pattern, conf).globStatus(pattern);
      List<String> out = new ArrayList<>();
      if (found != null) {
        for (FileStatus f : found) {
          if (f.isFile()) {
            out.add(f.getPath().toString());
          }
        }
      }
      out.sort(null);
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The file system of a path; for local files the raw one, which writes no .crc files. */
  private static FileSystem fs(Path path, Configuration conf) throws IOException {
    FileSystem fs = path.getFileSystem(conf);
    return fs instanceof LocalFileSystem local ? local.getRawFileSystem() : fs;
  }

  private static long writeRecords(String path, Configuration conf, String[] header,
      Iterator<List<String>> records) {
    Path target = new Path(path);
    Path tmp = new Path(target.getParent(), "." + target.getName() + "." + UUID.randomUUID()
        + ".tmp");
    try {
      FileSystem fs = fs(target, conf);
      long n = 0;
      try (Writer out = new BufferedWriter(new OutputStreamWriter(fs.create(tmp, true),
          StandardCharsets.UTF_8));
          CSVPrinter printer = new CSVPrinter(out, FORMAT.builder().setHeader(header).get())) {
        while (records.hasNext()) {
          printer.printRecord(records.next());
          n++;
        }
      }
      if (fs.exists(target) && !fs.delete(target, false)) {
        throw new IOException("cannot replace " + target);
      }
      if (!fs.rename(tmp, target)) {
        throw new IOException("cannot rename " + tmp + " to " + target);
      }
      return n;
    } catch (IOException e) {
      throw new UncheckedIOException("writing " + path + ": " + e.getMessage(), e);
    }
  }
}

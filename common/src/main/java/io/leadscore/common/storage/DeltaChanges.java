package io.leadscore.common.storage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.delta.actions.Action;
import org.apache.spark.sql.delta.actions.AddFile;

/**
 * Which partitions of a Delta table the commits after a version changed, read from the
 * table's commit files ({@code _delta_log/<version>.json}, one action per line), whose format
 * is the public Delta protocol: every {@code add} and {@code remove} action carries the
 * file's {@code partitionValues} and a {@code dataChange} flag.
 *
 * <p>Why the log and not the change data feed: the feed must have been switched on for the
 * table before the changes (a table property set at creation or later, never for existing
 * history), and it answers with changed rows, so finding the touched dates means reading every
 * added file; the log answers from a few kilobytes of metadata per commit, for any Delta
 * table, and ignores rewrites that change no data (OPTIMIZE, ZORDER, purges: {@code
 * dataChange = false}) by the protocol's own flag. Deletes and RESTORE show as data-changing
 * removes and adds of their partitions, so they are caught too. What the log cannot tell,
 * it says: a commit file already cleaned up (log retention), or a data change without the
 * partition value, makes the answer unavailable, and the caller rebuilds.
 *
 * <p>The same pass keeps the files the commits added, so a caller that only adds up what the
 * table holds can read just those rows when no commit removed any ({@link Touched#onlyAdded}).
 */
public final class DeltaChanges {
  private DeltaChanges() {}

  private static final Pattern COMMIT_FILE = Pattern.compile("\\d{20}\\.json");

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Distinct values of a partition column changed by commits {@code after + 1 .. upTo}, or
   * why they cannot be known; and the files those commits added, with whether any of them
   * also removed data.
   */
  public record Touched(List<String> values, String unavailable, List<AddFile> added,
      boolean removed) {
    static Touched unavailable(String why) {
      return new Touched(List.of(), why, List.of(), true);
    }

    public boolean available() {
      return unavailable == null;
    }

    /**
     * Whether the commits only added rows: every row the table had after {@code after} is
     * still there, and the new ones are exactly those of {@link #added}.
     */
    public boolean onlyAdded() {
      return available() && !removed;
    }
  }

  /** A version's commit file in a table's {@code _delta_log} folder (the Delta protocol's name). */
  static Path commitFile(Path log, long version) {
    return new Path(log, String.format("%020d.json", version));
  }

  public static Touched partitionsTouched(SparkSession spark, String tablePath,
      String partitionColumn, long after, long upTo) {
    if (upTo <= after) {
      return new Touched(List.of(), null, List.of(), false);
    }
    Path log = new Path(tablePath, "_delta_log");
    Set<Long> present = new HashSet<>();
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    try {
      FileSystem fs = log.getFileSystem(conf);
      for (FileStatus f : fs.listStatus(log, p -> COMMIT_FILE.matcher(p.getName()).matches())) {
        present.add(Long.parseLong(f.getPath().getName().substring(0, 20)));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + log + ": " + e.getMessage(), e);
    }
    TreeSet<String> values = new TreeSet<>();
    List<AddFile> added = new ArrayList<>();
    boolean removed = false;
    for (long v = after + 1; v <= upTo; v++) {
      if (!present.contains(v)) {
        return Touched.unavailable("commit " + v + " of " + tablePath
            + " is no longer in its log (log retention)");
      }
      Path commit = commitFile(log, v);
      // A few kilobytes per commit: read on the driver, not as a Spark job per refresh.
      try (BufferedReader lines = new BufferedReader(new InputStreamReader(
          commit.getFileSystem(conf).open(commit), StandardCharsets.UTF_8))) {
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
          if (line.isBlank()) {
            continue;
          }
          JsonNode action = JSON.readTree(line);
          for (String kind : List.of("add", "remove")) {
            JsonNode file = action.get(kind);
            // A missing dataChange flag counts as a change: rebuilding too much is safe.
            if (file == null || !file.path("dataChange").asBoolean(true)) {
              continue;
            }
            JsonNode value = file.path("partitionValues").get(partitionColumn);
            if (value == null || value.isNull()) {
              return Touched.unavailable("a data change in " + tablePath + " after version "
                  + after + " carries no " + partitionColumn + " partition value");
            }
            values.add(value.asText());
            if (kind.equals("add")) {
              added.add((AddFile) Action.fromJson(line));
            } else {
              removed = true;
            }
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + commit + ": " + e.getMessage(), e);
      }
    }
    return new Touched(List.copyOf(values), null, List.copyOf(added), removed);
  }
}

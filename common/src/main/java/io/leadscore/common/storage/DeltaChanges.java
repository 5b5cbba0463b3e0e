package io.leadscore.common.storage;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

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
 */
public final class DeltaChanges {
  private DeltaChanges() {}

  private static final Pattern COMMIT_FILE = Pattern.compile("\\d{20}\\.json");

  /** The parts of an action that are read; everything else in a commit is left unparsed. */
  private static final StructType FILE_ACTION = new StructType()
      .add("partitionValues",
          DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType))
      .add("dataChange", DataTypes.BooleanType);
  private static final StructType ACTIONS = new StructType()
      .add("add", FILE_ACTION)
      .add("remove", FILE_ACTION);

  /**
   * Distinct values of a partition column changed by commits {@code after + 1 .. upTo}, or
   * why they cannot be known.
   */
  public record Touched(List<String> values, String unavailable) {
    public boolean available() {
      return unavailable == null;
    }
  }

  public static Touched partitionsTouched(SparkSession spark, String tablePath,
      String partitionColumn, long after, long upTo) {
    if (upTo <= after) {
      return new Touched(List.of(), null);
    }
    Path log = new Path(tablePath, "_delta_log");
    Set<Long> present = new HashSet<>();
    try {
      FileSystem fs = log.getFileSystem(spark.sparkContext().hadoopConfiguration());
      for (FileStatus f : fs.listStatus(log, p -> COMMIT_FILE.matcher(p.getName()).matches())) {
        present.add(Long.parseLong(f.getPath().getName().substring(0, 20)));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + log + ": " + e.getMessage(), e);
    }
    List<String> files = new ArrayList<>();
    for (long v = after + 1; v <= upTo; v++) {
      if (!present.contains(v)) {
        return new Touched(List.of(), "commit " + v + " of " + tablePath
            + " is no longer in its log (log retention)");
      }
      files.add(new Path(log, String.format("%020d.json", v)).toString());
    }
    Dataset<Row> actions = spark.read().schema(ACTIONS).json(files.toArray(new String[0]));
    Dataset<Row> touched = changed(actions, "add", partitionColumn)
        .union(changed(actions, "remove", partitionColumn))
        .distinct();
    TreeSet<String> values = new TreeSet<>();
    for (Row r : touched.collectAsList()) {
      if (r.isNullAt(0)) {
        return new Touched(List.of(), "a data change in " + tablePath + " after version "
            + after + " carries no " + partitionColumn + " partition value");
      }
      values.add(r.getString(0));
    }
    return new Touched(List.copyOf(values), null);
  }

  // A missing dataChange flag counts as a change: rebuilding too much is safe, too little not.
  private static Dataset<Row> changed(Dataset<Row> actions, String kind, String column) {
    Column action = col(kind);
    return actions
        .where(action.isNotNull().and(coalesce(action.getField("dataChange"), lit(true))))
        .select(action.getField("partitionValues").getItem(column).as("value"));
  }
}

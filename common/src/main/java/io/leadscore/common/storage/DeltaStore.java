package io.leadscore.common.storage;

import static org.apache.spark.sql.functions.col;

import io.delta.tables.DeltaTable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;

/**
 * The Delta tables under the warehouse path. Every write is one atomic Delta commit chosen so
 * a retried or re-run task leaves the table as one run would: MERGE on the key for current
 * state, replaceWhere on the run's partition for history, insert-if-absent for logs of rows.
 */
public final class DeltaStore {
  private final SparkSession spark;
  private final String warehouse;

  public DeltaStore(SparkSession spark, String warehouse) {
    this.spark = spark;
    this.warehouse = warehouse.endsWith("/") ? warehouse.substring(0, warehouse.length() - 1)
        : warehouse;
  }

  public SparkSession spark() {
    return spark;
  }

  public String path(String table) {
    return warehouse + "/" + table;
  }

  public boolean exists(String table) {
    return DeltaTable.isDeltaTable(spark, path(table));
  }

  public Dataset<Row> read(String table) {
    return spark.read().format("delta").load(path(table));
  }

  /** The table as of one of its versions: a consistent view however many commits follow. */
  public Dataset<Row> readAt(String table, long version) {
    return spark.read().format("delta").option("versionAsOf", version).load(path(table));
  }

  /** The table's latest version. */
  public long version(String table) {
    return DeltaTable.forPath(spark, path(table)).history(1).select("version").first().getLong(0);
  }

  /** The table's id; a table deleted and created again at the same path gets a new one. */
  public String tableId(String table) {
    return DeltaTable.forPath(spark, path(table)).detail().select("id").first().getString(0);
  }

  /** Appends rows; only for rows already made unique against the table by the caller. */
  public void append(String table, Dataset<Row> rows, String... partitionBy) {
    rows.write().format("delta").mode(SaveMode.Append).partitionBy(partitionBy)
        .save(path(table));
  }

  /** Inserts the rows whose key is not in the table yet; existing rows are left as they are. */
  public void insertAbsent(String table, Dataset<Row> rows, List<String> key) {
    if (!exists(table)) {
      rows.write().format("delta").mode(SaveMode.ErrorIfExists).save(path(table));
      return;
    }
    DeltaTable.forPath(spark, path(table)).as("t")
        .merge(rows.as("s"), keyCondition(key))
        .whenNotMatched().insertAll()
        .execute();
  }

  /**
   * Upserts by key. A matched row is rewritten only when a column differs (null-safe), so a
   * rerun with the same snapshot commits no change. New columns are added to the table.
   */
  public void upsert(String table, Dataset<Row> rows, List<String> key) {
    if (!exists(table)) {
      rows.write().format("delta").mode(SaveMode.ErrorIfExists).save(path(table));
      return;
    }
    List<String> changed = new ArrayList<>();
    for (StructField f : rows.schema().fields()) {
      if (!key.contains(f.name())) {
        changed.add("NOT (t.`" + f.name() + "` <=> s.`" + f.name() + "`)");
      }
    }
    var merge = DeltaTable.forPath(spark, path(table)).as("t")
        .merge(rows.as("s"), keyCondition(key))
        .withSchemaEvolution();
    if (changed.isEmpty()) {
      merge.whenNotMatched().insertAll().execute();
    } else {
      merge.whenMatched(String.join(" OR ", changed)).updateAll()
          .whenNotMatched().insertAll()
          .execute();
    }
  }

  /**
   * Replaces one partition's rows atomically (creating the table on first use). Columns a
   * newer version adds to an output table are added to the table, not refused.
   */
  public void replacePartition(String table, Dataset<Row> rows, String partitionColumn,
      String partitionValueSql) {
    var writer = rows.write().format("delta").mode(SaveMode.Overwrite)
        .option("mergeSchema", "true")
        .partitionBy(partitionColumn);
    if (exists(table)) {
      writer = writer.option("replaceWhere", partitionColumn + " = " + partitionValueSql);
    }
    writer.save(path(table));
  }

  /** Replaces the whole table's contents atomically. */
  public void overwrite(String table, Dataset<Row> rows) {
    rows.write().format("delta").mode(SaveMode.Overwrite).option("overwriteSchema", "true")
        .save(path(table));
  }

  /**
   * Replaces the whole table's contents atomically, partitioned by {@code partitionColumn},
   * in one commit whose {@code userMetadata} is {@code commitMetadata}.
   */
  public void overwrite(String table, Dataset<Row> rows, String partitionColumn,
      String commitMetadata) {
    rows.write().format("delta").mode(SaveMode.Overwrite).option("overwriteSchema", "true")
        .option("userMetadata", commitMetadata).partitionBy(partitionColumn).save(path(table));
  }

  /**
   * Replaces the rows matching {@code predicate} (SQL over partition columns) with
   * {@code rows} in one commit whose {@code userMetadata} is {@code commitMetadata}; matching
   * partitions without new rows end up empty.
   */
  public void replaceWhere(String table, Dataset<Row> rows, String predicate,
      String partitionColumn, String commitMetadata) {
    rows.write().format("delta").mode(SaveMode.Overwrite).option("replaceWhere", predicate)
        .option("userMetadata", commitMetadata).partitionBy(partitionColumn).save(path(table));
  }

  /** A commit of a table: its version and {@code userMetadata}. */
  public record Commit(long version, String userMetadata) {}

  /**
   * The latest commit whose {@code userMetadata} starts with {@code prefix}, while the table's
   * history still holds it (Delta's log retention).
   */
  public Optional<Commit> latestCommitWithMetadata(String table, String prefix) {
    List<Row> rows = DeltaTable.forPath(spark, path(table)).history()
        .where(col("userMetadata").startsWith(prefix))
        .orderBy(col("version").desc())
        .select("version", "userMetadata").limit(1).collectAsList();
    return rows.isEmpty() ? Optional.empty()
        : Optional.of(new Commit(rows.get(0).getLong(0), rows.get(0).getString(1)));
  }

  /** The operation metrics of the table's latest commit (rows inserted, updated, ...). */
  public Map<String, String> lastCommitMetrics(String table) {
    Row last = DeltaTable.forPath(spark, path(table)).history(1)
        .select("operationMetrics").first();
    Map<String, String> out = new LinkedHashMap<>();
    scala.collection.Map<String, String> metrics = last.getMap(0);
    if (metrics != null) {
      scala.collection.Iterator<scala.Tuple2<String, String>> it = metrics.iterator();
      while (it.hasNext()) {
        scala.Tuple2<String, String> e = it.next();
        out.put(e._1(), e._2());
      }
    }
    return out;
  }

  private static String keyCondition(List<String> key) {
    List<String> parts = new ArrayList<>();
    for (String k : key) {
      // Null-safe: outcome keys may have a null lead_id or account_id.
      parts.add("t.`" + k + "` <=> s.`" + k + "`");
    }
    return String.join(" AND ", parts);
  }
}

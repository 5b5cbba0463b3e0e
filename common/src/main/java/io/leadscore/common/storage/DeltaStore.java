package io.leadscore.common.storage;

import static org.apache.spark.sql.functions.expr;

import io.delta.tables.DeltaTable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Consumer;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.DataFrameWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.delta.DeltaHistoryManager;
import org.apache.spark.sql.delta.DeltaLog;
import org.apache.spark.sql.delta.Snapshot;
import org.apache.spark.sql.delta.actions.AddFile;
import org.apache.spark.sql.delta.actions.CommitInfo;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.util.sketch.BloomFilter;
import scala.Option;
import scala.collection.JavaConverters;

/**
 * The Delta tables under the warehouse path. Every write is one atomic Delta commit chosen so
 * a retried or re-run task leaves the table as one run would: MERGE on the key for current
 * state, replaceWhere on the run's partition for history, insert-if-absent for logs of rows.
 */
public final class DeltaStore {
  private final SparkSession spark;
  private final String warehouse;
  private final String failAfterWrite;
  private boolean faultFired;

  public DeltaStore(SparkSession spark, String warehouse) {
    this(spark, warehouse, null);
  }

  /**
   * @param failAfterWrite test-only fault injection ({@code leadscore.testing.fail-after-write}):
   *     the name of a table whose first write through this store is followed by an
   *     {@link InjectedFault}, so tests can show that a rerun repairs a job that failed halfway;
   *     null or blank for none
   */
  public DeltaStore(SparkSession spark, String warehouse, String failAfterWrite) {
    this.spark = spark;
    this.warehouse = warehouse.endsWith("/") ? warehouse.substring(0, warehouse.length() - 1)
        : warehouse;
    this.failAfterWrite = failAfterWrite == null || failAfterWrite.isBlank() ? null
        : failAfterWrite.strip();
  }

  /** Thrown right after the write named by {@code leadscore.testing.fail-after-write}. */
  public static final class InjectedFault extends RuntimeException {
    InjectedFault(String table) {
      super("injected failure right after writing " + table
          + " (leadscore.testing.fail-after-write, a test-only setting)");
    }
  }

  /**
   * Another job committed to the table while this one was writing it: Delta refused this
   * commit, so nothing of it is in the table. The message is one line; Delta's exception is
   * attached as suppressed, not as the cause, so one-line error reporting (which shows the
   * innermost cause) prints this message.
   */
  public static final class ConcurrentWriteException extends RuntimeException {
    ConcurrentWriteException(String path, Throwable delta) {
      super("another job is writing the warehouse: a concurrent commit to " + path
          + " conflicts with this run's (" + deltaErrorClass(delta) + "); this write was not"
          + " committed. Run jobs of one warehouse one at a time; a rerun after the other"
          + " job finishes adds only what is missing");
      addSuppressed(delta);
    }
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

  /**
   * The rows of files that commits up to {@code version} added ({@link
   * DeltaChanges.Touched#added}), read as the table at that version reads them (its schema,
   * partition values and deletion vectors): what an append-only change brought, without
   * reading the rest of the partitions it touched.
   */
  public Dataset<Row> readAdded(String table, long version, List<AddFile> added) {
    DeltaLog log = DeltaLog.forTable(spark, path(table));
    return log.createDataFrame(log.getSnapshotAt(version, Option.empty(), Option.empty()),
        JavaConverters.asScalaBuffer(added).toSeq(), false, Option.empty());
  }

  /**
   * The values of a partition column the table's files hold (each once), from Delta's file
   * list: one Spark job over its cached state, where a scan that aggregates the column plans,
   * lists and shuffles in three. One row per file comes to the driver: for tables with one
   * partition per date, a few files per date.
   */
  public Set<String> partitionValues(String table, String column) {
    Set<String> out = new TreeSet<>();
    for (Row r : snapshot(table).allFiles().toDF()
        .select(functions.col("partitionValues").getItem(column)).collectAsList()) {
      if (!r.isNullAt(0)) {
        out.add(r.getString(0));
      }
    }
    return out;
  }

  /** The table's latest version. */
  public long version(String table) {
    return snapshot(table).version();
  }

  /** The table's id; a table deleted and created again at the same path gets a new one. */
  public String tableId(String table) {
    return snapshot(table).metadata().id();
  }

  /**
   * The table's latest snapshot, from its log. Version, id and commit information are read
   * from here and from the commit files rather than through {@code DeltaTable.history()} or
   * {@code detail()}, which turn a few lines of log into a Spark job each: on the small
   * tables of a daily run, those jobs were a good part of the run.
   */
  private Snapshot snapshot(String table) {
    return DeltaLog.forTable(spark, path(table)).update(false, Option.empty(), Option.empty());
  }

  /** The commit information of one version, empty once log retention removed its file. */
  private static Optional<CommitInfo> commitInfo(DeltaLog log, long version) {
    Path file = DeltaChanges.commitFile(log.logPath(), version);
    Configuration conf = log.newDeltaHadoopConf();
    try {
      if (!file.getFileSystem(conf).exists(file)) {
        return Optional.empty();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
    Option<CommitInfo> info = DeltaHistoryManager.getCommitInfoOpt(log.store(), file, conf);
    return info.isDefined() ? Optional.of(info.get()) : Optional.empty();
  }

  /**
   * Appends rows blindly: Delta checks a blind append against no concurrent commit, so this is
   * only for rows that are unique by construction (a run's own log entry), never for rows
   * de-duplicated against the table; those go through {@link #insertAbsent}.
   */
  public void append(String table, Dataset<Row> rows, String... partitionBy) {
    commit(table, () -> byPartition(rows, partitionBy).write().format("delta")
        .mode(SaveMode.Append).partitionBy(partitionBy).save(path(table)));
  }

  /**
   * The rows of one partition value in one task, so each value gets one file per write
   * rather than one per input task: a first ingest of a year of landing files wrote 16 files
   * per event_date at S (5,840 files), and every later read of the table opened them all.
   */
  private static Dataset<Row> byPartition(Dataset<Row> rows, String... partitionBy) {
    if (partitionBy.length == 0) {
      return rows;
    }
    return rows.repartition(Arrays.stream(partitionBy).map(functions::col)
        .toArray(Column[]::new));
  }

  /**
   * Inserts the rows whose key is not in the table yet; existing rows are left as they are.
   * The MERGE's reads are what Delta checks a concurrent commit against: one that adds rows
   * where this one looked makes Delta refuse this commit ({@link ConcurrentWriteException})
   * instead of storing a key twice, and a rerun inserts only what is still missing.
   *
   * <p>With one partition column, the MERGE reads only the partitions the new rows fall in and
   * those already holding one of their keys: a day's events touch a few dates, and comparing
   * them with every stored key made the whole table's key column the cost of each ingest. The
   * partitions holding a key are found in one pass over the stored keys, filtered by a bloom
   * filter of the new keys so only the few that might match are joined. Two runs writing the
   * same partitions still conflict; a concurrent run that adds one of these keys to another
   * partition is not seen (jobs of one warehouse run one at a time).
   *
   * <p>{@code rows} is evaluated up to four times (its count, the bloom filter, the join with
   * the stored keys, the MERGE): pass rows that are cached or cheap to recompute, or a parse
   * of the input runs four times.
   *
   * @return the number of rows inserted, from the commit's own metrics (no count of the
   *     table afterwards)
   */
  public long insertAbsent(String table, Dataset<Row> rows, List<String> key,
      String... partitionBy) {
    return insertAbsent(table, rows, key, KEY_FILTER_FALSE_POSITIVES, partitionBy);
  }

  /**
   * The share of stored keys a bloom filter of the new keys lets through by mistake: each is
   * joined for nothing, and may add a partition to the MERGE's read. One in a thousand costs
   * 1.8 bytes per new key.
   */
  static final double KEY_FILTER_FALSE_POSITIVES = 0.001;

  /** {@link #insertAbsent}, with the bloom filter's false-positive rate (tests raise it). */
  long insertAbsent(String table, Dataset<Row> rows, List<String> key, double falsePositives,
      String... partitionBy) {
    // Marks this call's commit, so its metrics are found whatever else committed meanwhile.
    String marker = "leadscore insert " + UUID.randomUUID();
    long before = exists(table) ? version(table) : -1;
    commit(table, () -> {
      if (!exists(table)) {
        byPartition(rows, partitionBy).write().format("delta").mode(SaveMode.ErrorIfExists)
            .option("userMetadata", marker).partitionBy(partitionBy).save(path(table));
        return;
      }
      if (partitionBy.length != 1) {
        mergeAbsent(table, rows, expr(keyCondition(key)), marker);
        return;
      }
      // The new keys' bloom filter lives until the MERGE has run: its join reads the target
      // through it too.
      Optional<Broadcast<BloomFilter>> filter = newKeysFilter(rows, key, falsePositives);
      if (filter.isEmpty()) {
        return;
      }
      Broadcast<BloomFilter> newKeys = filter.get();
      try {
        UserDefinedFunction mightBeNew = functions.udf(
            (UDF1<Long, Boolean>) h -> newKeys.value().mightContainLong(h),
            DataTypes.BooleanType);
        Column condition = partitionsToRead(table, rows, key, partitionBy[0], mightBeNew)
            // A target-only conjunct: Spark applies it to the stored rows before the MERGE's
            // anti-join, so the join takes the few stored rows that might hold a new key
            // instead of every row of the dates read (at L, 8.8M rows sorted for 11k matches).
            // No stored key equal to a new one fails it: the result is the same.
            .and(mightBeNew.apply(keyHash(key, "t.")))
            .and(expr(keyCondition(key)));
        mergeAbsent(table, rows, condition, marker);
      } finally {
        newKeys.destroy();
      }
    });
    return insertedRows(table, before, marker);
  }

  /**
   * Inserts the rows of {@code rows} that match no stored row on {@code condition}, in a
   * commit whose {@code userMetadata} is {@code marker}.
   */
  private void mergeAbsent(String table, Dataset<Row> rows, Column condition, String marker) {
    // Delta's MERGE itself repartitions by the partition columns before it writes
    // (spark.databricks.delta.merge.repartitionBeforeWrite.enabled).
    withCommitMetadata(marker, session -> DeltaTable.forPath(session, path(table)).as("t")
        .merge(rows.as("s"), condition)
        .whenNotMatched().insertAll()
        .execute());
  }

  /**
   * The rows the insert-only commit marked {@code marker}, made after version {@code before},
   * added; 0 when it made none (nothing to insert). From the commit's operation metrics, or,
   * where a session turned them off, the table's row count before and after it.
   */
  private long insertedRows(String table, long before, String marker) {
    DeltaLog log = DeltaLog.forTable(spark, path(table));
    for (long v = log.update(false, Option.empty(), Option.empty()).version(); v > before;
        v--) {
      Optional<CommitInfo> info = commitInfo(log, v);
      if (info.isPresent() && info.get().userMetadata().isDefined()
          && info.get().userMetadata().get().equals(marker)) {
        Map<String, String> metrics = operationMetrics(info.get());
        String inserted = metrics.getOrDefault("numTargetRowsInserted",
            metrics.get("numOutputRows"));
        if (inserted != null) {
          return Long.parseLong(inserted);
        }
        return readAt(table, v).count() - (v == 0 ? 0 : readAt(table, v - 1).count());
      }
    }
    return 0;
  }

  /** The key's hash over the columns of {@code alias} ("" for unqualified columns). */
  private static Column keyHash(List<String> key, String alias) {
    return functions.xxhash64(key.stream().map(k -> functions.col(alias + "`" + k + "`"))
        .toArray(Column[]::new));
  }

  /**
   * A bloom filter of the new rows' key hashes, broadcast to the executors; empty when there
   * are no new rows (Spark's filter of no rows is null), so nothing to insert.
   */
  private Optional<Broadcast<BloomFilter>> newKeysFilter(Dataset<Row> rows, List<String> key,
      double falsePositives) {
    long newRows = rows.count();
    BloomFilter filter = newRows == 0 ? null : rows.select(keyHash(key, "").as("h")).stat()
        .bloomFilter("h", newRows, falsePositives);
    return Optional.ofNullable(filter)
        .map(f -> JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(f));
  }

  /**
   * A predicate on the target's partition column: the values {@code rows} hold and those of
   * the stored rows sharing a key with them. Delta prunes the MERGE's read to these partitions
   * and records the predicate for its conflict check.
   */
  private Column partitionsToRead(String table, Dataset<Row> rows, List<String> key,
      String partition, UserDefinedFunction mightBeNew) {
    Dataset<Row> candidates = read(table).where(mightBeNew.apply(keyHash(key, "")));
    Dataset<Row> holding = candidates.as("t")
        .join(rows.as("s"), expr(keyCondition(key)), "left_semi")
        .select(functions.col(partition));
    List<Object> values = new ArrayList<>();
    boolean withNull = false;
    // At most one row per partition value comes back to the driver.
    for (Row r : rows.select(partition).union(holding).distinct().collectAsList()) {
      if (r.isNullAt(0)) {
        withNull = true;
      } else {
        values.add(r.get(0));
      }
    }
    Column target = functions.col("t.`" + partition + "`");
    Column read = target.isin(values.toArray());
    return withNull ? read.or(target.isNull()) : read;
  }

  /**
   * Upserts by key. A matched row is rewritten only when a column differs (null-safe), and
   * rows already stored as they are take no part, so a rerun with the same snapshot commits
   * nothing. New columns are added to the table.
   */
  public void upsert(String table, Dataset<Row> rows, List<String> key) {
    commit(table, () -> upsertNow(table, rows, key, null));
  }

  /**
   * {@link #upsert}, with {@code commitMetadata} as the {@code userMetadata} of its commit
   * (when it commits: an upsert that changes no row commits nothing).
   */
  public void upsert(String table, Dataset<Row> rows, List<String> key,
      String commitMetadata) {
    commit(table, () -> upsertNow(table, rows, key, commitMetadata));
  }

  private void upsertNow(String table, Dataset<Row> rows, List<String> key,
      String commitMetadata) {
    if (!exists(table)) {
      var writer = rows.write().format("delta").mode(SaveMode.ErrorIfExists);
      if (commitMetadata != null) {
        writer = writer.option("userMetadata", commitMetadata);
      }
      writer.save(path(table));
      return;
    }
    List<String> changed = new ArrayList<>();
    List<String> same = new ArrayList<>();
    List<String> stored = List.of(read(table).columns());
    boolean comparable = true;
    for (StructField f : rows.schema().fields()) {
      if (!key.contains(f.name())) {
        changed.add("NOT (t.`" + f.name() + "` <=> s.`" + f.name() + "`)");
      }
      same.add("s.`" + f.name() + "` <=> t.`" + f.name() + "`");
      comparable &= stored.contains(f.name()) && !(f.dataType() instanceof MapType);
    }
    Dataset<Row> source = rows;
    if (comparable) {
      // Delta rewrites every file holding a matched row, even when the update's condition
      // turns it down: leave out rows stored as they are, and commit nothing when none differ.
      source = rows.as("s").join(read(table).as("t"), expr(String.join(" AND ", same)),
          "left_anti");
      if (source.isEmpty()) {
        return;
      }
    }
    Dataset<Row> changedRows = source;
    withCommitMetadata(commitMetadata, session -> {
      var merge = DeltaTable.forPath(session, path(table)).as("t")
          .merge(changedRows.as("s"), keyCondition(key))
          .withSchemaEvolution();
      if (changed.isEmpty()) {
        merge.whenNotMatched().insertAll().execute();
      } else {
        merge.whenMatched(String.join(" OR ", changed)).updateAll()
            .whenNotMatched().insertAll()
            .execute();
      }
    });
  }

  /**
   * Runs {@code operation} with {@code commitMetadata} (when not null) as the
   * {@code userMetadata} of the Delta commits it makes, for operations that take no write
   * options (MERGE, DELETE): Delta reads it from the settings of the session the operation
   * runs in. The operation gets a copy of this store's session (same SparkContext, cache and
   * settings) with the metadata set, and must run its Delta operation in it: set on the
   * shared session, the metadata of one of two operations running at once in one application
   * went into the other's commit, or was unset before its own commit.
   */
  public void withCommitMetadata(String commitMetadata, Consumer<SparkSession> operation) {
    if (commitMetadata == null) {
      operation.accept(spark);
      return;
    }
    // cloneSession, not newSession: a new session starts from the SparkContext's settings and
    // loses those set on this one at run time (the tests' and the jobs' per-run settings).
    // It is private[sql] in Scala, which Java sees as public: an upgrade of Spark must keep it.
    SparkSession own = spark.cloneSession();
    own.conf().set("spark.databricks.delta.commitInfo.userMetadata", commitMetadata);
    operation.accept(own);
  }

  /**
   * Replaces one partition's rows atomically (creating the table on first use). Columns a
   * newer version adds to an output table are added to the table, not refused.
   */
  public void replacePartition(String table, Dataset<Row> rows, String partitionColumn,
      String partitionValueSql) {
    commit(table, () -> {
      var writer = rows.write().format("delta").mode(SaveMode.Overwrite)
          .option("mergeSchema", "true")
          .partitionBy(partitionColumn);
      if (exists(table)) {
        writer = writer.option("replaceWhere", partitionColumn + " = " + partitionValueSql);
      }
      writer.save(path(table));
    });
  }

  /** Replaces the whole table's contents atomically. */
  public void overwrite(String table, Dataset<Row> rows) {
    commit(table, () -> replacingAll(rows).save(path(table)));
  }

  /**
   * Replaces the whole table's contents atomically, in one commit whose {@code userMetadata}
   * is {@code commitMetadata}.
   */
  public void overwrite(String table, Dataset<Row> rows, String commitMetadata) {
    commit(table, () -> replacingAll(rows).option("userMetadata", commitMetadata)
        .save(path(table)));
  }

  /**
   * Replaces the whole table's contents atomically, partitioned by {@code partitionColumn},
   * in one commit whose {@code userMetadata} is {@code commitMetadata}.
   */
  public void overwrite(String table, Dataset<Row> rows, String partitionColumn,
      String commitMetadata) {
    commit(table, () -> replacingAll(rows).option("userMetadata", commitMetadata)
        .partitionBy(partitionColumn).save(path(table)));
  }

  /** A Delta writer that replaces a table's contents and schema. */
  private static DataFrameWriter<Row> replacingAll(Dataset<Row> rows) {
    return rows.write().format("delta").mode(SaveMode.Overwrite)
        .option("overwriteSchema", "true");
  }

  /**
   * Replaces the rows matching {@code predicate} (SQL over partition columns) with
   * {@code rows} in one commit whose {@code userMetadata} is {@code commitMetadata}; matching
   * partitions without new rows end up empty.
   */
  public void replaceWhere(String table, Dataset<Row> rows, String predicate,
      String partitionColumn, String commitMetadata) {
    commit(table, () -> rows.write().format("delta").mode(SaveMode.Overwrite)
        .option("replaceWhere", predicate).option("userMetadata", commitMetadata)
        .partitionBy(partitionColumn).save(path(table)));
  }

  /** A commit of a table: its version and {@code userMetadata}. */
  public record Commit(long version, String userMetadata) {}

  /**
   * The latest commit whose {@code userMetadata} starts with {@code prefix}, while the table's
   * history still holds it (Delta's log retention).
   */
  public Optional<Commit> latestCommitWithMetadata(String table, String prefix) {
    DeltaLog log = DeltaLog.forTable(spark, path(table));
    // Newest first: the commit sought is nearly always one of the last few.
    for (long v = log.update(false, Option.empty(), Option.empty()).version(); v >= 0; v--) {
      Optional<CommitInfo> info = commitInfo(log, v);
      if (info.isEmpty()) {
        break;
      }
      Option<String> metadata = info.get().userMetadata();
      if (metadata.isDefined() && metadata.get().startsWith(prefix)) {
        return Optional.of(new Commit(v, metadata.get()));
      }
    }
    return Optional.empty();
  }

  /** The operation metrics of the table's latest commit (rows inserted, updated, ...). */
  public Map<String, String> lastCommitMetrics(String table) {
    DeltaLog log = DeltaLog.forTable(spark, path(table));
    return commitInfo(log, log.update(false, Option.empty(), Option.empty()).version())
        .map(DeltaStore::operationMetrics).orElse(Map.of());
  }

  /** A commit's operation metrics (rows inserted, updated, ...); empty when not recorded. */
  private static Map<String, String> operationMetrics(CommitInfo info) {
    Map<String, String> out = new LinkedHashMap<>();
    if (info.operationMetrics().isDefined()) {
      info.operationMetrics().get().foreach(e -> out.put(e._1(), e._2()));
    }
    return out;
  }

  /**
   * Runs one write of {@code table}: Delta's refusal of a conflicting concurrent commit becomes
   * a {@link ConcurrentWriteException}, and the test-only fault fires after the named table's
   * first write.
   */
  private void commit(String table, Runnable write) {
    boolean existed = exists(table);
    try {
      write.run();
    } catch (RuntimeException e) {
      Throwable conflict = deltaConflict(e);
      // Two first writes race to create the table: the loser finds it created under it.
      if (conflict == null && !existed && exists(table)) {
        conflict = e;
      }
      if (conflict != null) {
        throw new ConcurrentWriteException(path(table), conflict);
      }
      throw e;
    }
    if (table.equals(failAfterWrite) && !faultFired) {
      faultFired = true;
      throw new InjectedFault(table);
    }
  }

  private static Throwable deltaConflict(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof org.apache.spark.sql.delta.DeltaConcurrentModificationException) {
        return t;
      }
    }
    return null;
  }

  private static String deltaErrorClass(Throwable delta) {
    if (delta instanceof org.apache.spark.SparkThrowable st && st.getErrorClass() != null) {
      return st.getErrorClass();
    }
    return delta.getClass().getSimpleName();
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

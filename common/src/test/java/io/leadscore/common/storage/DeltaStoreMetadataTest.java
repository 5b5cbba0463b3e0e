package io.leadscore.common.storage;

import static org.junit.jupiter.api.Assertions.*;

import io.leadscore.common.spark.SparkJobCounter;
import io.leadscore.common.testing.SparkTestBase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.delta.DeltaLog;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Version, id, commit metadata, commit metrics and touched partitions, read from a table's
 * Delta log without Spark jobs: what the incremental jobs decide their work by.
 */
class DeltaStoreMetadataTest extends SparkTestBase {
  static final StructType SCHEMA = new StructType()
      .add("k", DataTypes.StringType)
      .add("d", DataTypes.StringType);

  @TempDir Path dir;

  private Dataset<Row> rows(String... keysAndDates) {
    List<Row> out = new ArrayList<>();
    for (int i = 0; i < keysAndDates.length; i += 2) {
      out.add(RowFactory.create(keysAndDates[i], keysAndDates[i + 1]));
    }
    return session().createDataFrame(out, SCHEMA);
  }

  @Test
  void twoMarkedOperationsAtOnceInOneSessionEachMarkTheirOwnCommit() throws Exception {
    DeltaStore store = new DeltaStore(session(), dir.toString());
    store.append("a", rows("x", "1", "y", "2"), "d");
    store.append("b", rows("x", "1", "y", "2"), "d");
    // Both operations have their metadata in place before either commits, and the first to
    // finish does not take the other's away.
    CountDownLatch bothStarted = new CountDownLatch(2);
    ExecutorService threads = Executors.newFixedThreadPool(2);
    try {
      List<Future<?>> runs = new ArrayList<>();
      for (String table : List.of("a", "b")) {
        runs.add(threads.submit(() -> store.withCommitMetadata("erased: " + table, s -> {
          bothStarted.countDown();
          try {
            bothStarted.await();
          } catch (InterruptedException e) {
            throw new IllegalStateException(e);
          }
          io.delta.tables.DeltaTable.forPath(s, store.path(table)).delete("k = 'x'");
        })));
      }
      for (Future<?> run : runs) {
        run.get();
      }
    } finally {
      threads.shutdown();
    }
    assertEquals(Optional.of(new DeltaStore.Commit(1, "erased: a")),
        store.latestCommitWithMetadata("a", "erased:"));
    assertEquals(Optional.of(new DeltaStore.Commit(1, "erased: b")),
        store.latestCommitWithMetadata("b", "erased:"));
    // The session's own settings are left as they were.
    assertFalse(session().conf().contains("spark.databricks.delta.commitInfo.userMetadata"));
  }

  @Test
  void versionIdMetadataAndMetricsComeFromTheLog() throws IOException {
    DeltaStore store = new DeltaStore(session(), dir.toString());
    store.overwrite("t", rows("a", "1", "b", "2"), "d", "state: as-of=1");
    store.replaceWhere("t", rows("c", "2"), "d = '2'", "d", "other: x");
    store.append("t", rows("e", "3"), "d");
    assertEquals(2L, store.version("t"));
    // The newest commit whose metadata has the prefix, skipping newer ones without it.
    assertEquals(Optional.of(new DeltaStore.Commit(0, "state: as-of=1")),
        store.latestCommitWithMetadata("t", "state:"));
    assertEquals(Optional.of(new DeltaStore.Commit(1, "other: x")),
        store.latestCommitWithMetadata("t", "other:"));
    assertEquals(Optional.empty(), store.latestCommitWithMetadata("t", "none:"));
    assertEquals("1", store.lastCommitMetrics("t").get("numOutputRows"));

    // Partitions changed after version 0: the replaced d=2 and the appended d=3.
    DeltaChanges.Touched touched = DeltaChanges.partitionsTouched(session(),
        store.path("t"), "d", 0, 2);
    assertEquals(List.of("2", "3"), touched.values());
    // The replace removed rows; the append after it only added its one file, whose rows
    // are read alone.
    assertFalse(touched.onlyAdded());
    DeltaChanges.Touched appended = DeltaChanges.partitionsTouched(session(), store.path("t"),
        "d", 1, 2);
    assertEquals(List.of("3"), appended.values());
    Assertions.assertTrue(appended.onlyAdded());
    assertEquals(List.of(RowFactory.create("e", "3")),
        store.readAdded("t", 2, appended.added()).collectAsList());

    // A commit file gone (log retention, which only removes what a checkpoint covers): the
    // metadata search stops there, and the touched partitions say they cannot be known.
    DeltaLog.forTable(session(), store.path("t")).checkpoint();
    Files.delete(dir.resolve("t/_delta_log/" + String.format("%020d.json", 0)));
    assertEquals(Optional.empty(), store.latestCommitWithMetadata("t", "state:"));
    assertEquals(Optional.of(new DeltaStore.Commit(1, "other: x")),
        store.latestCommitWithMetadata("t", "other:"));
    Assertions.assertFalse(DeltaChanges.partitionsTouched(session(), store.path("t"), "d",
        -1, 2).available());
    assertEquals(2L, store.version("t"));
  }

  @Test
  void tableIdChangesWhenTheTableIsRecreated() throws IOException {
    DeltaStore store = new DeltaStore(session(), dir.toString());
    store.overwrite("u", rows("a", "1"));
    String first = store.tableId("u");
    assertEquals(first, store.tableId("u"));
    try (var walk = Files.walk(dir.resolve("u"))) {
      for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
    store.overwrite("u", rows("b", "2"));
    assertNotEquals(first, store.tableId("u"));
    assertEquals(0L, store.version("u"));
  }

  @Test
  void theCounterSeesTheJobsAnActionStarts() throws InterruptedException {
    SparkJobCounter counter = SparkJobCounter.of(session().sparkContext());
    assertSame(counter, SparkJobCounter.active().orElseThrow());
    long before = counter.jobs();
    session().range(10).count();
    // The listener bus is asynchronous: give it a moment.
    for (int i = 0; i < 50 && counter.jobs() == before; i++) {
      Thread.sleep(20);
    }
    Assertions.assertTrue(counter.jobs() > before, "jobs " + before + " -> " + counter.jobs());
  }

  @Test
  void aFirstWriteAndAnAppendWriteOneFilePerPartitionValue() throws IOException {
    DeltaStore store = new DeltaStore(session(), dir.toString());
    // Eight input partitions, each holding rows of both dates.
    List<String> keysAndDates = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      keysAndDates.add("k" + i);
      keysAndDates.add(i % 2 == 0 ? "2026-11-01" : "2026-11-02");
    }
    Dataset<Row> spread = rows(keysAndDates.toArray(new String[0])).repartition(8);
    store.insertAbsent("first", spread, List.of("k"), "d");
    store.append("appended", spread, "d");
    for (String table : List.of("first", "appended")) {
      for (String date : List.of("2026-11-01", "2026-11-02")) {
        try (var files = Files.list(dir.resolve(table).resolve("d=" + date))) {
          assertEquals(1, files.filter(f -> f.toString().endsWith(".parquet")).count(),
              table + " d=" + date);
        }
      }
      assertEquals(40, store.read(table).count(), table);
    }
  }
}

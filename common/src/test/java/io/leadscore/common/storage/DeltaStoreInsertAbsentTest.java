package io.leadscore.common.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.leadscore.common.testing.SparkTestBase;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Insert-if-absent into a partitioned table reads only the partitions the new rows fall in and
 * those already holding one of their keys, and still never stores a key twice, whichever
 * partition it was stored under.
 */
class DeltaStoreInsertAbsentTest extends SparkTestBase {
  static final StructType SCHEMA = new StructType()
      .add("k", DataTypes.StringType)
      .add("d", DataTypes.StringType)
      .add("v", DataTypes.StringType);

  @TempDir Path dir;

  private Dataset<Row> rows(String... keyDateValue) {
    List<Row> out = new ArrayList<>();
    for (int i = 0; i < keyDateValue.length; i += 3) {
      out.add(RowFactory.create(keyDateValue[i], keyDateValue[i + 1], keyDateValue[i + 2]));
    }
    return session().createDataFrame(out, SCHEMA);
  }

  private Set<String> stored(DeltaStore store) {
    Set<String> out = new TreeSet<>();
    for (Row r : store.read("t").collectAsList()) {
      out.add(r.getString(0) + "/" + r.getString(1) + "/" + r.getString(2));
    }
    return out;
  }

  /** The partition values the latest MERGE read, as Delta recorded them for its conflict check. */
  private Set<String> partitionsRead(DeltaStore store) {
    String predicate = io.delta.tables.DeltaTable.forPath(session(), store.path("t")).history(1)
        .selectExpr("operationParameters['predicate']").first().getString(0);
    Matcher in = Pattern.compile("d#\\d+ IN \\(([^)]*)\\)").matcher(predicate);
    Assertions.assertTrue(in.find(), predicate);
    return new TreeSet<>(List.of(in.group(1).split(",")));
  }

  /** Stores keys k0..k(n-1) in partitions 10..19, then inserts a replay, a repeat and a new key. */
  private DeltaStore insertTwice(String name, int stored, double falsePositives) {
    DeltaStore store = new DeltaStore(session(), dir.resolve(name).toString());
    List<String> first = new ArrayList<>(List.of("a", "1", "first", "b", "2", "first"));
    for (int i = 0; i < stored; i++) {
      first.addAll(List.of("k" + i, String.valueOf(10 + i % 10), "first"));
    }
    assertEquals(2 + stored, store.insertAbsent("t", rows(first.toArray(String[]::new)),
        List.of("k"), falsePositives, "d"), "rows the first write inserted");
    // "a" replayed under another partition is a duplicate; "b" again under its own one too;
    // "n" is new.
    assertEquals(1, store.insertAbsent("t", rows("a", "4", "replay", "b", "2", "again", "n",
        "4", "new"), List.of("k"), falsePositives, "d"), "rows the MERGE inserted");
    Set<String> expected = new TreeSet<>(Set.of("a/1/first", "b/2/first", "n/4/new"));
    for (int i = 0; i < stored; i++) {
      expected.add("k" + i + "/" + (10 + i % 10) + "/first");
    }
    assertEquals(expected, stored(store));
    return store;
  }

  @Test
  void aKeyStoredUnderAnotherPartitionIsNotInsertedAgain() {
    DeltaStore store = insertTwice("exact", 20, DeltaStore.KEY_FILTER_FALSE_POSITIVES);
    // The new rows' partitions and the one holding the replayed key; not the other eleven.
    assertEquals(Set.of("1", "2", "4"), partitionsRead(store));
    // A rerun of the same rows adds nothing.
    assertEquals(0, store.insertAbsent("t", rows("a", "4", "replay", "b", "2", "again", "n",
        "4", "new"), List.of("k"), "d"));
    assertEquals(23, store.read("t").count());
  }

  @Test
  void theRowsInsertedAreCountedWithoutCommitMetricsAndWithoutAPartitionColumn() {
    DeltaStore store = new DeltaStore(session(), dir.resolve("counted").toString());
    assertEquals(2, store.insertAbsent("t", rows("a", "1", "x", "b", "1", "x"), List.of("k")));
    // A session that records no operation metrics: counted from the table before and after.
    String metrics = "spark.databricks.delta.history.metricsEnabled";
    session().conf().set(metrics, "false");
    try {
      assertEquals(1, store.insertAbsent("t", rows("a", "2", "y", "c", "2", "y"),
          List.of("k")));
      assertEquals(Map.of(), store.lastCommitMetrics("t"), "the commit recorded no metrics");
      assertEquals(0, store.insertAbsent("t", rows("c", "3", "z"), List.of("k")));
    } finally {
      session().conf().unset(metrics);
    }
    assertEquals(Set.of("a/1/x", "b/1/x", "c/2/y"), stored(store));
  }

  @Test
  void keysTheBloomFilterLetsThroughByMistakeChangeNothing() {
    // A filter of 3 keys at 50% false positives lets about half of the 200 stored keys
    // through: the exact join decides, and the MERGE reads a few partitions more.
    DeltaStore store = insertTwice("loose", 200, 0.5);
    Assertions.assertTrue(partitionsRead(store).containsAll(Set.of("1", "2", "4")));
  }

  @Test
  void aNullPartitionValueIsReadToo() {
    DeltaStore store = new DeltaStore(session(), dir.resolve("nulls").toString());
    store.insertAbsent("t", rows("a", null, "first"), List.of("k"), "d");
    assertEquals(1, store.insertAbsent("t", rows("a", null, "again", "b", null, "new"),
        List.of("k"), "d"));
    assertEquals(Set.of("a/null/first", "b/null/new"), stored(store));
  }

  @Test
  void noNewRowsCommitNothing() {
    DeltaStore store = new DeltaStore(session(), dir.resolve("empty").toString());
    store.insertAbsent("t", rows("a", "1", "first"), List.of("k"), "d");
    long version = io.delta.tables.DeltaTable.forPath(session(), store.path("t")).history(1)
        .first().getLong(0);
    assertEquals(0, store.insertAbsent("t", rows(), List.of("k"), "d"));
    assertEquals(version, io.delta.tables.DeltaTable.forPath(session(), store.path("t"))
        .history(1).first().getLong(0));
    assertEquals(Set.of("a/1/first"), stored(store));
  }
}

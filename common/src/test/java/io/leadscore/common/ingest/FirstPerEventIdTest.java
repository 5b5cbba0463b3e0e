package io.leadscore.common.ingest;

import static io.leadscore.common.Schemas.EVENT_ID;
import static io.leadscore.common.Schemas.LANDING_DATE;
import static io.leadscore.common.Schemas.SOURCE_FILE;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.leadscore.common.testing.SparkTestBase;
import java.sql.Date;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.sketch.BloomFilter;
import org.junit.jupiter.api.Test;

/**
 * The first copy of each event_id is kept (SPEC §8.2: earlier landing date, then file, then
 * row), whether or not the repeated-id filter sends single copies through the ordering.
 */
class FirstPerEventIdTest extends SparkTestBase {
  private static final StructType SCHEMA = new StructType()
      .add(EVENT_ID, DataTypes.StringType)
      .add(LANDING_DATE, DataTypes.DateType)
      .add(SOURCE_FILE, DataTypes.StringType)
      .add(RawRecords.SEQ, DataTypes.LongType)
      .add("copy", DataTypes.StringType);

  private static Row row(String id, String landing, String file, long seq, String copy) {
    return RowFactory.create(id, Date.valueOf(landing), file, seq, copy);
  }

  /** a: three copies (the earlier landing date wins, then the earlier file); b: two copies in one file. */
  private Dataset<Row> batch() {
    return session().createDataFrame(List.of(
        row("a", "2026-11-02", "x.jsonl", 1, "a-later-landing"),
        row("a", "2026-11-01", "y.jsonl", 0, "a-later-file"),
        row("a", "2026-11-01", "x.jsonl", 9, "a-first"),
        row("b", "2026-11-01", "x.jsonl", 5, "b-later-row"),
        row("b", "2026-11-01", "x.jsonl", 2, "b-first"),
        row("c", "2026-11-01", "x.jsonl", 3, "c"),
        row("d", "2026-11-02", "z.jsonl", 4, "d"),
        row("e", "2026-11-02", "z.jsonl", 6, "e")), SCHEMA);
  }

  private static Set<String> copies(Dataset<Row> rows) {
    Set<String> out = new TreeSet<>();
    for (Row r : rows.select("copy").collectAsList()) {
      out.add(r.getString(0));
    }
    return out;
  }

  @Test
  void theFirstCopyOfEachIdIsKept() {
    ActivityParser.FirstCopies first = ActivityParser.firstPerEventId(batch(), 8);
    assertEquals(Set.of("a-first", "b-first", "c", "d", "e"), copies(first.rows()));
    // Two later copies of a, one of b: 8 rows = 5 first copies + 3.
    assertEquals(3, first.copiesDropped());
  }

  @Test
  void singleIdsTheFilterTakesForRepeatedOnesAreKept() {
    // A filter that takes every id for a repeated one: the singles go through the ordering.
    BloomFilter everyId = BloomFilter.create(100);
    List.of("a", "b", "c", "d", "e").forEach(everyId::putString);
    assertEquals(Set.of("a-first", "b-first", "c", "d", "e"),
        copies(ActivityParser.firstPerEventId(batch(), everyId)));
  }

  @Test
  void aBatchWithoutRepeatsIsKeptWhole() {
    Dataset<Row> singles = batch().where("event_id NOT IN ('a', 'b')");
    ActivityParser.FirstCopies first = ActivityParser.firstPerEventId(singles, 3);
    assertEquals(Set.of("c", "d", "e"), copies(first.rows()));
    assertEquals(0, first.copiesDropped());
    ActivityParser.FirstCopies none = ActivityParser.firstPerEventId(singles.limit(0), 0);
    assertEquals(Set.of(), copies(none.rows()));
    assertEquals(0, none.copiesDropped());
  }
}

package io.leadscore.common.ingest;

import static io.leadscore.common.Schemas.*;
import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.leadscore.common.ingest.InputFiles;
import io.leadscore.common.testing.SparkTestBase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** CSV and Parquet landing files parse to the same typed activities as JSON lines. */
class ActivityFormatsTest extends SparkTestBase {
  @TempDir Path dir;

  private Dataset<Row> parse(Path folder, String format) {
    return ActivityParser.parse(ZoneId.of("UTC"), Instant.parse("2026-11-22T00:00:00Z"), new InputFiles(session()).records(
        List.of(folder.toString()), format, "dt=(\\d{4}-\\d{2}-\\d{2})(/|$)"));
  }

  private static void assertParsed(Dataset<Row> parsed) {
    List<Row> rows = parsed.orderBy(col(RAW)).collectAsList();
    assertEquals(3, rows.size());
    Row ok = parsed.where(col(EVENT_ID).equalTo("c1")).first();
    assertNull(ok.getAs(REASON));
    assertEquals(Timestamp.from(Instant.parse("2026-11-21T04:30:00Z")), ok.getAs(OCCURRED_AT));
    assertEquals("page_view", ok.getAs(ACTIVITY_TYPE));
    assertEquals("L1", ok.getAs(LEAD_ID));
    assertNull(ok.getAs(EMAIL), "an empty cell is null");
    assertEquals("80", ok.<scala.collection.Map<String, String>>getAs(PROPERTIES).get("pct").get());
    assertEquals("ads", ok.<scala.collection.Map<String, String>>getAs(EXTRAS).get("utm_source")
        .get());
    assertEquals(java.sql.Date.valueOf("2026-11-20"), ok.getAs(LANDING_DATE));
    assertEquals("bad_occurred_at",
        parsed.where(col(EVENT_ID).equalTo("c2")).first().getAs(REASON));
    assertEquals("no_identity", parsed.where(col(EVENT_ID).equalTo("c3")).first().getAs(REASON));
  }

  @Test
  void csvAndParquetLandingFiles() throws Exception {
    Path csv = dir.resolve("csv/dt=2026-11-20");
    Files.createDirectories(csv);
    Files.writeString(csv.resolve("part.csv"), String.join("\n",
        "event_id,occurred_at,activity_type,lead_id,email,account_id,url,campaign_id,properties,utm_source",
        "c1,2026-11-20T23:30:00-05:00,Page_View, L1 ,,,/pricing,,\"{\"\"pct\"\": 80}\",ads",
        "c2,not a time,page_view,L1,,,,,,",
        "c3,2026-11-20T10:00:00Z,page_view,,,,,,,",
        ""));
    assertParsed(parse(csv, "csv"));

    Path parquet = dir.resolve("parquet/dt=2026-11-20");
    session().read().option("header", "true").csv(csv.toString())
        .withColumn(OCCURRED_AT, org.apache.spark.sql.functions.when(col(EVENT_ID).equalTo("c1"),
            org.apache.spark.sql.functions.lit("2026-11-21T04:30:00Z").cast("timestamp"))
            .otherwise(col(OCCURRED_AT)))
        .write().parquet(parquet.toString());
    Dataset<Row> fromParquet = parse(parquet, "parquet");
    // A Parquet timestamp column is an instant already; a text column is parsed as text.
    assertEquals(Timestamp.from(Instant.parse("2026-11-21T04:30:00Z")),
        fromParquet.where(col(EVENT_ID).equalTo("c1")).first().getAs(OCCURRED_AT));
    assertEquals(3, fromParquet.count());
    assertEquals("no_identity",
        fromParquet.where(col(EVENT_ID).equalTo("c3")).first().getAs(REASON));
  }
}

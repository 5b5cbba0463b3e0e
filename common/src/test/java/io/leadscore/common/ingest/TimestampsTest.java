package io.leadscore.common.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.leadscore.common.testing.SparkTestBase;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** The timestamp forms of SPEC §8.1, each with its UTC instant or null (rejected). */
class TimestampsTest extends SparkTestBase {

  @Test
  void parsesTheContractFormsAndRefusesTheRest() {
    Map<String, String> expected = new LinkedHashMap<>();
    expected.put("2026-11-20T10:15:30Z", "2026-11-20T10:15:30Z");
    expected.put("2026-11-20 10:15:30z", "2026-11-20T10:15:30Z");
    expected.put("2026-11-20T10:15Z", "2026-11-20T10:15:00Z");
    expected.put("2026-11-20T10:15:30.5Z", "2026-11-20T10:15:30.500Z");
    expected.put("2026-11-20T10:15:30.123456789Z", "2026-11-20T10:15:30.123456Z");
    // UTC with 'Z' and up to microseconds takes Spark's cast (Timestamps.CANONICAL_UTC); the
    // forms around it, the general path: both must agree on every edge.
    expected.put("2026-11-20T10:15:30.123456Z", "2026-11-20T10:15:30.123456Z");
    expected.put("2026-11-20T10:15:30.000001Z", "2026-11-20T10:15:30.000001Z");
    expected.put("2026-11-20t10:15:30Z", "2026-11-20T10:15:30Z");
    expected.put("2026-13-01T00:00:00Z", null);
    expected.put("2026-11-31T00:00:00Z", null);
    expected.put("2024-02-29T23:59:59Z", "2024-02-29T23:59:59Z");
    expected.put("1899-12-31T23:59:59Z", null);
    expected.put("1900-01-01T00:00:00Z", "1900-01-01T00:00:00Z");
    expected.put("0001-01-01T00:00:00Z", null);
    expected.put("9999-12-31T23:59:59Z", "9999-12-31T23:59:59Z");
    expected.put("2026-11-20T23:30:00-05:00", "2026-11-21T04:30:00Z");
    expected.put("2026-11-21T01:30:00+0530", "2026-11-20T20:00:00Z");
    expected.put("2026-11-21T01:30+09", "2026-11-20T16:30:00Z");
    expected.put(" 2026-11-20T10:15:30Z\t", "2026-11-20T10:15:30Z");
    // without an offset: the default zone (here New York, UTC-5 in November)
    expected.put("2026-11-20T10:15:30", "2026-11-20T15:15:30Z");
    expected.put("1795219199000", "2026-11-20T23:59:59Z");
    expected.put("0", "1970-01-01T00:00:00Z");
    expected.put("2026-02-30T10:00:00Z", null);
    expected.put("2026-11-20T24:00:00Z", null);
    expected.put("2026-11-20T10:60:00Z", null);
    expected.put("2026-11-20T10:15:60Z", null);
    expected.put("2026-11-20T10:15:30+19:00", null);
    expected.put("2026-11-20", null);
    expected.put("20/11/2026 10:15", null);
    expected.put("yesterday", null);
    expected.put("1.7e12", null);
    expected.put("", null);

    List<Row> rows = new ArrayList<>();
    expected.keySet().forEach(k -> rows.add(RowFactory.create(k)));
    Dataset<Row> input = session().createDataFrame(rows,
        new StructType().add("text", DataTypes.StringType));
    Map<String, String> actual = new LinkedHashMap<>();
    for (Row r : Timestamps.parse(input, "text", "ts", ZoneId.of("America/New_York"))
        .collectAsList()) {
      Timestamp ts = r.getAs("ts");
      actual.put(r.getAs("text"), ts == null ? null : ts.toInstant().toString());
    }
    Map<String, String> normalized = new LinkedHashMap<>();
    expected.forEach((k, v) -> normalized.put(k, v == null ? null : Instant.parse(v).toString()));
    assertEquals(normalized, actual);
  }
}

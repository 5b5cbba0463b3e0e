package io.leadscore.common.ingest;

import static io.leadscore.common.Schemas.*;
import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.leadscore.common.config.AppSettings.Input;
import io.leadscore.common.ingest.InputFiles;
import io.leadscore.common.testing.SparkTestBase;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Inputs a hostile or careless producer writes (issue 9, items 2–4 and 6): each is read by
 * name, rejected with a reason, or accepted with a warning, never silently changed.
 */
class HostileInputsTest extends SparkTestBase {
  private static final String LANDING = "dt=(\\d{4}-\\d{2}-\\d{2})(/|$)";
  private static final Instant BEFORE = Instant.parse("2026-11-22T00:00:00Z");
  private static final String HEADER = "event_id,occurred_at,activity_type,lead_id";

  @TempDir Path dir;

  private Path folder(String name) throws IOException {
    Path f = dir.resolve(name).resolve("dt=2026-11-20");
    Files.createDirectories(f);
    return f;
  }

  private Dataset<Row> parse(Path folder, String format) {
    return ActivityParser.parse(ZoneId.of("UTC"), BEFORE,
        new InputFiles(session()).records(List.of(folder.toString()), format, LANDING));
  }

  /** event_id -> reason ("ok" when accepted). */
  private static Map<String, String> reasons(Dataset<Row> parsed) {
    Map<String, String> out = new HashMap<>();
    for (Row r : parsed.select(EVENT_ID, REASON, RAW).collectAsList()) {
      String key = r.getString(0) == null ? r.getString(2) : r.getString(0);
      out.put(key, r.getString(1) == null ? "ok" : r.getString(1));
    }
    return out;
  }

  private static Row row(Dataset<Row> parsed, String eventId) {
    List<Row> rows = parsed.where(col(EVENT_ID).equalTo(eventId)).collectAsList();
    assertEquals(1, rows.size(), eventId);
    return rows.get(0);
  }

  @Test
  void csvFilesWithDifferentColumnOrdersAreReadByTheirOwnHeader() throws IOException {
    Path f = folder("orders");
    Files.writeString(f.resolve("a.csv"), HEADER + "\na1,2026-11-20T10:00:00Z,page_view,L1\n");
    Files.writeString(f.resolve("b.csv"), "\uFEFFlead_id, activity_type ,event_id,occurred_at\n"
        + "L2,email_open,b1,2026-11-20T11:00:00Z\n");
    Dataset<Row> parsed = parse(f, "csv");
    assertEquals(2, parsed.count());
    Row a1 = row(parsed, "a1");
    assertEquals("page_view", a1.getAs(ACTIVITY_TYPE));
    assertEquals("L1", a1.getAs(LEAD_ID));
    Row b1 = row(parsed, "b1");
    assertNull(b1.getAs(REASON));
    assertEquals("email_open", b1.getAs(ACTIVITY_TYPE));
    assertEquals("L2", b1.getAs(LEAD_ID));
    assertEquals("L2,email_open,b1,2026-11-20T11:00:00Z", b1.getAs(RAW), "raw is the line");
  }

  @Test
  void snapshotFilesWithDifferentColumnOrdersAreReadByName() throws IOException {
    Path leads = dir.resolve("leads");
    Files.createDirectories(leads);
    Files.writeString(leads.resolve("1.csv"), "lead_id,email,job_title\nL1,l1@x.com,VP\n");
    Files.writeString(leads.resolve("2.csv"),
        "email,lead_id,job_title,favourite\nl2@x.com,L2,CTO,blue\n");
    Input input = new Input(leads.toString(), "csv");
    InputFiles inputs = new InputFiles(session());
    assertEquals(List.of("lead_id", "email", "job_title", "favourite"),
        inputs.columns(input).stream().sorted((x, y) -> List.of("lead_id", "email",
            "job_title", "favourite").indexOf(x) - List.of("lead_id", "email", "job_title",
            "favourite").indexOf(y)).toList());
    Dataset<Row> parsed = Snapshots.parse(Snapshots.Kind.LEADS, ZoneId.of("UTC"),
        List.of("favourite"), inputs.records(input));
    Row l2 = parsed.where(col(LEAD_ID).equalTo("L2")).first();
    assertEquals("l2@x.com", l2.getAs(EMAIL));
    assertEquals("CTO", l2.getAs(JOB_TITLE));
    assertEquals("blue", l2.getAs("favourite"));
    Row l1 = parsed.where(col(LEAD_ID).equalTo("L1")).first();
    assertEquals("l1@x.com", l1.getAs(EMAIL));
    assertNull(l1.getAs("favourite"));
  }

  @Test
  void csvHeaderNamingAColumnTwiceIsRefusedNamingTheFile() throws IOException {
    Path f = folder("twice");
    Files.writeString(f.resolve("dup.csv"), "event_id,lead_id,lead_id\ne1,L1,L2\n");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> parse(f, "csv"));
    Assertions.assertTrue(e.getMessage().contains("dup.csv")
        && e.getMessage().contains("'lead_id' twice"), e.getMessage());
  }

  @Test
  void malformedCsvRecordsAreRejectedAsInvalidCsvWithTheirLine() throws IOException {
    Path f = folder("malformed");
    Files.writeString(f.resolve("m.csv"), String.join("\n", HEADER,
        "c1,2026-11-20T10:00:00Z,page_view,\"L1",
        "c2,2026-11-20T11:00:00Z,page_view,L2",
        "c3,2026-11-20T12:00:00Z,page_view,L3,beyond-the-header",
        "c4,2026-11-20T12:00:00Z,page_view",
        "c5,2026-11-20T12:00:00Z,page_view,\"L5, quoted\"",
        "", ""));
    Dataset<Row> parsed = parse(f, "csv");
    // Five lines held five records: the open quote of c1 does not swallow c2.
    assertEquals(5, parsed.count());
    Map<String, String> reasons = new HashMap<>();
    for (Row r : parsed.select(RAW, REASON).collectAsList()) {
      reasons.put(r.getString(0).substring(0, 2), r.getString(1) == null ? "ok" : r.getString(1));
    }
    assertEquals(Map.of("c1", "invalid_csv", "c2", "ok", "c3", "invalid_csv", "c4",
        "invalid_csv", "c5", "ok"), reasons);
    assertEquals("c1,2026-11-20T10:00:00Z,page_view,\"L1",
        parsed.where(col(RAW).startsWith("c1")).first().getAs(RAW));
    assertEquals("L5, quoted", row(parsed, "c5").getAs(LEAD_ID));
  }

  @Test
  void timestampsOutsideTheAcceptedRangeAreBadOccurredAt() throws IOException {
    Path f = folder("times");
    String line = "{\"event_id\":\"%s\",\"occurred_at\":%s,\"activity_type\":\"x\",\"lead_id\":\"L\"}";
    Files.writeString(f.resolve("t.jsonl"), String.join("\n",
        String.format(line, "epoch17", "12345678901234567"),
        String.format(line, "epoch18", "\"-999999999999999999\""),
        String.format(line, "year1", "\"0001-01-01T00:00:00Z\""),
        String.format(line, "julian", "\"1582-10-10T00:00:00Z\""),
        String.format(line, "pre1900", "\"1899-12-31T23:59:59Z\""),
        String.format(line, "far", "\"9999-12-31T00:00:00Z\""),
        String.format(line, "next", "\"2026-11-22T00:00:00Z\""),
        String.format(line, "floor", "\"1900-01-01T00:00:00Z\""),
        String.format(line, "epochOk", "1795305599000"),
        String.format(line, "last", "\"2026-11-21T23:59:59.999Z\"")));
    Dataset<Row> parsed = parse(f, "jsonl");
    Map<String, String> expected = new HashMap<>();
    for (String bad : List.of("epoch17", "epoch18", "year1", "julian", "pre1900", "far",
        "next")) {
      expected.put(bad, "bad_occurred_at");
    }
    for (String ok : List.of("floor", "epochOk", "last")) {
      expected.put(ok, "ok");
    }
    assertEquals(expected, reasons(parsed));
    assertEquals(Timestamp.from(Instant.parse("2026-11-21T23:59:59Z")),
        row(parsed, "epochOk").getAs(OCCURRED_AT));
  }

  @Test
  void nonUtf8BytesAreRejectedAsInvalidEncoding() throws IOException {
    Path f = folder("bytes");
    byte[] good = "{\"event_id\":\"u1\",\"occurred_at\":\"2026-11-20T10:00:00Z\",\"activity_type\":\"x\",\"lead_id\":\"L1\"}\n"
        .getBytes(StandardCharsets.UTF_8);
    byte[] latin1 = "{\"event_id\":\"u2\",\"occurred_at\":\"2026-11-20T10:00:00Z\",\"activity_type\":\"x\",\"lead_id\":\"Jos\u00e9\"}\n"
        .getBytes(StandardCharsets.ISO_8859_1);
    byte[] both = new byte[good.length + latin1.length];
    System.arraycopy(good, 0, both, 0, good.length);
    System.arraycopy(latin1, 0, both, good.length, latin1.length);
    Files.write(f.resolve("b.jsonl"), both);
    Dataset<Row> parsed = parse(f, "jsonl");
    assertEquals(Map.of("u1", "ok", "u2", "invalid_encoding"), reasons(parsed));
  }

  @Test
  void jsonCoercionsAreRejectedOrAcceptedWithAWarning() throws IOException {
    Path f = folder("coercions");
    String time = "\"occurred_at\":\"2026-11-20T10:00:00Z\"";
    Files.writeString(f.resolve("c.jsonl"), String.join("\n",
        "{\"event_id\":[\"x\"]," + time + ",\"activity_type\":\"page_view\",\"lead_id\":\"L1\"}",
        "{\"event_id\":\"n2\"," + time + ",\"activity_type\":{\"a\":1},\"lead_id\":\"L1\"}",
        "{\"event_id\":\"n3\"," + time + ",\"activity_type\":\"page_view\",\"lead_id\":[\"L1\"]}",
        "{\"event_id\":\"n4\"," + time + ",\"activity_type\":\"page_view\",\"lead_id\":123}",
        "{\"event_id\":\"n5\"," + time + ",\"activity_type\":\"page_view\",\"lead_id\":\"123\"}",
        "{\"event_id\":\"n6\"," + time + ",\"activity_type\":\"x\",\"lead_id\":\"L1\",\"properties\":\"not an object\"}",
        "{\"event_id\":\"n7\"," + time + ",\"activity_type\":\"x\",\"lead_id\":\"L1\",\"properties\":[1,2]}",
        "{\"event_id\":\"n8\"," + time + ",\"activity_type\":\"x\",\"lead_id\":\"L1\",\"lead_id\":\"L2\"}",
        "{\"event_id\":\"n9\"," + time + ",\"activity_type\":\"x\",\"lead_id\":\"L1\",\"properties\":{\"lead_id\":[1]}}"));
    Dataset<Row> parsed = parse(f, "jsonl");
    Map<String, String> reasons = reasons(parsed);
    // The repeated-key line has no fields at all: it is keyed by its raw text here.
    String repeated = reasons.keySet().stream().filter(k -> k.startsWith("{")).findFirst()
        .orElseThrow();
    assertEquals(Map.of("[\"x\"]", "nested_value", "n2", "nested_value", "n3", "nested_value",
        "n4", "ok", "n5", "ok", "n6", "ok", "n7", "ok", repeated, "repeated_key", "n9", "ok"),
        reasons);
    Assertions.assertTrue(repeated.contains("\"lead_id\":\"L2\""), repeated);

    Row numeric = row(parsed, "n4");
    assertEquals("123", numeric.getAs(LEAD_ID));
    assertArrayEquals(new Object[] {"numeric_id"}, warnings(numeric));
    assertArrayEquals(new Object[0], warnings(row(parsed, "n5")), "a text id is no warning");
    assertArrayEquals(new Object[0], warnings(row(parsed, "n9")));

    Row notAnObject = row(parsed, "n6");
    assertNull(notAnObject.getAs(PROPERTIES));
    assertEquals("not an object", notAnObject.<scala.collection.Map<String, String>>getAs(EXTRAS)
        .get(PROPERTIES).get(), "the text is kept, not dropped");
    assertArrayEquals(new Object[] {"properties_not_an_object"}, warnings(notAnObject));
    assertEquals("[1,2]", row(parsed, "n7").<scala.collection.Map<String, String>>getAs(EXTRAS)
        .get(PROPERTIES).get());
  }

  @Test
  void csvCellsThatAreJsonArraysAreNestedValues() throws IOException {
    Path f = folder("csvnested");
    Files.writeString(f.resolve("n.csv"), HEADER + "\n"
        + "\"[\"\"x\"\"]\",2026-11-20T10:00:00Z,page_view,L1\n"
        + "[x],2026-11-20T10:00:00Z,page_view,L1\n");
    Dataset<Row> parsed = parse(f, "csv");
    Map<String, String> reasons = new HashMap<>();
    for (Row r : parsed.select(RAW, REASON).collectAsList()) {
      reasons.put(r.getString(0), r.getString(1) == null ? "ok" : r.getString(1));
    }
    assertEquals(Map.of("\"[\"\"x\"\"]\",2026-11-20T10:00:00Z,page_view,L1", "nested_value",
        "[x],2026-11-20T10:00:00Z,page_view,L1", "ok"), reasons);
  }

  private static Object[] warnings(Row r) {
    return r.<String>getList(r.fieldIndex(ActivityParser.WARNINGS)).toArray();
  }
}

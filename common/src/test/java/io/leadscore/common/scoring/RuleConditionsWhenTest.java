package io.leadscore.common.scoring;

import static io.leadscore.common.Schemas.*;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.struct;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.leadscore.common.Schemas;
import io.leadscore.common.config.Model.EngagementRule;
import io.leadscore.common.config.Model.FitRule;
import io.leadscore.common.testing.SparkTestBase;
import java.sql.Date;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.Test;

/**
 * SPEC §8.5: a {@code when} never fails a job. What can only fail on some rows (a regex read
 * from the data, a date the parser refuses) is "no match" for those rows, and the other rows
 * still match.
 */
class RuleConditionsWhenTest extends SparkTestBase {

  private static Row activity(String id, String url, Map<String, String> properties) {
    Timestamp at = Timestamp.valueOf("2026-11-20 10:00:00");
    return RowFactory.create(id, at, Date.valueOf("2026-11-20"), "page_view", "l1", null, null,
        url, null, scala.collection.JavaConverters.mapAsScalaMap(properties).toMap(
            scala.Predef.$conforms()), null, null, null);
  }

  private static EngagementRule rule(String when) {
    return new EngagementRule("r", List.of(), Optional.empty(), Optional.empty(), List.of(),
        Optional.of(when), 1, Optional.empty(), 30, true, Optional.empty(), "test");
  }

  /** The event ids the rule matches, in one partition so rows run in the order given. */
  private List<String> matching(String when, List<Row> rows) {
    Dataset<Row> frame = RuleConditions.withComparisonForms(
        session().createDataFrame(rows, Schemas.ACTIVITIES).coalesce(1));
    List<String> ids = new ArrayList<>();
    for (Row r : frame.where(RuleConditions.engagement(rule(when))).select(EVENT_ID)
        .collectAsList()) {
      ids.add(r.getString(0));
    }
    return ids;
  }

  @Test
  void aWhenThatFailsOnARowIsNoMatchForThatRowAndTheJobGoesOn() {
    // A bad pattern between good ones, twice in a row: Spark remembers the last pattern it
    // tried, so the second bad row must not reuse the good pattern before it.
    List<Row> rows = List.of(
        activity("e1", "/pricing", Map.of("re", "pric")),
        activity("e2", "/pricing", Map.of("re", "[unclosed")),
        activity("e3", "/pricing", Map.of("re", "[unclosed")),
        activity("e4", "/pricing", Map.of("re", "ing$")),
        activity("e5", "/pricing", Map.of()));
    assertEquals(List.of("e1", "e4"), matching("url rlike properties['re']", rows));
  }

  @Test
  void aDateThePatternParserRefusesIsNoMatch() {
    // With spark.sql.legacy.timeParserPolicy=EXCEPTION (the default), '2026-1-5' throws
    // SparkUpgradeException in the executor instead of returning null.
    List<Row> rows = List.of(
        activity("e1", "/", Map.of("d", "2026-01-05")),
        activity("e2", "/", Map.of("d", "2026-1-5")),
        activity("e3", "/", Map.of("d", "soon")),
        activity("e4", "/", Map.of("d", "2026-02-01")));
    assertEquals(List.of("e1", "e4"),
        matching("to_date(properties['d'], 'yyyy-MM-dd') >= date'2026-01-01'", rows));
  }

  @Test
  void aFitWhenThatFailsOnARowIsNoMatch() {
    Dataset<Row> leads = session().createDataFrame(List.of(
        RowFactory.create("l1", "(?i)vp"), RowFactory.create("l2", "(vp"),
        RowFactory.create("l3", "(vp")), new org.apache.spark.sql.types.StructType()
            .add("lead_id", "string").add("pattern", "string")).coalesce(1)
        .select(struct(col("lead_id"), col("pattern").as("job_title"),
            col("pattern").as("title_pattern")).as("lead"));
    FitRule rule = new FitRule("f", Optional.empty(), Optional.empty(), List.of(),
        Optional.of("'VP Sales' rlike lead.title_pattern"), 1, "test");
    List<String> ids = new ArrayList<>();
    for (Row r : leads.where(RuleConditions.fit(rule, null)).select("lead.lead_id")
        .collectAsList()) {
      ids.add(r.getString(0));
    }
    assertEquals(List.of("l1"), ids);
  }
}

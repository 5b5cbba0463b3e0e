package io.leadscore.common.scoring;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.leadscore.common.config.Model.Lifecycle;
import io.leadscore.common.testing.SparkTestBase;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** Stage transitions of SPEC §4 and §8.12 (mql at A/B and >= 40, recycled below 15). */
class StagesTest extends SparkTestBase {

  @Test
  void transitions() {
    Lifecycle lifecycle = new Lifecycle(Set.of("A", "B"), 40, 15);
    // crm stage, previous stage, grade, engagement -> expected stage
    Object[][] cases = {
        {"lead", null, "A", 40.0, "mql"},              // first run, qualifies at the threshold
        {"lead", null, "A", 39.99, "nurture"},         // first run, just below
        {"lead", null, "C", 90.0, "nurture"},          // grade not in mql.grades
        {"lead", "mql", "A", 20.0, "mql"},             // between the thresholds: stays mql
        {"lead", "mql", "C", 15.0, "mql"},             // grade fell, engagement still >= 15
        {"lead", "mql", "A", 14.99, "recycled"},       // below recycle-below
        {"lead", "recycled", "A", 30.0, "recycled"},   // recycled until it qualifies again
        {"lead", "recycled", "B", 41.0, "mql"},        // qualifies again
        {"lead", "nurture", "A", 20.0, "nurture"},
        {"sql", "mql", "A", 90.0, "sql"},              // a CRM stage always wins
        {"disqualified", null, "A", 90.0, "disqualified"},
        {"lead", "opportunity", "A", 30.0, "nurture"}, // CRM fell back to lead: as if nurture
        {null, "customer", "A", 45.0, "mql"},
    };
    List<Row> rows = new ArrayList<>();
    for (Object[] c : cases) {
      rows.add(RowFactory.create(c));
    }
    StructType schema = new StructType()
        .add("crm", DataTypes.StringType).add("previous", DataTypes.StringType)
        .add("grade", DataTypes.StringType).add("engagement", DataTypes.DoubleType)
        .add("expected", DataTypes.StringType);
    List<Row> result = session().createDataFrame(rows, schema)
        .withColumn("stage", Stages.stage(lifecycle, col("crm"), col("previous"), col("grade"),
            col("engagement")))
        .collectAsList();
    for (Row r : result) {
      assertEquals(r.<String>getAs("expected"), r.<String>getAs("stage"), r.toString());
    }
    assertEquals(cases.length, result.size());
  }
}

package io.leadscore.common.scoring;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.round;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.leadscore.common.testing.SparkTestBase;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/**
 * The per-subject engagement rounds c as Spark's {@code round} does (half up, on the
 * double's shortest decimal form), so a carried sum and one computed in a single pass keep
 * rounding alike: checked against Spark itself on values at and around the boundaries.
 */
class EngagementRoundingTest extends SparkTestBase {
  private static final double[] VALUES = {0.125, -0.125, 0.375, 2.675, 1.005, 0.0049999999,
      0.005, -0.005, 1.0000000005, 0.1 + 0.2, 1e-10, -0.0, 123456.785, Double.NaN,
      Double.POSITIVE_INFINITY, 3 * 0.5 * 0.25};

  @Test
  void roundsAsSparkDoes() {
    List<Row> rows = new ArrayList<>();
    for (double v : VALUES) {
      rows.add(RowFactory.create(v));
    }
    List<Row> spark = session().createDataFrame(rows, new StructType().add("v",
        DataTypes.DoubleType)).select(round(col("v"), 2), round(col("v"), 9)).collectAsList();
    for (int i = 0; i < VALUES.length; i++) {
      assertEquals(spark.get(i).getDouble(0), Engagement.roundHalfUp(VALUES[i], 2),
          "round(" + VALUES[i] + ", 2)");
      assertEquals(spark.get(i).getDouble(1), Engagement.roundHalfUp(VALUES[i], 9),
          "round(" + VALUES[i] + ", 9)");
    }
  }
}

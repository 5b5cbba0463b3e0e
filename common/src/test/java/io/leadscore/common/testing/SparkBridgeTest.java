package io.leadscore.common.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** Proves the JUnit 5 bridge: the session exists, has Delta, and the DataFrame asserts run. */
class SparkBridgeTest extends SparkTestBase {

  @Test
  void sessionIsSharedAndConfiguredForTheContract() {
    assertEquals("UTC", session().conf().get("spark.sql.session.timeZone"));
    assertEquals("io.delta.sql.DeltaSparkSessionExtension",
        session().conf().get("spark.sql.extensions"));
    StructType schema = new StructType().add("x", DataTypes.IntegerType);
    Dataset<Row> a = session().createDataFrame(List.of(RowFactory.create(1),
        RowFactory.create(2)), schema);
    Dataset<Row> b = session().createDataFrame(List.of(RowFactory.create(2),
        RowFactory.create(1)), schema);
    assertDataFrameNoOrderEquals(a, b);
  }
}

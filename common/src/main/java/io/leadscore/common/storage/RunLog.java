package io.leadscore.common.storage;

import static org.apache.spark.sql.types.DataTypes.*;

import io.leadscore.common.Schemas;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import scala.collection.JavaConverters;

/**
 * The audit trail of job runs: one row per run (succeeded or failed) with its counts and
 * stage timings. It is the one table that grows on a rerun, by design: it records runs.
 */
public final class RunLog {
  private RunLog() {}

  public static final StructType SCHEMA = new StructType()
      .add("run_id", StringType, false)
      .add("job", StringType, false)
      .add("run_date", DateType, true)
      .add("status", StringType, false)
      .add("started_at", TimestampType, false)
      .add("finished_at", TimestampType, false)
      .add("model_version", StringType, true)
      .add("counts", createMapType(StringType, LongType), true)
      .add("timings_seconds", createMapType(StringType, DoubleType), true)
      .add("outputs", createArrayType(StringType), true)
      .add("message", StringType, true);

  public record Entry(String runId, String job, LocalDate runDate, String status,
      Instant startedAt, Instant finishedAt, String modelVersion, Map<String, Long> counts,
      Map<String, Double> timingsSeconds, List<String> outputs, String message) {}

  public static void append(SparkSession spark, DeltaStore store, Entry e) {
    Row row = RowFactory.create(e.runId(), e.job(),
        e.runDate() == null ? null : Date.valueOf(e.runDate()), e.status(),
        Timestamp.from(e.startedAt()), Timestamp.from(e.finishedAt()), e.modelVersion(),
        JavaConverters.mapAsScalaMap(e.counts()),
        JavaConverters.mapAsScalaMap(e.timingsSeconds()),
        JavaConverters.asScalaBuffer(e.outputs()).toList(), e.message());
    store.append(Schemas.T_RUN_LOG, spark.createDataFrame(List.of(row), SCHEMA));
  }
}

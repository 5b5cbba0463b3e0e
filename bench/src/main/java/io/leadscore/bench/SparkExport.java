package io.leadscore.bench;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import io.leadscore.common.Schemas;
import io.leadscore.common.config.AppSettings;
import io.leadscore.common.spark.Sessions;
import io.leadscore.common.storage.DeltaStore;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

/**
 * Plain Parquet copies of a warehouse's Delta tables for DuckDB, written by Spark outside
 * any timing. A Delta folder also holds files its log has removed, so DuckDB must never read
 * one directly: it gets what Delta says the table holds.
 */
final class SparkExport implements AutoCloseable {
  private final SparkSession spark;
  private final DeltaStore store;

  SparkExport(Path conf, Path warehouse) {
    AppSettings settings = AppSettings.load(Optional.of(conf.toFile()),
        Map.of("leadscore.warehouse", warehouse.toString()));
    spark = Sessions.create(settings, null);
    // Self-describing UTC instants; Spark's default INT96 is a legacy encoding.
    spark.conf().set("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS");
    store = new DeltaStore(spark, settings.warehouse());
  }

  String sparkVersion() {
    return spark.version();
  }

  /** Activities with event_date on or before {@code date}: what a score of that date sees. */
  void activities(LocalDate date, Path out) {
    store.read(Schemas.T_ACTIVITIES)
        .where(col(Schemas.EVENT_DATE).leq(lit(date.toString()).cast("date")))
        .write().mode(SaveMode.Overwrite).parquet(out.toString());
  }

  void leads(Path out) {
    store.read(Schemas.T_LEADS).write().mode(SaveMode.Overwrite).parquet(out.toString());
  }

  /** The engagement scores leadscore wrote for {@code date} (lead_score_history). */
  void scores(LocalDate date, Path out) {
    store.read(Schemas.T_LEAD_SCORE_HISTORY)
        .where(col(Schemas.SCORE_DATE).equalTo(lit(date.toString()).cast("date")))
        .select(col(Schemas.LEAD_ID), col(Schemas.ENGAGEMENT_SCORE))
        .write().mode(SaveMode.Overwrite).parquet(out.toString());
  }

  @Override
  public void close() {
    spark.stop();
  }
}

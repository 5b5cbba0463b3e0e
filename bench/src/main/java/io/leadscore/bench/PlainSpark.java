package io.leadscore.bench;

import io.leadscore.common.Schemas;
import io.leadscore.common.config.AppSettings;
import io.leadscore.common.config.Model;
import io.leadscore.common.spark.Sessions;
import io.leadscore.common.storage.DeltaStore;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

/**
 * The Spark limit on this machine: every lead's engagement as one Spark SQL query over the
 * warehouse's Delta {@code activities} and {@code leads}, with no aggregates table, no state
 * and no history, written as Parquet. Like a leadscore job it starts and stops its own
 * SparkSession with the bench's settings, so its time is comparable to a full rescore's.
 */
final class PlainSpark {
  private PlainSpark() {}

  static final String ACTIVITIES_VIEW = "bench_activities";
  static final String LEADS_VIEW = "bench_leads";

  /** Runs the query; returns 0 like a job, so {@link Measurement#of} can time it. */
  static int engagement(Path conf, Path warehouse, Model model, LocalDate date, Path out) {
    AppSettings settings = AppSettings.load(Optional.of(conf.toFile()),
        Map.of("leadscore.warehouse", warehouse.toString()));
    SparkSession spark = Sessions.create(settings, null);
    try {
      DeltaStore store = new DeltaStore(spark, settings.warehouse());
      store.read(Schemas.T_ACTIVITIES).createOrReplaceTempView(ACTIVITIES_VIEW);
      store.read(Schemas.T_LEADS).createOrReplaceTempView(LEADS_VIEW);
      spark.sql(EngagementSql.sparkLeadEngagement(model, date, ACTIVITIES_VIEW, LEADS_VIEW))
          .write().mode(SaveMode.Overwrite).parquet(out.toString());
      return 0;
    } finally {
      spark.stop();
    }
  }
}

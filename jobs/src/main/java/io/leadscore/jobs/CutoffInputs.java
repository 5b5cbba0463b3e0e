package io.leadscore.jobs;

import static io.leadscore.common.Schemas.*;
import static org.apache.spark.sql.functions.*;

import io.leadscore.common.backtest.AsOfScores;
import io.leadscore.common.backtest.Population;
import io.leadscore.common.config.Model;
import io.leadscore.common.storage.DeltaStore;
import io.leadscore.common.storage.SnapshotAsOf;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What backtest and calibrate read for a cutoff, using only what was known then: the leads
 * and accounts snapshots as of the cutoff ({@link SnapshotAsOf}), the labelled population
 * ({@link Population}) and each model's daily rule counts of the activities up to the last
 * cutoff (computed once per model, shared by every cutoff). Nothing is written.
 */
final class CutoffInputs implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CutoffInputs.class);

  private final DeltaStore store;
  private final LocalDate lastCutoff;
  private final int horizonDays;
  private final List<String> conversionOutcomes;
  private final Dataset<Row> outcomes;
  private final LocalDate lastOutcome;
  private final Map<Model, Dataset<Row>> daily = new IdentityHashMap<>();
  private final List<Dataset<Row>> cached = new ArrayList<>();

  /** One cutoff's snapshots and judged population. */
  record Cutoff(LocalDate date, SnapshotAsOf.Snapshot leads, SnapshotAsOf.Snapshot accounts,
      Dataset<Row> judged, long createdAfter, long convertedBefore) {}

  CutoffInputs(DeltaStore store, LocalDate lastCutoff, int horizonDays,
      List<String> conversionOutcomes) {
    this.store = store;
    this.lastCutoff = lastCutoff;
    this.horizonDays = horizonDays;
    this.conversionOutcomes = conversionOutcomes;
    if (!store.exists(T_OUTCOMES)) {
      throw new IllegalStateException("table " + store.path(T_OUTCOMES) + " does not exist:"
          + " a backtest needs outcomes (configure leadscore.inputs.outcomes and run ingest)");
    }
    this.outcomes = store.read(T_OUTCOMES);
    Row last = outcomes.agg(max(to_date(col(OCCURRED_AT)))).first();
    this.lastOutcome = last.isNullAt(0) ? null : last.getDate(0).toLocalDate();
  }

  /**
   * The daily rule counts of a model's rules over the activities on or before the last
   * cutoff, computed on first use and kept (memory, then disk) for the other cutoffs.
   */
  Dataset<Row> daily(Model model) {
    return daily.computeIfAbsent(model, m -> AsOfScores.dailyCounts(m, lastCutoff,
        store.read(T_ACTIVITIES)).persist(StorageLevel.MEMORY_AND_DISK()));
  }

  Cutoff cutoff(LocalDate date) {
    LocalDate end = date.plusDays(horizonDays);
    if (lastOutcome == null || end.isAfter(lastOutcome)) {
      LOG.warn("cutoff {}: the horizon ends {}, after the latest outcome ({}): conversions"
          + " not yet recorded count as none, so rates are understated", date, end,
          lastOutcome == null ? "none" : lastOutcome);
    }
    SnapshotAsOf.Snapshot leads = SnapshotAsOf.find(store, T_LEADS, date);
    SnapshotAsOf.Snapshot accounts = SnapshotAsOf.find(store, T_ACCOUNTS, date);
    LOG.info("cutoff {}: leads {}; accounts {}", date, leads.how(), accounts.how());
    Dataset<Row> labelled = Population.labelled(date, horizonDays, conversionOutcomes,
        leads.rows(), outcomes).persist(StorageLevel.MEMORY_AND_DISK());
    cached.add(labelled);
    Map<String, Long> excluded = new HashMap<>();
    for (Row r : labelled.where(col(Population.EXCLUSION).isNotNull())
        .groupBy(Population.EXCLUSION).count().collectAsList()) {
      excluded.put(r.getString(0), r.getLong(1));
    }
    return new Cutoff(date, leads, accounts,
        labelled.where(col(Population.EXCLUSION).isNull())
            .select(LEAD_ID, Population.CONVERTED),
        excluded.getOrDefault(Population.CREATED_AFTER, 0L),
        excluded.getOrDefault(Population.CONVERTED_BEFORE, 0L));
  }

  /** The model's backtest scores of the cutoff's judged leads, with {@code converted}. */
  Dataset<Row> judgedScores(Model model, Cutoff cutoff) {
    return AsOfScores.forBacktest(model, cutoff.date(), cutoff.leads().rows(),
        cutoff.accounts().rows(), daily(model))
        .join(cutoff.judged(), LEAD_ID);
  }

  @Override
  public void close() {
    daily.values().forEach(Dataset::unpersist);
    cached.forEach(Dataset::unpersist);
  }
}

package io.leadscore.jobs;

import io.leadscore.common.scoring.ScoreChanges;
import io.leadscore.common.storage.DeltaStore;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.slf4j.Logger;

/**
 * The per-date chain of a scoring job whose dates build on the date before (score: stages
 * and changes; accounts: changes). Scores a date, writes its history and changes partitions,
 * then re-scores the later dates already scored, in order, for as long as a date's chained
 * columns came out different ({@link ScoreHistory#scoreChain}). Each job says only how to
 * score one date.
 */
final class DateChain {
  /**
   * What a chain writes.
   *
   * @param history the history table, partitioned by score_date
   * @param changes the change log table, partitioned by score_date
   * @param key the subject's key column
   * @param compared the columns whose changes are logged
   * @param chained the columns a later date builds on
   * @param changesCount the summary count of the date's change rows
   */
  record Tables(String history, String changes, String key, List<String> compared,
      String[] chained, String changesCount) {}

  /** One date's scores, lazily, and what to free once they are written. */
  record Scored(Dataset<Row> rows, Runnable release) {
    static Scored of(Dataset<Row> rows) {
      return new Scored(rows, () -> { });
    }
  }

  /** Scores one date. */
  interface Scorer {
    /**
     * @param previous the latest scored date before this one and its rows, if any
     * @param counts the summary counts of this date (the job's own for the date asked for)
     */
    Scored score(LocalDate date, Optional<ScoreChanges.Previous> previous,
        Map<String, Long> counts);
  }

  private final DeltaStore store;
  private final Tables tables;
  private final ScoreHistory history;
  private final StageTimer timer;
  private final Logger log;

  DateChain(DeltaStore store, Tables tables, StageTimer timer, Logger log) {
    this.store = store;
    this.tables = tables;
    this.history = new ScoreHistory(store, tables.history());
    this.timer = timer;
    this.log = log;
  }

  ScoreHistory history() {
    return history;
  }

  /**
   * Scores {@code date} and the later dates the change reaches.
   *
   * @param counts the summary counts of {@code date}; the later dates' are not reported
   * @return the dates written, {@code date} first
   */
  List<LocalDate> run(LocalDate date, Scorer scorer, Map<String, Long> counts) {
    return history.scoreChain(date, d -> scoreDate(d, scorer,
        d.equals(date) ? counts : new LinkedHashMap<>()), log);
  }

  /** @return whether the columns later dates build on came out different from what was stored */
  private boolean scoreDate(LocalDate date, Scorer scorer, Map<String, Long> counts) {
    // Only a date with later dates after it has a chain to keep; the daily run has none.
    boolean chained = !history.after(date).isEmpty();
    String before = chained ? history.fingerprint(date, tables.chained()) : "";
    Optional<ScoreChanges.Previous> previous = history.latestBefore(date)
        .map(p -> new ScoreChanges.Previous(p, history.on(p)));
    Scored scored = scorer.score(date, previous, counts);
    try {
      timer.time("write " + tables.history() + " " + date,
          () -> history.write(date, scored.rows()));
    } finally {
      scored.release().run();
    }
    Dataset<Row> changes = ScoreChanges.between(tables.key(), tables.compared(), date,
        history.on(date), previous);
    ScoreHistory changeLog = new ScoreHistory(store, tables.changes());
    timer.time("write " + tables.changes() + " " + date, () -> changeLog.write(date, changes));
    counts.put(tables.changesCount(), changeLog.lastWriteRows());
    return chained && !before.equals(history.fingerprint(date, tables.chained()));
  }

  /** Overwrites the current table with the latest date's rows when that date was written. */
  Optional<LocalDate> publishLatest(String currentTable, List<LocalDate> written) {
    return timer.time("write " + currentTable,
        () -> history.publishLatest(currentTable, written, log));
  }
}

package io.leadscore.common.state;

import static io.leadscore.common.Schemas.*;

import io.leadscore.common.Errors;
import io.leadscore.common.StageClock;
import io.leadscore.common.config.Model;
import io.leadscore.common.scoring.CarryPlan;
import io.leadscore.common.scoring.DailyCounts;
import io.leadscore.common.scoring.EngagementCarry;
import io.leadscore.common.scoring.Fingerprints;
import io.leadscore.common.scoring.LeadScoring;
import io.leadscore.common.state.CommitMetadata.TableVersion;
import io.leadscore.common.storage.DeltaChanges;
import io.leadscore.common.storage.DeltaStore;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The table {@code engagement_state}: each lead's {@link EngagementCarry} row as of the
 * latest scored date, so the daily score does not re-read the whole lookback window of
 * activity_daily. This class decides whether the stored state can be carried, reads what the
 * carry needs and writes the result; the math is {@link EngagementCarry}'s.
 *
 * <p>Old terms are read from activity_daily at the version the state reflects (Delta time
 * travel) and new ones from the current version; "rewritten" days are the event dates
 * activity_daily rewrote since that version (late events).
 *
 * <p>What an update cannot express is rebuilt from the window: for everybody when there is no
 * usable state (none, a model whose {@link Fingerprints#decayedSums} differs, a date at or
 * past the lookback since the state, activity_daily or leads recreated, history gone, {@code
 * --full}); for the leads concerned when an email now resolves to another lead (the leads
 * snapshot changed) or activity was removed (the latest activity cannot be un-maxed). A date
 * before the state's is scored from the window and leaves the state alone.
 *
 * <p>The state is replaced in one commit whose {@link CommitMetadata} records what it
 * reflects: the date, the model's fingerprint, and the versions of activity_daily and leads.
 */
public final class EngagementStateStore {
  private static final Logger LOG = LoggerFactory.getLogger(EngagementStateStore.class);

  public static final String TABLE = T_ENGAGEMENT_STATE;
  private static final List<String> KEYS = List.of("as-of", "model", "daily", "leads");

  private EngagementStateStore() {}

  /** What a stored state reflects. */
  record Version(LocalDate asOf, String model, String dailyId, long dailyVersion,
      String leadsId, long leadsVersion) {
    String text() {
      return CommitMetadata.text(TABLE, List.of(Map.entry("as-of", asOf.toString()),
          Map.entry("model", model),
          Map.entry("daily", new TableVersion(dailyId, dailyVersion).text()),
          Map.entry("leads", new TableVersion(leadsId, leadsVersion).text())));
    }

    static Optional<Version> parse(String text) {
      return CommitMetadata.parse(TABLE, KEYS, text).flatMap(m -> {
        Optional<TableVersion> daily = TableVersion.parse(m.get("daily"));
        Optional<TableVersion> leads = TableVersion.parse(m.get("leads"));
        try {
          return daily.isEmpty() || leads.isEmpty() ? Optional.empty()
              : Optional.of(new Version(LocalDate.parse(m.get("as-of")), m.get("model"),
                  daily.get().id(), daily.get().version(), leads.get().id(),
                  leads.get().version()));
        } catch (java.time.DateTimeException e) {
          return Optional.empty();
        }
      });
    }
  }

  /**
   * What building the state did, for the job's summary.
   *
   * @param mode {@code full} or {@code incremental} when the state was written, {@code current}
   *     when it was already as of the date, {@code window} for a backfill's rows not stored
   */
  public record Stats(String mode, Optional<Long> dailyRuleCounts,
      Optional<Long> leadsRecomputed, Optional<Long> rows, Optional<Integer> datesEntering,
      Optional<Integer> datesLeaving) {

    /** The summary counts, named as the score job has always reported them. */
    public Map<String, Long> counts() {
      Map<String, Long> out = new LinkedHashMap<>();
      dailyRuleCounts.ifPresent(n -> out.put("daily_rule_counts", n));
      leadsRecomputed.ifPresent(n -> out.put("engagement_state_leads_recomputed", n));
      if (!mode.equals("window")) {
        out.put("engagement_state_mode_" + mode, 1L);
      }
      rows.ifPresent(n -> out.put("engagement_state_rows", n));
      datesEntering.ifPresent(n -> out.put("engagement_state_dates_entering", (long) n));
      datesLeaving.ifPresent(n -> out.put("engagement_state_dates_leaving", (long) n));
      return out;
    }
  }

  /**
   * The state as of a date, for scoring it. {@link #release} frees what was cached to build
   * it; call it once the date's scores are written.
   */
  public record AsOf(Dataset<Row> rows, Stats stats, Runnable release) {
    /** Whether these rows are the stored state (else a backfill's, computed and dropped). */
    public boolean stored() {
      return !stats.mode().equals("window");
    }

    /** {@link LeadScoring.Inputs#activity}: one pass over the rows. */
    public Dataset<Row> activity(Model model) {
      return EngagementCarry.perLead(model, rows);
    }
  }

  /**
   * The lead state as of {@code date}: carried from the stored state when it can be, else
   * computed from activity_daily's window; stored unless {@code date} is before the stored
   * state's date.
   *
   * @param rebuild compute from the window whatever is stored (--full, activity_daily rebuilt)
   * @param clock times the expensive stages in the caller's progress log
   */
  public static AsOf asOf(DeltaStore store, Model model, LocalDate date, boolean rebuild,
      StageClock clock) {
    Version now = new Version(date, Fingerprints.decayedSums(model),
        store.tableId(T_ACTIVITY_DAILY), store.version(T_ACTIVITY_DAILY),
        store.tableId(T_LEADS), store.version(T_LEADS));
    Optional<Version> stored = store.exists(TABLE)
        ? store.latestCommitWithMetadata(TABLE, CommitMetadata.prefix(TABLE))
            .flatMap(c -> Version.parse(c.userMetadata()))
        : Optional.empty();
    if (stored.isPresent() && date.isBefore(stored.get().asOf())) {
      LOG.info("{} is before the {} of {}: scoring it from the window, the state stays", date,
          stored.get().asOf(), TABLE);
      return fromWindow(store, model, date, Optional.empty(), clock);
    }
    String why = rebuild ? "activity_daily was rebuilt or --full was given"
        : stored.isEmpty() ? TABLE + " does not exist yet or has no state"
        : whyNotCarried(stored.get(), now, model);
    if (why == null) {
      DeltaChanges.Touched touched = DeltaChanges.partitionsTouched(store.spark(),
          store.path(T_ACTIVITY_DAILY), EVENT_DATE, stored.get().dailyVersion(),
          now.dailyVersion());
      if (touched.available()) {
        try {
          return carry(store, model, stored.get(), now, touched.values(), clock);
        } catch (Exception e) {
          // Typically old files of activity_daily or leads removed by VACUUM, so the versions
          // the state reflects cannot be read. The state is replaced atomically or not at
          // all, so computing it afresh is safe.
          LOG.warn("{} could not be carried from {}: {}", TABLE, stored.get().asOf(),
              Errors.oneLine(e));
          LOG.debug("carrying {} failed", TABLE, e);
          why = "carrying it failed";
        }
      } else {
        why = touched.unavailable();
      }
    }
    LOG.info("computing {} from the window of {}: {}", TABLE, T_ACTIVITY_DAILY, why);
    return fromWindow(store, model, date, Optional.of(now), clock);
  }

  private static String whyNotCarried(Version stored, Version now, Model model) {
    long days = ChronoUnit.DAYS.between(stored.asOf(), now.asOf());
    return !stored.model().equals(now.model())
        ? "rule conditions, limits, half-lives or the lookback changed"
        : !stored.dailyId().equals(now.dailyId()) ? T_ACTIVITY_DAILY + " was recreated"
        : !stored.leadsId().equals(now.leadsId()) ? T_LEADS + " was recreated"
        : stored.dailyVersion() > now.dailyVersion() || stored.leadsVersion() > now.leadsVersion()
            ? "a table is at a version before the one recorded"
        : days >= model.engagement().lookbackDays()
            ? days + " days since the state's " + stored.asOf() + ", the whole lookback"
        : null;
  }

  /** The state computed in one pass over the window; written when {@code write} is given. */
  private static AsOf fromWindow(DeltaStore store, Model model, LocalDate date,
      Optional<Version> write, StageClock clock) {
    Dataset<Row> resolved = DailyCounts.resolve(store.read(T_LEADS),
        store.read(T_ACTIVITY_DAILY).where(DailyCounts.neededAsOf(model, date)));
    // The per-lead counts feed both the sums and the latest activity: aggregated once. The
    // opt-outs read only their own rows (sorted first in each date's file) of the window.
    Dataset<Row> daily = DailyCounts.perSubject(resolved)
        .persist(StorageLevel.MEMORY_AND_DISK());
    long dailyRows = clock.time("resolve activity_daily per lead, rule and day",
        daily::count);
    Dataset<Row> rows = EngagementCarry.computed(model, date, resolved, daily);
    if (write.isEmpty()) {
      return new AsOf(rows, new Stats("window", Optional.of(dailyRows), Optional.empty(),
          Optional.empty(), Optional.empty(), Optional.empty()), daily::unpersist);
    }
    long written;
    try {
      written = store(store, rows, write.get(), clock, "full");
    } finally {
      daily.unpersist();
    }
    return new AsOf(store.read(TABLE), new Stats("full", Optional.of(dailyRows),
        Optional.empty(), Optional.of(written), Optional.empty(), Optional.empty()), () -> { });
  }

  /**
   * Carries the stored state to {@code now.asOf()} ({@link EngagementCarry}).
   *
   * @param touchedDates the event dates activity_daily rewrote since the stored version
   */
  private static AsOf carry(DeltaStore store, Model model, Version stored, Version now,
      List<String> touchedDates, StageClock clock) {
    TreeSet<LocalDate> touched = new TreeSet<>();
    touchedDates.forEach(t -> touched.add(LocalDate.parse(t)));
    CarryPlan plan = CarryPlan.of(stored.asOf(), now.asOf(),
        model.engagement().lookbackDays(), touched);
    boolean leadsChanged = stored.leadsVersion() != now.leadsVersion();
    if (plan.isEmpty() && !leadsChanged) {
      LOG.info("{} as of {} is current: nothing changed since", TABLE, plan.from());
      return new AsOf(store.read(TABLE), new Stats("current", Optional.empty(),
          Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty()), () -> { });
    }
    LOG.info("carrying {} from {} to {}: {} event dates leave or change, {} enter or change{}",
        TABLE, plan.from(), plan.to(), plan.leaving().size(), plan.entering().size(),
        leadsChanged ? ", " + T_LEADS + " changed" : "");
    Dataset<Row> leads = store.read(T_LEADS);
    // A few dates' rows, each read twice (sums, and leads to recompute): cached.
    Dataset<Row> before = EngagementCarry.leadRows(leads,
        store.readAt(T_ACTIVITY_DAILY, stored.dailyVersion()), plan.readBefore())
        .persist(StorageLevel.MEMORY_AND_DISK());
    Dataset<Row> after = EngagementCarry.leadRows(leads, store.read(T_ACTIVITY_DAILY),
        plan.readNow()).persist(StorageLevel.MEMORY_AND_DISK());
    Dataset<Row> carried = EngagementCarry.carried(model, plan, store.read(TABLE), before,
        after);

    Dataset<Row> redo = EngagementCarry.activityRemoved(plan, before, after);
    if (leadsChanged) {
      redo = redo.unionByName(EngagementCarry.resolvedElsewhere(
          store.readAt(T_LEADS, stored.leadsVersion()), leads));
    }
    redo = redo.distinct().persist(StorageLevel.MEMORY_AND_DISK());
    long redone;
    long written;
    try {
      redone = clock.time("find leads to recompute", redo::count);
      Dataset<Row> rows = carried;
      if (redone > 0) {
        LOG.info("{} leads whose email resolution changed or whose activity was removed:"
            + " recomputing them from the window", redone);
        rows = carried.join(redo, DailyCounts.SUBJECT_ID, "left_anti")
            .unionByName(EngagementCarry.recomputed(model, now.asOf(), leads,
                store.read(T_ACTIVITY_DAILY).where(DailyCounts.neededAsOf(model, now.asOf())),
                redo));
      }
      written = store(store, rows, now, clock, "incremental");
    } finally {
      redo.unpersist();
      before.unpersist();
      after.unpersist();
    }
    return new AsOf(store.read(TABLE), new Stats("incremental", Optional.empty(),
        Optional.of(redone), Optional.of(written), Optional.of(plan.entering().size()),
        Optional.of(plan.leaving().size())), () -> { });
  }

  /** Replaces the state; returns the rows written. */
  private static long store(DeltaStore store, Dataset<Row> rows, Version version,
      StageClock clock, String mode) {
    clock.time("write " + TABLE + " (" + mode + ")",
        () -> store.overwrite(TABLE, rows.select(EngagementCarry.columns()), version.text()));
    return Long.parseLong(store.lastCommitMetrics(TABLE).getOrDefault("numOutputRows", "0"));
  }
}

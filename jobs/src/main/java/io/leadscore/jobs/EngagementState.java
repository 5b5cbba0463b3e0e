package io.leadscore.jobs;

import static io.leadscore.common.Schemas.*;
import static org.apache.spark.sql.functions.*;

import io.leadscore.common.config.Model;
import io.leadscore.common.config.Model.EngagementRule;
import io.leadscore.common.scoring.DailyCounts;
import io.leadscore.common.scoring.Engagement;
import io.leadscore.common.scoring.Identity;
import io.leadscore.common.scoring.LeadScoring;
import io.leadscore.common.storage.DeltaChanges;
import io.leadscore.common.storage.DeltaStore;
import java.sql.Date;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Each lead's engagement inputs as of the latest scored date, carried from one day to the
 * next so the daily score does not re-read the whole lookback window of activity_daily: per
 * lead and rule the decayed count {@code s = sum of n' * decay(D - d)} over the window (the
 * part of SPEC §4's {@code c(l, r)} before points and cap) and the number of days in it; per
 * lead the latest activity date and the latest opt-out (rule {@link DailyCounts#ANY}, {@link
 * DailyCounts#OPT_OUT}).
 *
 * <p>Going from the state's date S to D:
 *
 * <pre>
 *   s(D) = s(S) * decay(D - S)
 *          - old terms n'_old(d) * decay(D - d) for days d that left the window or changed
 *          + new terms n'_new(d) * decay(D - d) for days d that entered the window or changed
 * </pre>
 *
 * where "changed" are the event dates activity_daily rewrote since the state's version (late
 * events), old terms are read from activity_daily at that version (Delta time travel) and new
 * ones from the current version. The day count tells when a rule has no day left, so such a
 * sum becomes exactly 0 and the row goes. The result differs from a single pass only in the
 * last bits, which {@link Engagement#fromDecayedCounts} rounds away.
 *
 * <p>What an update cannot express is rebuilt from the window: for everybody when there is no
 * usable state (none, a model whose conditions, limits, half-lives or lookback differ, a date
 * at or past the lookback since the state, activity_daily or leads recreated, history gone,
 * {@code --full}); for the leads concerned when an email now resolves to another lead (the
 * leads snapshot changed) or activity was removed (the latest activity cannot be un-maxed).
 * A date before the state's is scored from the window and leaves the state alone.
 *
 * <p>The state is the table {@code engagement_state}, replaced in one commit whose {@code
 * userMetadata} records what it reflects, as {@link ActivityDailyRefresh} does: the date, the
 * model's fingerprint, and the versions of activity_daily and leads.
 */
public final class EngagementState {
  private static final Logger LOG = LoggerFactory.getLogger(EngagementState.class);

  public static final String TABLE = "engagement_state";
  static final String LAST_EVENT_DATE = "last_event_date";
  private static final String STATE_PREFIX = "leadscore.engagement_state ";
  private static final Pattern STATE = Pattern.compile("leadscore\\.engagement_state"
      + " as-of=(\\S+) model=([0-9a-f]+) daily=(\\S+)@(\\d+) leads=(\\S+)@(\\d+)");
  /** Bump when what the state holds changes, so stored states are rebuilt. */
  private static final int FORMAT = 1;
  private static final List<String> COLUMNS = List.of(DailyCounts.SUBJECT_ID,
      DailyCounts.RULE, Engagement.DECAYED_COUNT, Engagement.DAYS, LAST_EVENT_DATE,
      LAST_OCCURRED_AT);

  private EngagementState() {}

  /** What a stored state reflects. */
  record Version(LocalDate asOf, String model, String dailyId, long dailyVersion,
      String leadsId, long leadsVersion) {
    String text() {
      return STATE_PREFIX + "as-of=" + asOf + " model=" + model + " daily=" + dailyId + "@"
          + dailyVersion + " leads=" + leadsId + "@" + leadsVersion;
    }

    static Optional<Version> parse(String text) {
      Matcher m = STATE.matcher(text);
      return m.matches()
          ? Optional.of(new Version(LocalDate.parse(m.group(1)), m.group(2), m.group(3),
              Long.parseLong(m.group(4)), m.group(5), Long.parseLong(m.group(6))))
          : Optional.empty();
    }
  }

  /**
   * The state as of a date, for scoring it. {@link #release} frees what was cached to build
   * it; call it once the date's scores are written.
   */
  record AsOf(Dataset<Row> rows, String mode, Runnable release) {
    /** Whether these rows are the stored state (else a backfill's, computed and dropped). */
    boolean stored() {
      return !mode.equals("window");
    }

    Dataset<Row> engagement(Model model) {
      return Engagement.fromDecayedCounts(model,
          rows.where(not(col(DailyCounts.RULE).isin(DailyCounts.ANY, DailyCounts.OPT_OUT))));
    }

    Dataset<Row> lastActivity() {
      return rows.where(col(DailyCounts.RULE).equalTo(DailyCounts.ANY))
          .select(col(DailyCounts.SUBJECT_ID), col(LAST_EVENT_DATE).as(Engagement.LAST_ACTIVITY));
    }

    Dataset<Row> optOuts() {
      return rows.where(col(DailyCounts.RULE).equalTo(DailyCounts.OPT_OUT))
          .select(col(DailyCounts.SUBJECT_ID).as(LEAD_ID),
              col(LAST_OCCURRED_AT).as(LeadScoring.LAST_OPT_OUT));
    }
  }

  /**
   * The lead state as of {@code date}: carried from the stored state when it can be, else
   * computed from activity_daily's window; stored unless {@code date} is before the stored
   * state's date.
   *
   * @param rebuild compute from the window whatever is stored (--full, activity_daily rebuilt)
   */
  static AsOf asOf(DeltaStore store, Model model, LocalDate date, boolean rebuild,
      StageTimer timer, Map<String, Long> counts) {
    Version now = new Version(date, fingerprint(model), store.tableId(T_ACTIVITY_DAILY),
        store.version(T_ACTIVITY_DAILY), store.tableId(T_LEADS), store.version(T_LEADS));
    Optional<Version> stored = store.exists(TABLE)
        ? store.latestCommitWithMetadata(TABLE, STATE_PREFIX)
            .flatMap(c -> Version.parse(c.userMetadata()))
        : Optional.empty();
    if (stored.isPresent() && date.isBefore(stored.get().asOf())) {
      LOG.info("{} is before the {} of {}: scoring it from the window, the state stays", date,
          stored.get().asOf(), TABLE);
      return fromWindow(store, model, date, Optional.empty(), timer, counts);
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
          return carry(store, model, stored.get(), now, touched.values(), timer, counts);
        } catch (Exception e) {
          // Typically old files of activity_daily or leads removed by VACUUM, so the versions
          // the state reflects cannot be read. The state is replaced atomically or not at
          // all, so computing it afresh is safe.
          LOG.warn("{} could not be carried from {}: {}", TABLE, stored.get().asOf(),
              JobLauncher.oneLine(e));
          LOG.debug("carrying {} failed", TABLE, e);
          why = "carrying it failed";
        }
      } else {
        why = touched.unavailable();
      }
    }
    LOG.info("computing {} from the window of {}: {}", TABLE, T_ACTIVITY_DAILY, why);
    return fromWindow(store, model, date, Optional.of(now), timer, counts);
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
      Optional<Version> write, StageTimer timer, Map<String, Long> counts) {
    Dataset<Row> resolved = DailyCounts.resolve(store.read(T_LEADS),
        store.read(T_ACTIVITY_DAILY).where(DailyCounts.neededAsOf(model, date)));
    // The per-lead counts feed both the sums and the latest activity: aggregated once. The
    // opt-outs read only their own rows (sorted first in each date's file) of the window.
    Dataset<Row> daily = DailyCounts.perSubject(resolved)
        .persist(StorageLevel.MEMORY_AND_DISK());
    long dailyRows = timer.time("resolve activity_daily per lead, rule and day",
        daily::count);
    counts.put("daily_rule_counts", dailyRows);
    Dataset<Row> rows = computed(model, date, resolved, daily);
    if (write.isEmpty()) {
      return new AsOf(rows, "window", daily::unpersist);
    }
    try {
      store(store, rows, write.get(), timer, counts, "full");
    } finally {
      daily.unpersist();
    }
    return new AsOf(store.read(TABLE), "full", () -> { });
  }

  /**
   * The state rows of the given resolved activity_daily rows (all of the window) and their
   * {@link DailyCounts#perSubject} counts.
   */
  private static Dataset<Row> computed(Model model, LocalDate date, Dataset<Row> resolved,
      Dataset<Row> daily) {
    Dataset<Row> sums = Engagement.decayedCounts(model, date, DailyCounts.LEAD, daily);
    Dataset<Row> last = Engagement.lastActivity(date, DailyCounts.LEAD, daily)
        .select(col(DailyCounts.SUBJECT_ID), lit(DailyCounts.ANY).as(DailyCounts.RULE),
            col(Engagement.LAST_ACTIVITY).as(LAST_EVENT_DATE));
    Dataset<Row> optOuts = LeadScoring.optOuts(date, resolved)
        .select(col(LEAD_ID).as(DailyCounts.SUBJECT_ID),
            lit(DailyCounts.OPT_OUT).as(DailyCounts.RULE),
            col(LeadScoring.LAST_OPT_OUT).as(LAST_OCCURRED_AT));
    return shaped(sums).unionByName(shaped(last)).unionByName(shaped(optOuts));
  }

  /**
   * Carries the stored state to {@code now.asOf()} (see the class comment).
   *
   * @param touched the event dates activity_daily rewrote since the stored version
   */
  private static AsOf carry(DeltaStore store, Model model, Version stored, Version now,
      List<String> touchedDates, StageTimer timer, Map<String, Long> counts) {
    LocalDate s = stored.asOf();
    LocalDate d = now.asOf();
    int lookback = model.engagement().lookbackDays();
    TreeSet<LocalDate> touched = new TreeSet<>();
    touchedDates.forEach(t -> touched.add(LocalDate.parse(t)));
    // Terms to take out (old counts) and to put in (new counts), by event date.
    TreeSet<LocalDate> leaving = new TreeSet<>();
    TreeSet<LocalDate> entering = new TreeSet<>();
    for (LocalDate day = s.minusDays(lookback - 1L); !day.isAfter(s); day = day.plusDays(1)) {
      if (!day.isAfter(d.minusDays(lookback)) || touched.contains(day)) {
        leaving.add(day);
      }
    }
    for (LocalDate day = d.minusDays(lookback - 1L); !day.isAfter(d); day = day.plusDays(1)) {
      if (day.isAfter(s) || touched.contains(day)) {
        entering.add(day);
      }
    }
    // The latest activity and opt-out look at every day up to D, not only the window.
    TreeSet<LocalDate> rewritten = new TreeSet<>(touched.headSet(s, true));
    TreeSet<LocalDate> newer = new TreeSet<>(touched.headSet(d, true));
    for (LocalDate day = s.plusDays(1); !day.isAfter(d); day = day.plusDays(1)) {
      newer.add(day);
    }
    boolean leadsChanged = stored.leadsVersion() != now.leadsVersion();
    if (leaving.isEmpty() && entering.isEmpty() && newer.isEmpty() && !leadsChanged) {
      LOG.info("{} as of {} is current: nothing changed since", TABLE, s);
      counts.put("engagement_state_mode_current", 1L);
      return new AsOf(store.read(TABLE), "current", () -> { });
    }
    LOG.info("carrying {} from {} to {}: {} event dates leave or change, {} enter or change{}",
        TABLE, s, d, leaving.size(), entering.size(),
        leadsChanged ? ", " + T_LEADS + " changed" : "");
    Dataset<Row> leads = store.read(T_LEADS);
    // A few dates' rows, each read twice (sums, and leads to recompute): cached.
    Dataset<Row> before = leadRows(leads,
        store.readAt(T_ACTIVITY_DAILY, stored.dailyVersion()), union(leaving, rewritten))
        .persist(StorageLevel.MEMORY_AND_DISK());
    Dataset<Row> after = leadRows(leads, store.read(T_ACTIVITY_DAILY), union(entering, newer))
        .persist(StorageLevel.MEMORY_AND_DISK());

    Dataset<Row> state = store.read(TABLE);
    Column carried = Engagement.decay(lit(ChronoUnit.DAYS.between(s, d)));
    Dataset<Row> sums = state
        .where(not(col(DailyCounts.RULE).isin(DailyCounts.ANY, DailyCounts.OPT_OUT)))
        .join(broadcast(Engagement.rules(store.spark(), model)), DailyCounts.RULE)
        .select(col(DailyCounts.SUBJECT_ID), col(DailyCounts.RULE),
            col(Engagement.DECAYED_COUNT).multiply(carried).as(Engagement.DECAYED_COUNT),
            col(Engagement.DAYS))
        .unionByName(Engagement.decayedCountsOfDays(model, d, DailyCounts.LEAD,
            DailyCounts.perSubject(onDays(after, entering))))
        .unionByName(negated(Engagement.decayedCountsOfDays(model, d, DailyCounts.LEAD,
            DailyCounts.perSubject(onDays(before, leaving)))))
        .groupBy(DailyCounts.SUBJECT_ID, DailyCounts.RULE)
        .agg(sum(Engagement.DECAYED_COUNT).as(Engagement.DECAYED_COUNT),
            sum(Engagement.DAYS).as(Engagement.DAYS))
        .where(col(Engagement.DAYS).gt(0));
    Dataset<Row> latest = shaped(state.where(col(DailyCounts.RULE).isin(DailyCounts.ANY,
            DailyCounts.OPT_OUT)))
        .unionByName(shaped(latestOf(onDays(after, newer))))
        .groupBy(DailyCounts.SUBJECT_ID, DailyCounts.RULE)
        .agg(max(LAST_EVENT_DATE).as(LAST_EVENT_DATE), max(LAST_OCCURRED_AT).as(LAST_OCCURRED_AT));
    Dataset<Row> carriedRows = shaped(sums).unionByName(shaped(latest));

    Dataset<Row> redo = removed(onDays(before, rewritten), onDays(after, rewritten));
    if (leadsChanged) {
      redo = redo.unionByName(resolvedElsewhere(store.readAt(T_LEADS, stored.leadsVersion()),
          leads));
    }
    redo = redo.distinct().persist(StorageLevel.MEMORY_AND_DISK());
    try {
      long redone = timer.time("find leads to recompute", redo::count);
      counts.put("engagement_state_leads_recomputed", redone);
      Dataset<Row> rows = carriedRows;
      if (redone > 0) {
        LOG.info("{} leads whose email resolution changed or whose activity was removed:"
            + " recomputing them from the window", redone);
        rows = carriedRows.join(redo, DailyCounts.SUBJECT_ID, "left_anti")
            .unionByName(recomputed(store, model, d, leads, redo));
      }
      store(store, rows, now, timer, counts, "incremental");
    } finally {
      redo.unpersist();
      before.unpersist();
      after.unpersist();
    }
    counts.put("engagement_state_dates_entering", (long) entering.size());
    counts.put("engagement_state_dates_leaving", (long) leaving.size());
    return new AsOf(store.read(TABLE), "incremental", () -> { });
  }

  /** Lead rows of activity_daily on the given dates, resolved with the current leads. */
  private static Dataset<Row> leadRows(Dataset<Row> leads, Dataset<Row> activityDaily,
      TreeSet<LocalDate> dates) {
    return DailyCounts.resolve(leads, activityDaily.where(col(EVENT_DATE).isin(sqlDates(dates))))
        .where(col(DailyCounts.SUBJECT_KIND).equalTo(DailyCounts.LEAD));
  }

  private static Dataset<Row> onDays(Dataset<Row> resolved, TreeSet<LocalDate> dates) {
    return resolved.where(col(EVENT_DATE).isin(sqlDates(dates)));
  }

  /** The latest activity date and opt-out per lead in resolved rows, shaped as the state. */
  private static Dataset<Row> latestOf(Dataset<Row> resolved) {
    return resolved.where(col(DailyCounts.RULE).isin(DailyCounts.ANY, DailyCounts.OPT_OUT))
        .groupBy(DailyCounts.SUBJECT_ID, DailyCounts.RULE)
        .agg(max(when(col(DailyCounts.RULE).equalTo(DailyCounts.ANY), col(EVENT_DATE)))
                .as(LAST_EVENT_DATE),
            max(LAST_OCCURRED_AT).as(LAST_OCCURRED_AT));
  }

  /**
   * Leads with fewer activities or opt-outs on a rewritten date than before (erased
   * activity): a maximum cannot be taken back, so they are recomputed.
   */
  private static Dataset<Row> removed(Dataset<Row> before, Dataset<Row> after) {
    List<String> key = List.of(DailyCounts.SUBJECT_ID, DailyCounts.RULE, EVENT_DATE);
    Dataset<Row> was = perDay(before).withColumnRenamed(DailyCounts.N, "n_was")
        .withColumnRenamed(LAST_OCCURRED_AT, "last_was");
    Dataset<Row> is = perDay(after);
    return was.join(is, key.toArray(new String[0]), "left")
        .where(coalesce(col(DailyCounts.N), lit(0L)).lt(col("n_was"))
            .or(coalesce(col(LAST_OCCURRED_AT).lt(col("last_was")),
                col(LAST_OCCURRED_AT).isNull().and(col("last_was").isNotNull()))))
        .select(DailyCounts.SUBJECT_ID);
  }

  private static Dataset<Row> perDay(Dataset<Row> resolved) {
    return resolved.where(col(DailyCounts.RULE).isin(DailyCounts.ANY, DailyCounts.OPT_OUT))
        .groupBy(DailyCounts.SUBJECT_ID, DailyCounts.RULE, EVENT_DATE)
        .agg(sum(DailyCounts.N).as(DailyCounts.N), max(LAST_OCCURRED_AT).as(LAST_OCCURRED_AT));
  }

  /** Leads an email resolved to before or resolves to now, for emails whose lead changed. */
  private static Dataset<Row> resolvedElsewhere(Dataset<Row> leadsBefore, Dataset<Row> leads) {
    Dataset<Row> changed = Identity.emailOwners(leadsBefore)
        .withColumnRenamed(Identity.EMAIL_OWNER, "owner_was")
        .join(Identity.emailOwners(leads), new String[] {EMAIL_KEY}, "full_outer")
        .where(not(col("owner_was").eqNullSafe(col(Identity.EMAIL_OWNER))));
    return changed.select(col("owner_was").as(DailyCounts.SUBJECT_ID))
        .unionByName(changed.select(col(Identity.EMAIL_OWNER).as(DailyCounts.SUBJECT_ID)))
        .where(col(DailyCounts.SUBJECT_ID).isNotNull());
  }

  /** The given leads' state from the window, reading only their identities' rows. */
  private static Dataset<Row> recomputed(DeltaStore store, Model model, LocalDate date,
      Dataset<Row> leads, Dataset<Row> subjects) {
    Dataset<Row> window = store.read(T_ACTIVITY_DAILY)
        .where(DailyCounts.neededAsOf(model, date));
    Dataset<Row> ids = subjects.select(col(DailyCounts.SUBJECT_ID).as(LEAD_ID));
    Dataset<Row> emails = Identity.emailOwners(leads)
        .join(subjects, col(Identity.EMAIL_OWNER).equalTo(col(DailyCounts.SUBJECT_ID)))
        .select(EMAIL_KEY);
    Dataset<Row> rows = window.join(ids, LEAD_ID, "left_semi")
        .unionByName(window.where(col(LEAD_ID).isNull()).join(emails, EMAIL_KEY, "left_semi"));
    Dataset<Row> resolved = DailyCounts.resolve(leads, rows);
    return computed(model, date, resolved, DailyCounts.perSubject(resolved))
        .join(subjects, DailyCounts.SUBJECT_ID, "left_semi");
  }

  private static void store(DeltaStore store, Dataset<Row> rows, Version version,
      StageTimer timer, Map<String, Long> counts, String mode) {
    timer.time("write " + TABLE + " (" + mode + ")", () -> store.overwrite(TABLE,
        shaped(rows).repartition(col(DailyCounts.RULE)), DailyCounts.RULE, version.text()));
    counts.put("engagement_state_mode_" + mode, 1L);
    counts.put("engagement_state_rows", Long.parseLong(
        store.lastCommitMetrics(TABLE).getOrDefault("numOutputRows", "0")));
  }

  /** Rows in the state's columns, the ones a row does not have null. */
  private static Dataset<Row> shaped(Dataset<Row> rows) {
    List<String> have = List.of(rows.columns());
    List<Column> out = new ArrayList<>();
    out.add(col(DailyCounts.SUBJECT_ID));
    out.add(col(DailyCounts.RULE));
    out.add(have.contains(Engagement.DECAYED_COUNT) ? col(Engagement.DECAYED_COUNT)
        : lit(null).cast("double").as(Engagement.DECAYED_COUNT));
    out.add(have.contains(Engagement.DAYS) ? col(Engagement.DAYS).cast("long")
        : lit(null).cast("long").as(Engagement.DAYS));
    out.add(have.contains(LAST_EVENT_DATE) ? col(LAST_EVENT_DATE)
        : lit(null).cast("date").as(LAST_EVENT_DATE));
    out.add(have.contains(LAST_OCCURRED_AT) ? col(LAST_OCCURRED_AT)
        : lit(null).cast("timestamp").as(LAST_OCCURRED_AT));
    return rows.select(out.toArray(new Column[0]));
  }

  private static Dataset<Row> negated(Dataset<Row> decayedCounts) {
    return decayedCounts.select(col(DailyCounts.SUBJECT_ID), col(DailyCounts.RULE),
        col(Engagement.DECAYED_COUNT).multiply(-1.0).as(Engagement.DECAYED_COUNT),
        col(Engagement.DAYS).multiply(-1L).as(Engagement.DAYS));
  }

  private static TreeSet<LocalDate> union(TreeSet<LocalDate> a, TreeSet<LocalDate> b) {
    TreeSet<LocalDate> out = new TreeSet<>(a);
    out.addAll(b);
    return out;
  }

  private static Object[] sqlDates(TreeSet<LocalDate> dates) {
    return dates.stream().map(Date::valueOf).toArray();
  }

  /**
   * A digest of what the carried sums depend on: the rule conditions ({@link
   * DailyCounts#fingerprint}), each rule's per-day limit, half-life and decay, and the
   * lookback. Points, caps, the engagement max and inactivity are applied when scoring.
   */
  static String fingerprint(Model model) {
    StringBuilder text = new StringBuilder("format=" + FORMAT + "\nconditions="
        + DailyCounts.fingerprint(model) + "\nlookback=" + model.engagement().lookbackDays());
    List<EngagementRule> rules = new ArrayList<>(model.engagement().rules());
    rules.sort(Comparator.comparing(EngagementRule::name));
    for (EngagementRule r : rules) {
      text.append("\nrule=").append(r.name().length()).append(':').append(r.name())
          .append(" max-per-day=").append(r.maxPerDay().map(String::valueOf).orElse("-"))
          .append(" half-life=").append(r.halfLifeDays()).append(" decay=").append(r.decay());
    }
    return DailyCounts.sha256(text.toString());
  }
}

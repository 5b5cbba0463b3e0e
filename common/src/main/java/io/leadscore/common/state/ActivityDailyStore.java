package io.leadscore.common.state;

import static io.leadscore.common.Schemas.*;
import static org.apache.spark.sql.functions.col;

import io.leadscore.common.config.Model;
import io.leadscore.common.scoring.DailyCounts;
import io.leadscore.common.scoring.Fingerprints;
import io.leadscore.common.state.CommitMetadata.TableVersion;
import io.leadscore.common.storage.DeltaChanges;
import io.leadscore.common.storage.DeltaStore;
import java.sql.Date;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings {@code activity_daily} ({@link DailyCounts#byIdentity} of all activities) up to date
 * with {@code activities} before scoring: counts only the rows that commits since the last
 * refresh added and adds them to the stored counts of their event_dates, re-counts the dates
 * they touched when one of them also removed rows ({@link DeltaChanges}), and rebuilds
 * everything when it cannot trust the stored counts: none yet, {@code --full}, changed rule
 * conditions (the {@link Fingerprints#ruleConditions}), activities recreated or its change
 * history gone, or activity_daily's data changed by something else since the last refresh.
 *
 * <p>The state (which activities version the counts reflect, and for which rules) is the
 * {@link CommitMetadata} of activity_daily's own commit, e.g. {@code leadscore.activity_daily
 * rules=3f9c... activities=<table id>@42}, visible in {@code DESCRIBE HISTORY}. Counts and
 * state thus change in one atomic commit: a job that dies before it leaves both as they were,
 * and no separate state table can disagree with the data. The history keeps commit metadata
 * as long as the log keeps commits, the same retention that bounds finding touched dates in
 * activities, so this adds no new way to lose the state; losing it means a rebuild.
 * activities is read at the version recorded, so an ingest committing meanwhile is picked
 * up by the next run, never half-counted.
 */
public final class ActivityDailyStore {
  private static final Logger LOG = LoggerFactory.getLogger(ActivityDailyStore.class);

  private static final List<String> KEYS = List.of("rules", "activities");

  private ActivityDailyStore() {}

  /** What the counts reflect: rule conditions and a version of one activities table. */
  record State(String rules, String activitiesId, long activitiesVersion) {
    String text() {
      return CommitMetadata.text(T_ACTIVITY_DAILY, List.of(Map.entry("rules", rules),
          Map.entry("activities", new TableVersion(activitiesId, activitiesVersion).text())));
    }

    static Optional<State> parse(String text) {
      return CommitMetadata.parse(T_ACTIVITY_DAILY, KEYS, text).flatMap(m ->
          TableVersion.parse(m.get("activities"))
              .map(a -> new State(m.get("rules"), a.id(), a.version())));
    }
  }

  /**
   * @param full whether everything was rebuilt (else only {@code dates})
   * @param reason why it was rebuilt, or what the incremental refresh found
   * @param dates the event_dates whose counts were written (all of them on a rebuild)
   * @param addedOnly whether only the rows added since the last refresh were counted (and
   *     added to the stored counts of their dates), rather than every row of those dates
   */
  public record Refresh(boolean full, String reason, long activitiesVersion, long dates,
      boolean addedOnly) {
    public String mode() {
      return full ? "full" : "incremental";
    }
  }

  /**
   * Brings activity_daily up to date with activities.
   *
   * @param forceFull rebuild from all activities whatever is stored ({@code --full})
   */
  public static Refresh refresh(DeltaStore store, Model model, boolean forceFull) {
    State now = new State(Fingerprints.ruleConditions(model), store.tableId(T_ACTIVITIES),
        store.version(T_ACTIVITIES));
    boolean exists = store.exists(T_ACTIVITY_DAILY);
    Optional<DeltaStore.Commit> stateCommit = exists
        ? store.latestCommitWithMetadata(T_ACTIVITY_DAILY, CommitMetadata.prefix(T_ACTIVITY_DAILY)) : Optional.empty();
    Optional<State> recorded = stateCommit.flatMap(c -> State.parse(c.userMetadata()));
    String rebuild = forceFull ? "--full was given"
        : !exists ? T_ACTIVITY_DAILY + " does not exist yet"
        : recorded.isEmpty() ? "no refresh state in the history of " + T_ACTIVITY_DAILY
        : changedSince(store, stateCommit.get().version())
            ? T_ACTIVITY_DAILY + " changed outside score after its version "
                + stateCommit.get().version()
        : !recorded.get().rules().equals(now.rules())
            ? "the model's rule names or conditions changed"
        : !recorded.get().activitiesId().equals(now.activitiesId())
            ? T_ACTIVITIES + " was recreated (its table id changed)"
        : recorded.get().activitiesVersion() > now.activitiesVersion()
            ? T_ACTIVITIES + " is at version " + now.activitiesVersion() + ", before the "
                + recorded.get().activitiesVersion() + " recorded"
        : null;
    if (rebuild == null) {
      long since = recorded.get().activitiesVersion();
      DeltaChanges.Touched touched = DeltaChanges.partitionsTouched(store.spark(),
          store.path(T_ACTIVITIES), EVENT_DATE, since, now.activitiesVersion());
      if (touched.available()) {
        return refreshDates(store, model, now, since, touched);
      }
      rebuild = touched.unavailable();
    }
    LOG.info("rebuilding {} from all of {} at version {}: {}", T_ACTIVITY_DAILY, T_ACTIVITIES,
        now.activitiesVersion(), rebuild);
    store.overwrite(T_ACTIVITY_DAILY,
        layout(DailyCounts.byIdentity(model, store.readAt(T_ACTIVITIES,
            now.activitiesVersion()))),
        EVENT_DATE, now.text());
    long dates = store.read(T_ACTIVITY_DAILY).select(EVENT_DATE).distinct().count();
    LOG.info("{} rebuilt: {} event dates", T_ACTIVITY_DAILY, dates);
    return new Refresh(true, rebuild, now.activitiesVersion(), dates, false);
  }

  /**
   * Whether a data-changing commit not made by the refresh (a hand-made DELETE, a RESTORE)
   * followed the state: the state would then describe counts the table no longer holds.
   * OPTIMIZE is fine; history that is gone counts as changed.
   */
  private static boolean changedSince(DeltaStore store, long stateVersion) {
    DeltaChanges.Touched touched = DeltaChanges.partitionsTouched(store.spark(),
        store.path(T_ACTIVITY_DAILY), EVENT_DATE, stateVersion,
        store.version(T_ACTIVITY_DAILY));
    return !touched.available() || !touched.values().isEmpty();
  }

  private static Refresh refreshDates(DeltaStore store, Model model, State now, long since,
      DeltaChanges.Touched touched) {
    List<String> dates = touched.values();
    String versions = "versions " + (since + 1) + ".." + now.activitiesVersion() + " of "
        + T_ACTIVITIES;
    if (dates.isEmpty()) {
      // Nothing to write; not recording the new version only means the next run reads the
      // same few commit files again.
      String reason = since == now.activitiesVersion()
          ? T_ACTIVITIES + " unchanged since version " + since
          : versions + " change no data";
      LOG.info("{} is up to date: {}", T_ACTIVITY_DAILY, reason);
      return new Refresh(false, reason, since, 0, false);
    }
    Column onDates = col(EVENT_DATE).isin((Object[]) dates.stream()
        .map(d -> Date.valueOf(LocalDate.parse(d))).toArray(Date[]::new));
    Dataset<Row> counts;
    String reason;
    if (touched.onlyAdded()) {
      // Counts add up, so the stored counts of the touched dates plus those of the rows added
      // since are the dates' counts: a day's ingest adds late events to a few old dates, and
      // re-counting those dates read every activity they already held.
      counts = DailyCounts.plus(store.read(T_ACTIVITY_DAILY).where(onDates),
          DailyCounts.byIdentity(model,
              store.readAdded(T_ACTIVITIES, now.activitiesVersion(), touched.added())));
      reason = "rows added to " + dates.size() + " event dates by " + versions + " ("
          + touched.added().size() + " files)";
    } else {
      // Rows were removed (a forget, a DELETE, a RESTORE): what they counted is not known
      // any more, so the dates are counted again from what they hold now.
      counts = DailyCounts.byIdentity(model,
          store.readAt(T_ACTIVITIES, now.activitiesVersion()).where(onDates));
      reason = dates.size() + " event dates changed by " + versions
          + ", which removed rows: counted again";
    }
    LOG.info("refreshing {}: {}: {}", T_ACTIVITY_DAILY, reason, dates);
    // A date whose activities are all gone has no rows here, so replacing leaves it empty.
    String predicate = EVENT_DATE + " IN (" + dates.stream().map(d -> "DATE'" + d + "'")
        .collect(Collectors.joining(", ")) + ")";
    store.replaceWhere(T_ACTIVITY_DAILY, layout(counts), predicate, EVENT_DATE, now.text());
    return new Refresh(false, reason, now.activitiesVersion(), dates.size(),
        touched.onlyAdded());
  }

  /**
   * One file per date, sorted by rule: the pseudo-rules sort first ('*'), so a score's read
   * of dates past the lookback, which wants only them, can skip the rest of large files by
   * Parquet row-group statistics.
   */
  private static Dataset<Row> layout(Dataset<Row> rows) {
    return rows.repartition(col(EVENT_DATE)).sortWithinPartitions(EVENT_DATE, RULE);
  }
}

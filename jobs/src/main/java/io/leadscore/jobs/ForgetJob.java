package io.leadscore.jobs;

import static io.leadscore.common.Schemas.*;
import static org.apache.spark.sql.functions.*;

import io.delta.tables.DeltaTable;
import io.leadscore.common.Text;
import io.leadscore.common.config.ConfigException;
import io.leadscore.common.forget.Suppression;
import io.leadscore.common.scoring.DailyCounts;
import io.leadscore.common.storage.CsvFiles;
import io.leadscore.common.state.CommitMetadata;
import io.leadscore.common.state.EngagementStateStore;
import io.leadscore.common.storage.DeltaStore;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code forget}: erases people everywhere leadscore keeps them (a GDPR/CCPA erasure
 * request), by lead id or email, many in one run: every row of theirs in activities (by
 * lead_id and by email), activity_daily, engagement_state, leads, outcomes, lead_scores and
 * its history, score_changes, segment_members and segment_membership; rejected rows whose
 * raw text contains one of their identifiers; their records in the export files already
 * written; and their lead id where account scores name them as best lead (the account's
 * scores themselves are right again after the next {@code accounts} run).
 *
 * <p>It records one {@code forget_log} row per identifier asked for (a salted hash, never
 * the identifier; the time; rows removed per table) and adds the person's hashed lead ids
 * and emails to {@code forget_suppression}, which ingest checks, so a later snapshot that
 * still lists them does not bring them back. Old Delta versions keep the data until VACUUM:
 * {@code --vacuum} runs it on the tables it changed.
 */
public final class ForgetJob {
  private static final Logger LOG = LoggerFactory.getLogger(ForgetJob.class);

  /** Delta's own minimum retention (7 days); below it VACUUM needs an explicit override. */
  public static final double SAFE_RETENTION_HOURS = 168;
  public static final String ROWS_REMOVED = "rows_removed";
  public static final String EXPORT_RECORDS = "export_records";
  public static final String IDENTIFIERS_FOUND = "identifiers_found";

  static final StructType LOG_SCHEMA = new StructType()
      .add("run_id", DataTypes.StringType, false)
      .add("forgotten_at", DataTypes.TimestampType, false)
      .add("identifier_kind", DataTypes.StringType, false)
      .add("identifier_hash", DataTypes.StringType, false)
      .add("found", DataTypes.BooleanType, false)
      .add("rows_removed", DataTypes.createMapType(DataTypes.StringType, DataTypes.LongType),
          false)
      .add("export_records_removed", DataTypes.LongType, false)
      .add("vacuumed", DataTypes.BooleanType, false);

  /** What to erase: lead ids and emails as given. */
  public record Request(List<String> leadIds, List<String> emails) {}

  /** VACUUM after erasing, with this retention. */
  public record Vacuum(double retentionHours, boolean ignoreRetentionCheck) {}

  private ForgetJob() {}

  /** Refuses a retention below Delta's check unless overridden; before anything is read. */
  static void checkVacuum(Optional<Vacuum> vacuum) {
    if (vacuum.isPresent() && vacuum.get().retentionHours() < SAFE_RETENTION_HOURS
        && !vacuum.get().ignoreRetentionCheck()) {
      throw new ConfigException("--retention-hours " + vacuum.get().retentionHours()
          + " is below Delta's safety check of " + (long) SAFE_RETENTION_HOURS + " hours:"
          + " readers and jobs still using older versions would fail. Give"
          + " --ignore-retention-check to do it anyway");
    }
  }

  public static JobResult run(JobRuntime rt, Request request, Optional<Vacuum> vacuum) {
    checkVacuum(vacuum);
    String salt = rt.settings().forgetSalt().orElseThrow(() -> new ConfigException(
        "leadscore.forget.salt is not set: set LEADSCORE_FORGET_SALT (a random secret of at"
            + " least 16 characters, kept out of the repository) so forget_log and the"
            + " suppression list can hold hashes instead of identifiers"));
    StageTimer timer = new StageTimer(LOG);
    DeltaStore store = rt.store();
    Set<String> askedIds = new LinkedHashSet<>();
    request.leadIds().stream().map(Suppression::normalizeLeadId).filter(s -> !s.isEmpty())
        .forEach(askedIds::add);
    Set<String> askedEmails = new LinkedHashSet<>();
    request.emails().stream().map(Suppression::normalizeEmail).filter(s -> !s.isEmpty())
        .forEach(askedEmails::add);
    if (askedIds.isEmpty() && askedEmails.isEmpty()) {
      throw new IllegalArgumentException("nothing to forget: give --lead-id, --email or"
          + " --from-file");
    }

    // Who they are: each lead id's emails and each email's lead ids, wherever recorded.
    Set<String> ids = new LinkedHashSet<>(askedIds);
    Set<String> emails = new LinkedHashSet<>(askedEmails);
    Set<String> found = new LinkedHashSet<>();
    timer.time("find the people", () -> expand(store, ids, emails, found));
    LOG.info("{} lead ids and {} emails asked for; {} lead ids and {} emails to erase",
        askedIds.size(), askedEmails.size(), ids.size(), emails.size());

    Column byId = ids.isEmpty() ? lit(false) : col(LEAD_ID).isin(ids.toArray());
    Column byEmail = emails.isEmpty() ? lit(false)
        : Text.normalized(col(EMAIL)).isin(emails.toArray());
    Column inRaw = rawContains(ids, emails);
    Map<String, Long> removed = new TreeMap<>();
    timer.time("erase table rows", () -> {
      delete(store, T_ACTIVITIES, byId.or(byEmail), removed, null);
      delete(store, T_ACTIVITIES_REJECTED, inRaw, removed, null);
      delete(store, T_SNAPSHOTS_REJECTED, inRaw, removed, null);
      // activity_daily keeps its refresh state: the next score re-counts the dates this
      // DELETE on activities touched, instead of rebuilding everything.
      delete(store, T_ACTIVITY_DAILY, byId.or(emails.isEmpty() ? lit(false)
              : col(EMAIL_KEY).isin(emails.toArray())), removed,
          store.exists(T_ACTIVITY_DAILY) ? store.latestCommitWithMetadata(T_ACTIVITY_DAILY,
              CommitMetadata.prefix(T_ACTIVITY_DAILY)).map(DeltaStore.Commit::userMetadata)
              .orElse(null) : null);
      delete(store, EngagementStateStore.TABLE, ids.isEmpty() ? lit(false)
          : col(DailyCounts.SUBJECT_ID).isin(ids.toArray()), removed, null);
      delete(store, T_LEADS, byId.or(byEmail), removed, null);
      delete(store, T_OUTCOMES, byId, removed, null);
      delete(store, T_LEAD_SCORES, byId.or(byEmail), removed, null);
      delete(store, T_LEAD_SCORE_HISTORY, byId.or(byEmail), removed, null);
      delete(store, T_SCORE_CHANGES, byId, removed, null);
      delete(store, T_SEGMENT_MEMBERS, byId, removed, null);
      delete(store, T_SEGMENT_MEMBERSHIP, byId, removed, null);
      forgetBestLead(store, T_ACCOUNT_SCORES, ids, removed);
      forgetBestLead(store, T_ACCOUNT_SCORE_HISTORY, ids, removed);
    });
    long exportRecords = timer.time("erase export records", () -> eraseExports(rt, ids,
        emails));
    long total = removed.values().stream().mapToLong(Long::longValue).sum() + exportRecords;
    Map<String, Long> counts = new LinkedHashMap<>();
    counts.put("lead_ids_asked", (long) askedIds.size());
    counts.put("emails_asked", (long) askedEmails.size());
    counts.put(IDENTIFIERS_FOUND, (long) found.size());
    removed.forEach((table, n) -> counts.put(ROWS_REMOVED + "." + table, n));
    counts.put(EXPORT_RECORDS + "_removed", exportRecords);
    if (total == 0) {
      LOG.info("nobody found: no table row or export record belongs to the {} identifiers"
          + " given; nothing was erased (they are added to the suppression list all the"
          + " same)", askedIds.size() + askedEmails.size());
    } else {
      LOG.info("erased {} table rows and {} export records", total - exportRecords,
          exportRecords);
    }

    Instant now = Instant.now();
    timer.time("record suppression and forget_log", () -> {
      List<Row> suppression = new ArrayList<>();
      ids.forEach(id -> suppression.add(RowFactory.create(Suppression.KIND_LEAD_ID,
          Suppression.hash(salt, id), Timestamp.from(now))));
      emails.forEach(e -> suppression.add(RowFactory.create(Suppression.KIND_EMAIL,
          Suppression.hash(salt, e), Timestamp.from(now))));
      store.insertAbsent(T_FORGET_SUPPRESSION, rt.spark().createDataFrame(suppression,
          Suppression.SCHEMA), List.of(Suppression.KIND, Suppression.HASH));
      List<Row> log = new ArrayList<>();
      scala.collection.Map<String, Object> perTable = scala.collection.JavaConverters
          .mapAsScalaMap(new LinkedHashMap<String, Object>(removed));
      for (String id : askedIds) {
        log.add(RowFactory.create(rt.runId(), Timestamp.from(now), Suppression.KIND_LEAD_ID,
            Suppression.hash(salt, id), found.contains("id:" + id), perTable, exportRecords,
            vacuum.isPresent()));
      }
      for (String e : askedEmails) {
        log.add(RowFactory.create(rt.runId(), Timestamp.from(now), Suppression.KIND_EMAIL,
            Suppression.hash(salt, e), found.contains("email:" + e), perTable, exportRecords,
            vacuum.isPresent()));
      }
      store.append(T_FORGET_LOG, rt.spark().createDataFrame(log, LOG_SCHEMA));
    });
    List<String> outputs = new ArrayList<>();
    removed.forEach((table, n) -> {
      if (n > 0) {
        outputs.add(store.path(table) + " (" + n + " rows)");
      }
    });
    outputs.add(store.path(T_FORGET_LOG));
    outputs.add(store.path(T_FORGET_SUPPRESSION));
    if (vacuum.isPresent()) {
      List<String> touched = removed.entrySet().stream().filter(e -> e.getValue() > 0)
          .map(Map.Entry::getKey).toList();
      timer.time("vacuum", () -> vacuum(store, touched, vacuum.get()));
      counts.put("tables_vacuumed", (long) touched.size());
    }
    return new JobResult("forget", null, counts, timer.seconds(), timer.elapsed(), outputs);
  }

  /**
   * Adds to {@code ids} and {@code emails} what the tables link them to, and to {@code found}
   * ("id:X", "email:X") the identifiers that matched anything. Only the matching rows'
   * identifiers come back to the driver.
   */
  private static void expand(DeltaStore store, Set<String> ids, Set<String> emails,
      Set<String> found) {
    Set<String> askedIds = new LinkedHashSet<>(ids);
    Set<String> askedEmails = new LinkedHashSet<>(emails);
    Column byId = ids.isEmpty() ? lit(false) : col(LEAD_ID).isin(ids.toArray());
    Column byEmail = emails.isEmpty() ? lit(false)
        : Text.normalized(col(EMAIL)).isin(emails.toArray());
    List<Dataset<Row>> sources = new ArrayList<>();
    // Lead rows link a lead id to an email; other rows only show that an identifier occurs.
    for (String table : List.of(T_LEADS, T_LEAD_SCORES, T_LEAD_SCORE_HISTORY)) {
      if (store.exists(table)) {
        sources.add(store.read(table).where(byId.or(byEmail))
            .select(col(LEAD_ID), Text.normalized(col(EMAIL)).as(EMAIL), lit(true).as("links")));
      }
    }
    if (store.exists(T_ACTIVITIES)) {
      sources.add(store.read(T_ACTIVITIES).where(byId.or(byEmail))
          .select(col(LEAD_ID), Text.normalized(col(EMAIL)).as(EMAIL), lit(false).as("links")));
    }
    for (String table : List.of(T_OUTCOMES, T_SCORE_CHANGES, T_SEGMENT_MEMBERS)) {
      if (store.exists(table)) {
        sources.add(store.read(table).where(byId)
            .select(col(LEAD_ID), lit(null).cast("string").as(EMAIL), lit(false).as("links")));
      }
    }
    if (store.exists(T_ACTIVITY_DAILY)) {
      sources.add(store.read(T_ACTIVITY_DAILY).where(byId.or(emails.isEmpty() ? lit(false)
              : col(EMAIL_KEY).isin(emails.toArray())))
          .select(col(LEAD_ID), col(EMAIL_KEY).as(EMAIL), lit(false).as("links")));
    }
    if (sources.isEmpty()) {
      return;
    }
    // A handful of rows: the identifiers of the people asked for.
    for (Row r : sources.stream().reduce(Dataset::unionByName).orElseThrow().distinct()
        .collectAsList()) {
      String id = r.getString(0);
      String email = r.getString(1);
      boolean idAsked = id != null && askedIds.contains(id);
      boolean emailAsked = email != null && askedEmails.contains(email);
      if (idAsked) {
        found.add("id:" + id);
      }
      if (emailAsked) {
        found.add("email:" + email);
      }
      if (r.getBoolean(2) && (idAsked || emailAsked)) {
        if (id != null) {
          ids.add(id);
        }
        if (email != null) {
          emails.add(email);
        }
      }
    }
  }

  /** Rows whose raw text contains an identifier as a whole word (emails in any case). */
  static Column rawContains(Set<String> ids, Set<String> emails) {
    List<String> parts = new ArrayList<>();
    ids.forEach(id -> parts.add(Pattern.quote(id)));
    emails.forEach(e -> parts.add("(?iu:" + Pattern.quote(e) + ")"));
    if (parts.isEmpty()) {
      return lit(false);
    }
    String pattern = "(?<![\\p{L}\\p{N}_-])(?:" + String.join("|", parts)
        + ")(?![\\p{L}\\p{N}_-])";
    return col(RAW).rlike(pattern);
  }

  private static void delete(DeltaStore store, String table, Column condition,
      Map<String, Long> removed, String commitMetadata) {
    if (!store.exists(table)) {
      return;
    }
    long before = store.version(table);
    store.withCommitMetadata(commitMetadata,
        session -> DeltaTable.forPath(session, store.path(table)).delete(condition));
    long n = store.version(table) == before ? 0L : Long.parseLong(
        store.lastCommitMetrics(table).getOrDefault("numDeletedRows", "0"));
    removed.put(table, n);
    if (n > 0) {
      LOG.info("{}: {} rows erased", table, n);
    }
  }

  private static void forgetBestLead(DeltaStore store, String table, Set<String> ids,
      Map<String, Long> removed) {
    if (!store.exists(table) || ids.isEmpty()) {
      return;
    }
    long before = store.version(table);
    DeltaTable.forPath(store.spark(), store.path(table)).update(
        col(BEST_LEAD_ID).isin(ids.toArray()),
        Map.of(BEST_LEAD_ID, lit(null).cast("string"),
            BEST_LEAD_PRIORITY, lit(null).cast("string")));
    long n = store.version(table) == before ? 0L : Long.parseLong(
        store.lastCommitMetrics(table).getOrDefault("numUpdatedRows", "0"));
    removed.put(table, n);
  }

  /** Removes the people's records from every export file; returns the records removed. */
  private static long eraseExports(JobRuntime rt, Set<String> ids, Set<String> emails) {
    Configuration conf = rt.spark().sparkContext().hadoopConfiguration();
    long n = 0;
    int files = 0;
    for (String file : CsvFiles.list(rt.settings().exports(), "segment=*/date=*/*.csv",
        conf)) {
      long dropped = CsvFiles.removeRecords(file, conf, record -> record.stream().anyMatch(v ->
          v != null && (ids.contains(v.strip()) || emails.contains(Suppression.normalizeEmail(
              v)))));
      if (dropped > 0) {
        files++;
        n += dropped;
      }
    }
    if (n > 0) {
      LOG.info("{} export records removed from {} files under {}", n, files,
          rt.settings().exports());
    }
    return n;
  }

  private static void vacuum(DeltaStore store, List<String> tables, Vacuum vacuum) {
    String check = "spark.databricks.delta.retentionDurationCheck.enabled";
    // VACUUM lists a table's folders in as many tasks as this setting (10,000 unless set):
    // minutes of empty tasks per small table. Unless the user chose a value, a task a core.
    String listing = "spark.sql.sources.parallelPartitionDiscovery.parallelism";
    boolean chooseListing = !store.spark().conf().contains(listing);
    if (chooseListing) {
      store.spark().conf().set(listing,
          Math.max(2, store.spark().sparkContext().defaultParallelism()));
    }
    if (vacuum.ignoreRetentionCheck()) {
      LOG.warn("VACUUM with {} hours of retention, below Delta's safety check: readers of"
          + " older versions will fail", vacuum.retentionHours());
      store.spark().conf().set(check, "false");
    }
    try {
      for (String table : tables) {
        LOG.info("VACUUM {} RETAIN {} HOURS", store.path(table), vacuum.retentionHours());
        DeltaTable.forPath(store.spark(), store.path(table)).vacuum(vacuum.retentionHours());
      }
    } finally {
      if (vacuum.ignoreRetentionCheck()) {
        store.spark().conf().unset(check);
      }
      if (chooseListing) {
        store.spark().conf().unset(listing);
      }
    }
  }

  static String describe(Set<String> values) {
    return values.stream().collect(Collectors.joining(", "));
  }
}

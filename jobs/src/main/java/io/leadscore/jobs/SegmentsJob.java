package io.leadscore.jobs;

import static io.leadscore.common.Schemas.*;
import static org.apache.spark.sql.functions.*;

import io.leadscore.common.config.Model;
import io.leadscore.common.config.Segment;
import io.leadscore.common.config.SegmentsLoader;
import io.leadscore.common.scoring.AccountScoring;
import io.leadscore.common.scoring.DailyCounts;
import io.leadscore.common.scoring.Engagement;
import io.leadscore.common.scoring.EngagementCarry;
import io.leadscore.common.scoring.LeadScoring;
import io.leadscore.common.segments.Consent;
import io.leadscore.common.segments.SegmentFrame;
import io.leadscore.common.segments.Spells;
import io.leadscore.common.storage.CsvFiles;
import io.leadscore.common.storage.DeltaStore;
import java.io.File;
import java.sql.Date;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code segments}: the segments of SPEC §5 as of a score date (run {@code score}, and {@code
 * accounts} for {@code account_score.*}, first). Per segment: the leads of lead_score_history
 * matching its where (an email segment only those emailable as of the date, the others
 * counted by reason), ordered and limited; {@code segment_members} (segment x date x lead)
 * and {@code segment_runs} (segment x date: members, held back) replaced for the date;
 * {@code segment_membership} spells brought up to date; and the CSV files {@code
 * <exports>/segment=<name>/date=<D>/members.csv, added.csv, removed.csv}, added and removed
 * against the segment's previous run date.
 *
 * <p>Rerunning the latest date gives the same files and spells. Running a date before the
 * latest rebuilds the spells of the configured segments from segment_members and rewrites
 * the added and removed files of the next run date, whose previous date it now is.
 */
public final class SegmentsJob {
  private static final Logger LOG = LoggerFactory.getLogger(SegmentsJob.class);

  public static final String POSITION = "position";
  public static final String CHANNEL = "channel";
  public static final String MEMBERS = "members";
  public static final String HELD_BACK = "held_back";
  public static final String WHERE = "where";
  public static final String RUN_ID = "run_id";
  public static final List<String> FILES = List.of("members.csv", "added.csv", "removed.csv");

  static final StructType MEMBERS_SCHEMA = new StructType()
      .add(Spells.SEGMENT, DataTypes.StringType, false)
      .add(SCORE_DATE, DataTypes.DateType, false)
      .add(LEAD_ID, DataTypes.StringType, false)
      .add(POSITION, DataTypes.LongType, false)
      .add(CHANNEL, DataTypes.StringType, false);

  static final StructType RUNS_SCHEMA = new StructType()
      .add(Spells.SEGMENT, DataTypes.StringType, false)
      .add(SCORE_DATE, DataTypes.DateType, false)
      .add(CHANNEL, DataTypes.StringType, false)
      .add(WHERE, DataTypes.StringType, false)
      .add(MEMBERS, DataTypes.LongType, false)
      .add(HELD_BACK, DataTypes.createMapType(DataTypes.StringType, DataTypes.LongType), true)
      .add(RUN_ID, DataTypes.StringType, false);

  private SegmentsJob() {}

  /**
   * Loads the configured segments and has Spark analyse them against the lead_scores,
   * accounts and account_scores schemas (the stored tables', else what score and accounts
   * write), reading no data. Empty when no segments file is configured.
   */
  public static List<Segment> definitions(JobRuntime rt, Model model) {
    Optional<String> file = rt.settings().segmentsFile();
    if (file.isEmpty()) {
      return List.of();
    }
    List<Segment> segments = SegmentsLoader.load(new File(file.get()));
    SegmentFrame.analyse(rt.spark(), segments, frameSchema(rt, model));
    LOG.info("{} segments from {}: {}", segments.size(), file.get(),
        segments.stream().map(s -> s.name() + " (" + s.channel().label() + ")")
            .collect(Collectors.joining(", ")));
    return segments;
  }

  public static JobResult run(JobRuntime rt, Model model, List<Segment> segments,
      LocalDate date) {
    StageTimer timer = new StageTimer(LOG);
    DeltaStore store = rt.store();
    Map<String, Long> counts = new LinkedHashMap<>();
    counts.put("segments", (long) segments.size());
    if (segments.isEmpty()) {
      LOG.warn("no segments configured (leadscore.segments-file): nothing to do");
      return new JobResult("segments", date, counts, timer.seconds(), timer.elapsed(),
          List.of());
    }
    rt.requireIngested();
    ScoreHistory leadHistory = new ScoreHistory(store, T_LEAD_SCORE_HISTORY);
    if (!leadHistory.dates().contains(date)) {
      throw new IllegalStateException("no lead scores for " + date + " in "
          + store.path(T_LEAD_SCORE_HISTORY) + ": run score --date " + date + " first");
    }
    Frames frames = new Frames(rt, model, leadHistory);
    boolean email = segments.stream().anyMatch(x -> x.channel() == Segment.Channel.EMAIL);
    // Consent is a property of the lead on the date, not of a segment: worked out once.
    Dataset<Row> frame = (email ? withConsent(rt, date, frames.build(date), timer)
        : frames.build(date)).persist(StorageLevel.MEMORY_AND_DISK());
    frames.keep(date, frame);
    List<Runnable> release = new ArrayList<>();
    try {
      long leads = timer.time("read lead scores of " + date, frame::count);
      counts.put("leads_scored", leads);
      List<Dataset<Row>> members = new ArrayList<>();
      List<Row> runs = new ArrayList<>();
      for (Segment s : segments) {
        timer.time("select " + s.name(), () -> {
          Map<String, Long> heldBack = new TreeMap<>();
          Dataset<Row> selected = select(s, date, frame, heldBack);
          members.add(selected);
          runs.add(RowFactory.create(s.name(), Date.valueOf(date), s.channel().label(),
              s.where(), 0L, scala.collection.JavaConverters.mapAsScalaMap(heldBack),
              rt.runId()));
          heldBack.forEach((reason, n) ->
              counts.put("segment." + s.name() + ".held_back_" + reason, n));
        });
      }
      Dataset<Row> all = members.stream().reduce(Dataset::unionByName).orElseThrow();
      timer.time("write segment_members " + date, () -> store.replacePartition(
          T_SEGMENT_MEMBERS, all, SCORE_DATE, "DATE'" + date + "'"));
      Map<String, Long> sizes = new HashMap<>();
      for (Row r : store.read(T_SEGMENT_MEMBERS).where(col(SCORE_DATE).equalTo(lit(
          Date.valueOf(date)))).groupBy(Spells.SEGMENT).count().collectAsList()) {
        sizes.put(r.getString(0), r.getLong(1));
      }
      List<Row> withSizes = new ArrayList<>();
      for (Row r : runs) {
        withSizes.add(RowFactory.create(r.get(0), r.get(1), r.get(2), r.get(3),
            sizes.getOrDefault(r.getString(0), 0L), r.get(5), r.get(6)));
      }
      Map<String, TreeSet<LocalDate>> runDates = runDates(store, segments, date);
      timer.time("write segment_runs " + date, () -> writeRuns(rt, date, withSizes));
      boolean backfill = runDates.values().stream().anyMatch(d -> !d.tailSet(date, false)
          .isEmpty());
      timer.time("write segment_membership", () -> writeSpells(store, segments, date,
          backfill));
      counts.put("spells_rebuilt", backfill ? 1L : 0L);
      Configuration conf = rt.spark().sparkContext().hadoopConfiguration();
      List<String> outputs = new ArrayList<>(List.of(store.path(T_SEGMENT_MEMBERS)
          + " (score_date=" + date + ")", store.path(T_SEGMENT_RUNS),
          store.path(T_SEGMENT_MEMBERSHIP)));
      // The members of every date an export compares, read once for all segments.
      TreeSet<LocalDate> exported = new TreeSet<>(List.of(date));
      for (TreeSet<LocalDate> dates : runDates.values()) {
        Optional.ofNullable(dates.lower(date)).ifPresent(exported::add);
        Optional.ofNullable(dates.higher(date)).ifPresent(exported::add);
      }
      Dataset<Row> exportedMembers = store.read(T_SEGMENT_MEMBERS)
          .where(col(SCORE_DATE).isin(exported.stream().map(Date::valueOf).toArray())
              .and(col(Spells.SEGMENT).isin(segments.stream().map(Segment::name).toArray())))
          .persist(StorageLevel.MEMORY_AND_DISK());
      release.add(exportedMembers::unpersist);
      for (Segment s : segments) {
        TreeSet<LocalDate> dates = runDates.get(s.name());
        Optional<LocalDate> previous = Optional.ofNullable(dates.lower(date));
        Map<String, Long> written = timer.time("export " + s.name(), () ->
            export(rt, frames, exportedMembers, s, date, previous, conf));
        counts.put("segment." + s.name() + ".members", sizes.getOrDefault(s.name(), 0L));
        counts.put("segment." + s.name() + ".added", written.get("added.csv"));
        counts.put("segment." + s.name() + ".removed", written.get("removed.csv"));
        outputs.add(folder(rt, s, date));
        LocalDate next = dates.higher(date);
        if (next != null) {
          LOG.info("{}: {} was run already and follows {}: rewriting its added and removed"
              + " files", s.name(), next, date);
          timer.time("export " + s.name() + " " + next, () ->
              export(rt, frames, exportedMembers, s, next, Optional.of(date), conf));
          outputs.add(folder(rt, s, next));
        }
      }
      return new JobResult("segments", date, counts, timer.seconds(), timer.elapsed(),
          outputs);
    } finally {
      release.forEach(Runnable::run);
      frames.release();
      frame.unpersist();
    }
  }

  /** A segment's members of the date, with their position; counts what consent held back. */
  private static Dataset<Row> select(Segment s, LocalDate date, Dataset<Row> frame,
      Map<String, Long> heldBack) {
    Dataset<Row> matching = SegmentFrame.matching(s, frame);
    if (s.channel() == Segment.Channel.EMAIL) {
      for (String reason : Consent.REASONS) {
        heldBack.put(reason, 0L);
      }
      // At most a handful of reasons come back to the driver.
      for (Row r : matching.where(col(Consent.HELD_BACK).isNotNull())
          .groupBy(Consent.HELD_BACK).count().collectAsList()) {
        heldBack.put(r.getString(0), r.getLong(1));
      }
      long total = heldBack.values().stream().mapToLong(Long::longValue).sum();
      if (total > 0) {
        LOG.info("{} (email): {} leads held back for consent: {}", s.name(), total, heldBack);
      }
      matching = matching.where(col(Consent.HELD_BACK).isNull());
    }
    // One segment's order is one sort: its own window, by design.
    Dataset<Row> ranked = matching.withColumn(POSITION, row_number().over(
        Window.partitionBy(lit(s.name())).orderBy(SegmentFrame.order(s))).cast("long"));
    if (s.limit().isPresent()) {
      ranked = ranked.where(col(POSITION).leq(s.limit().get()));
    }
    return ranked.select(lit(s.name()).as(Spells.SEGMENT),
        lit(Date.valueOf(date)).as(SCORE_DATE), col(LEAD_ID), col(POSITION),
        lit(s.channel().label()).as(CHANNEL));
  }

  /**
   * The frame with {@link Consent#HELD_BACK}. Which leads unsubscribed or bounced is read
   * from the opt-out activities only when a lead with an opt-in is not emailable.
   */
  private static Dataset<Row> withConsent(JobRuntime rt, LocalDate date, Dataset<Row> frame,
      StageTimer timer) {
    Dataset<Row> leads = rt.store().read(T_LEADS);
    Dataset<Row> optedOut = frame.where(not(coalesce(col(EMAILABLE), lit(false))))
        .select(LEAD_ID)
        .join(leads.where(col(EMAIL_OPT_IN).equalTo(true)).select(LEAD_ID), LEAD_ID)
        .localCheckpoint();
    Dataset<Row> optOuts = optedOut.isEmpty()
        ? rt.spark().createDataFrame(List.of(), new StructType()
            .add(LEAD_ID, DataTypes.StringType).add("_unsubscribed", DataTypes.BooleanType)
            .add("_bounced", DataTypes.BooleanType))
        : timer.time("read opt-outs", () -> Consent.optOuts(date, leads,
            rt.store().read(T_ACTIVITIES), optedOut).localCheckpoint());
    return Consent.withReason(frame, leads.select(LEAD_ID, EMAIL_OPT_IN), optOuts);
  }

  private static Map<String, TreeSet<LocalDate>> runDates(DeltaStore store,
      List<Segment> segments, LocalDate date) {
    Map<String, TreeSet<LocalDate>> out = new HashMap<>();
    for (Segment s : segments) {
      TreeSet<LocalDate> dates = new TreeSet<>();
      dates.add(date);
      out.put(s.name(), dates);
    }
    if (store.exists(T_SEGMENT_RUNS)) {
      // One row per segment and run date: small.
      for (Row r : store.read(T_SEGMENT_RUNS).select(Spells.SEGMENT, SCORE_DATE)
          .collectAsList()) {
        TreeSet<LocalDate> dates = out.get(r.getString(0));
        if (dates != null) {
          dates.add(r.getDate(1).toLocalDate());
        }
      }
    }
    return out;
  }

  private static void writeRuns(JobRuntime rt, LocalDate date, List<Row> rows) {
    Dataset<Row> runs = rt.spark().createDataFrame(rows, RUNS_SCHEMA);
    DeltaStore store = rt.store();
    if (!store.exists(T_SEGMENT_RUNS)) {
      store.overwrite(T_SEGMENT_RUNS, runs);
      return;
    }
    runs.write().format("delta").mode("overwrite")
        .option("replaceWhere", SCORE_DATE + " = DATE'" + date + "'")
        .save(store.path(T_SEGMENT_RUNS));
  }

  /**
   * Advances the spells to {@code date}, or rebuilds them from segment_members when a later
   * date was run already.
   */
  private static void writeSpells(DeltaStore store, List<Segment> segments, LocalDate date,
      boolean rebuild) {
    String names = segments.stream().map(s -> "'" + s.name() + "'")
        .collect(Collectors.joining(", "));
    String inSegments = Spells.SEGMENT + " IN (" + names + ")";
    Column configured = col(Spells.SEGMENT).isin(segments.stream().map(Segment::name)
        .toArray());
    Dataset<Row> rows;
    String replace;
    if (rebuild) {
      LOG.info("{} is before a date already run: rebuilding the spells from {}", date,
          T_SEGMENT_MEMBERS);
      rows = Spells.fromMembers(store.read(T_SEGMENT_MEMBERS).where(configured),
          store.read(T_SEGMENT_RUNS).where(configured));
      replace = inSegments;
    } else {
      Dataset<Row> current = store.exists(T_SEGMENT_MEMBERSHIP)
          ? store.read(T_SEGMENT_MEMBERSHIP).where(configured.and(expr(Spells.touching(date))))
          : store.spark().createDataFrame(List.of(), Spells.SCHEMA);
      rows = Spells.advance(date, current, store.read(T_SEGMENT_MEMBERS)
          .where(col(SCORE_DATE).equalTo(lit(Date.valueOf(date))).and(configured)));
      replace = inSegments + " AND " + Spells.touching(date);
    }
    // Materialised first: the rows are read from the table they replace.
    Dataset<Row> materialised = rows.localCheckpoint();
    if (!store.exists(T_SEGMENT_MEMBERSHIP)) {
      store.overwrite(T_SEGMENT_MEMBERSHIP, materialised);
      return;
    }
    materialised.write().format("delta").mode("overwrite").option("replaceWhere", replace)
        .save(store.path(T_SEGMENT_MEMBERSHIP));
  }

  /**
   * Writes a segment's three files of one date.
   *
   * @param exportedMembers segment_members of {@code date} and {@code previous} (at least)
   * @return the records written per file
   */
  private static Map<String, Long> export(JobRuntime rt, Frames frames,
      Dataset<Row> exportedMembers, Segment s, LocalDate date, Optional<LocalDate> previous,
      Configuration conf) {
    Dataset<Row> all = exportedMembers.where(col(Spells.SEGMENT).equalTo(s.name()));
    Dataset<Row> now = all.where(col(SCORE_DATE).equalTo(lit(Date.valueOf(date))))
        .select(LEAD_ID, POSITION);
    Dataset<Row> before = previous.map(p -> all.where(col(SCORE_DATE)
            .equalTo(lit(Date.valueOf(p)))).select(LEAD_ID))
        .orElse(rt.spark().createDataFrame(List.of(), new StructType()
            .add(LEAD_ID, DataTypes.StringType)));
    // The run's own frame carries the consent reason; the files do not need it.
    Dataset<Row> frame = frames.on(date).drop(Consent.HELD_BACK);
    Dataset<Row> members = frame.join(now, LEAD_ID);
    Dataset<Row> added = members.join(before, LEAD_ID, "left_anti");
    Dataset<Row> removedIds = before.join(now, LEAD_ID, "left_anti");
    // A lead gone from the leads snapshot since has no row on date: its row of the date
    // before says who it was.
    Dataset<Row> removed = frame.join(removedIds, LEAD_ID, "left_semi");
    if (previous.isPresent()) {
      removed = removed.unionByName(frames.on(previous.get()).drop(Consent.HELD_BACK)
          .join(removedIds.join(frame, LEAD_ID, "left_anti"), LEAD_ID, "left_semi"));
    }
    String folder = folder(rt, s, date);
    Map<String, Long> written = new LinkedHashMap<>();
    written.put("members.csv", CsvFiles.write(SegmentFrame.exported(s,
        members.orderBy(POSITION)), folder + "/members.csv", conf));
    written.put("added.csv", CsvFiles.write(SegmentFrame.exported(s,
        added.orderBy(POSITION)), folder + "/added.csv", conf));
    written.put("removed.csv", CsvFiles.write(SegmentFrame.exported(s,
        removed.orderBy(LEAD_ID)), folder + "/removed.csv", conf));
    LOG.info("{} {}: {} members, {} added, {} removed since {} -> {}", s.name(), date,
        written.get("members.csv"), written.get("added.csv"), written.get("removed.csv"),
        previous.map(LocalDate::toString).orElse("(first run)"), folder);
    return written;
  }

  static String folder(JobRuntime rt, Segment s, LocalDate date) {
    String root = rt.settings().exports();
    return (root.endsWith("/") ? root.substring(0, root.length() - 1) : root)
        + "/segment=" + s.name() + "/date=" + date;
  }

  /** The frames segments see, per score date. */
  private static final class Frames {
    private final JobRuntime rt;
    private final Model model;
    private final ScoreHistory leadHistory;
    private final ScoreHistory accountHistory;
    private final Map<LocalDate, Dataset<Row>> kept = new HashMap<>();
    /** Frames this instance cached itself, freed by {@link #release}. */
    private final List<Dataset<Row>> cached = new ArrayList<>();

    Frames(JobRuntime rt, Model model, ScoreHistory leadHistory) {
      this.rt = rt;
      this.model = model;
      this.leadHistory = leadHistory;
      this.accountHistory = new ScoreHistory(rt.store(), T_ACCOUNT_SCORE_HISTORY);
    }

    /** Uses {@code frame} (cached by the caller) for {@code date} from now on. */
    void keep(LocalDate date, Dataset<Row> frame) {
      kept.put(date, frame);
    }

    /**
     * The frame of {@code date}. One built here is cached: every segment's export of the
     * date reads it (the previous date's, for the removed leads gone from the snapshot).
     */
    Dataset<Row> on(LocalDate date) {
      if (!kept.containsKey(date)) {
        Dataset<Row> built = build(date).persist(StorageLevel.MEMORY_AND_DISK());
        cached.add(built);
        kept.put(date, built);
      }
      return kept.get(date);
    }

    void release() {
      cached.forEach(Dataset::unpersist);
    }

    /** The frame of {@code date}, read afresh. */
    Dataset<Row> build(LocalDate date) {
      DeltaStore store = rt.store();
      Dataset<Row> accountScores;
      if (accountHistory.dates().contains(date)) {
        accountScores = accountHistory.on(date);
      } else {
        LOG.warn("no account scores for {} (run accounts --date {}): account_score.* is null",
            date, date);
        accountScores = rt.spark().createDataFrame(List.of(),
            computedSchemas(rt, model)[1]);
      }
      return SegmentFrame.frame(leadHistory.on(date), store.read(T_ACCOUNTS), accountScores);
    }
  }

  /** The schema segment expressions are analysed against. */
  static StructType frameSchema(JobRuntime rt, Model model) {
    DeltaStore store = rt.store();
    StructType[] computed = computedSchemas(rt, model);
    StructType leadScores = store.exists(T_LEAD_SCORE_HISTORY)
        ? store.read(T_LEAD_SCORE_HISTORY).schema() : computed[0];
    StructType accountScores = store.exists(T_ACCOUNT_SCORE_HISTORY)
        ? store.read(T_ACCOUNT_SCORE_HISTORY).schema() : computed[1];
    StructType accounts = store.exists(T_ACCOUNTS) ? store.read(T_ACCOUNTS).schema()
        : ACCOUNTS;
    return SegmentFrame.schema(rt.spark(), leadScores, accounts, accountScores);
  }

  /**
   * What score and accounts write, from empty inputs: the lead_scores and account_scores
   * schemas before either has run (a first pipeline validates segments before ingest).
   */
  static StructType[] computedSchemas(JobRuntime rt, Model model) {
    SparkSession spark = rt.spark();
    LocalDate any = LocalDate.of(2000, 1, 1);
    Dataset<Row> leads = spark.createDataFrame(List.of(), LEADS);
    Dataset<Row> accounts = spark.createDataFrame(List.of(), ACCOUNTS);
    Dataset<Row> state = spark.createDataFrame(List.of(), EngagementCarry.SCHEMA);
    Dataset<Row> leadScores = LeadScoring.score(model, any, new LeadScoring.Inputs(leads,
        accounts, EngagementCarry.perLead(model, state),
        spark.createDataFrame(List.of(), LeadScoring.PREVIOUS_SCHEMA)));
    Dataset<Row> daily = DailyCounts.perSubject(DailyCounts.resolve(leads,
        spark.createDataFrame(List.of(), ACTIVITY_DAILY)));
    Dataset<Row> accountScores = AccountScoring.score(model, any, new AccountScoring.Inputs(
        accounts, leadScores, Engagement.score(model, any, DailyCounts.ACCOUNT, daily)));
    return new StructType[] {leadScores.schema(), accountScores.schema()};
  }
}

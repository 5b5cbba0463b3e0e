package io.leadscore.bench;

import io.leadscore.common.Schemas;
import io.leadscore.jobs.Main;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cached inputs of one scale under {@code bench/data/<scale>/}: the generated landing
 * files and the two prepared warehouses ("yesterday" with 365 and with 30 days of history).
 * Each is built once, in a {@code .tmp} folder renamed when complete, and stamped with a key
 * of what it was built from; a different key rebuilds it. Measured runs only ever read the
 * cache, through copies.
 *
 * <pre>
 *   landing/      generate's output: activities/dt=YYYY-MM-DD/, leads/, accounts/, outcomes/
 *   w365/, w30/   warehouses: ingest of D-365..D-1 (or D-30..D-1), then score of D-1
 *   runs/         scratch copies of a warehouse for one measured run, deleted after it
 *   snapshots/    Parquet exports for DuckDB and the comparison
 *   leadscore.conf  the settings every job of this scale runs with
 * </pre>
 */
final class ScaleData {
  private static final Logger LOG = LoggerFactory.getLogger(ScaleData.class);
  private static final String KEY_FILE = ".bench-key";
  private static final String INGEST_KEY_FILE = ".bench-ingest-key";
  /** The last landing day ingested into a warehouse being prepared, for resuming at L. */
  static final String PROGRESS_FILE = ".bench-ingested-through";
  /** Everything a score writes, dropped when only the score of D-1 is redone. */
  private static final List<String> SCORING_TABLES = List.of(Schemas.T_ACTIVITY_DAILY,
      Schemas.T_LEAD_SCORE_HISTORY, Schemas.T_LEAD_SCORES, Schemas.T_SCORE_CHANGES,
      Schemas.T_ACCOUNT_SCORE_HISTORY, Schemas.T_ACCOUNT_SCORES,
      Schemas.T_ACCOUNT_SCORE_CHANGES, Schemas.T_ENGAGEMENT_STATE);

  final Scale scale;
  final Path root;
  final Path landing;
  final Path conf;
  final Path runs;
  final Path snapshots;
  private final Path home;
  private final Path model;
  final LocalDate date;
  private final long seed;
  private final long botEvents;

  ScaleData(Scale scale, Path dataRoot, Path home, Path model, LocalDate date, long seed,
      long botEvents) {
    this.scale = scale;
    this.root = dataRoot.resolve(scale.name() + (botEvents > 0 ? "-bot" + botEvents : ""));
    this.landing = root.resolve("landing");
    this.conf = root.resolve("leadscore.conf");
    this.runs = root.resolve("runs");
    this.snapshots = root.resolve("snapshots");
    this.home = home;
    this.model = model;
    this.date = date;
    this.seed = seed;
    this.botEvents = botEvents;
  }

  Path warehouse(int historyDays) {
    return root.resolve("w" + historyDays);
  }

  /** Writes the settings of this scale's jobs: bench/bench.conf plus the landing paths. */
  void writeConf() {
    String landingPath = landing.toAbsolutePath().toString();
    FileTrees.write(conf, String.join("\n",
        "# Written by the benchmark for scale " + scale + "; edit bench/bench.conf instead.",
        "include required(file(" + quote(home.resolve("bench/bench.conf").toAbsolutePath()
            .toString()) + "))",
        "leadscore {",
        "  model-file = " + quote(model.toAbsolutePath().toString()),
        // The daily rows run segments as a user's pipeline does: the shipped segments,
        // exported next to the measured run's warehouse copy.
        "  segments-file = " + quote(home.resolve("conf/segments.conf").toAbsolutePath()
            .toString()),
        "  exports = " + quote(runs.resolve("exports").toAbsolutePath().toString()),
        "  inputs {",
        "    activities { path = " + quote(landingPath + "/activities")
            + ", layout = \"dt={date}\", format = jsonl }",
        "    leads    { path = " + quote(landingPath + "/leads") + ", format = csv }",
        "    accounts { path = " + quote(landingPath + "/accounts") + ", format = csv }",
        "    outcomes { path = " + quote(landingPath + "/outcomes") + ", format = csv }",
        "  }",
        "}", ""));
  }

  /** What the landing files are made from: the spec and the generator's code. */
  String datasetKey() {
    return "scale=" + scale + " leads=" + scale.leads + " accounts=" + scale.accounts
        + " events=" + scale.events + " days=" + Scale.DAYS + " end-date=" + date + " seed="
        + seed + (botEvents > 0 ? " bot-events=" + botEvents : "") + " generator="
        + new Fingerprint()
            .add(home, "common/src/main/java/io/leadscore/common/generate")
            .add(home, "jobs/src/main/java/io/leadscore/jobs/GenerateCommand.java").hex();
  }

  /**
   * What a warehouse's ingested tables are made from: the data, the ingest code and the
   * settings. Scoring code is left out on purpose: at L the ingest takes an hour, and a change
   * to scoring only needs the score of D-1 redone ({@link #warehouseKey}).
   */
  String ingestKey(int historyDays) {
    return datasetKey() + " history=" + historyDays + " ingest-code=" + new Fingerprint()
        .add(home, "common/src/main/java/io/leadscore/common/ingest")
        .add(home, "common/src/main/java/io/leadscore/common/identity")
        .add(home, "common/src/main/java/io/leadscore/common/config/AppSettings.java")
        .add(home, "common/src/main/java/io/leadscore/common/storage")
        .add(home, "common/src/main/java/io/leadscore/common/Schemas.java")
        .add(home, "common/src/main/java/io/leadscore/common/Text.java")
        .add(home, "jobs/src/main/java/io/leadscore/jobs/IngestJob.java")
        .add(home, "pom.xml").add(home, "bench/bench.conf").hex();
  }

  /** What a prepared warehouse is made from: its ingest, all the jobs' code and the model. */
  String warehouseKey(int historyDays) {
    return ingestKey(historyDays) + " code=" + new Fingerprint()
        .add(home, "common/src/main").add(home, "jobs/src/main").add(model.toString())
        .add(FileTrees.read(model)).hex();
  }

  /** Generates the landing files unless a complete copy with the same key is cached. */
  void ensureDataset() {
    String key = datasetKey();
    if (isCurrent(landing, key)) {
      LOG.info("bench {}: landing files cached in {}", scale, landing);
      return;
    }
    Path tmp = root.resolve("landing.tmp");
    FileTrees.deleteTree(tmp);
    LOG.info("bench {}: generating {} into {}", scale, scale.describe(), landing);
    job("generate", "--conf", conf.toString(), "--out", tmp.toString(),
        "--leads", String.valueOf(scale.leads), "--accounts", String.valueOf(scale.accounts),
        "--days", String.valueOf(Scale.DAYS), "--events", String.valueOf(scale.events),
        "--seed", String.valueOf(seed), "--end-date", date.toString(),
        "--bot-events", String.valueOf(botEvents));
    replace(tmp, landing, key);
  }

  /**
   * Builds the warehouse of "yesterday" with {@code historyDays} landing days (D-history ..
   * D-1 as one ingest batch, then a score of D-1) unless it is cached with the same key.
   *
   * @param batchDays when positive, ingest in batches of that many landing days instead of
   *     one batch (for memory at scale L); the tables end up the same
   */
  void ensureWarehouse(int historyDays, int batchDays) {
    Path target = warehouse(historyDays);
    String key = warehouseKey(historyDays);
    if (isCurrent(target, key)) {
      LOG.info("bench {}: warehouse w{} cached in {}", scale, historyDays, target);
      return;
    }
    Path tmp = root.resolve("w" + historyDays + ".tmp");
    LocalDate first = date.minusDays(historyDays);
    LocalDate last = date.minusDays(1);
    String ingestKey = ingestKey(historyDays);
    if (ingestKey.equals(trimmed(FileTrees.read(target.resolve(INGEST_KEY_FILE))))) {
      LOG.info("bench {}: w{}: ingested tables still current, only the score of {} is redone",
          scale, historyDays, last);
      FileTrees.deleteTree(tmp);
      FileTrees.move(target, tmp);
    } else if (ingestKey.equals(trimmed(FileTrees.read(tmp.resolve(INGEST_KEY_FILE))))) {
      LOG.info("bench {}: w{}: ingest completed before an interruption, only the score of {}"
          + " is redone", scale, historyDays, last);
    } else {
      LocalDate from = resumeFrom(tmp, ingestKey, first);
      LOG.info("bench {}: preparing w{}: ingest {} .. {}, score {}", scale, historyDays, from,
          last, last);
      while (!from.isAfter(last)) {
        LocalDate to = batchDays > 0 ? min(from.plusDays(batchDays - 1L), last) : last;
        job(jobArgs("ingest", tmp, "--from", from.toString(), "--date", to.toString()));
        FileTrees.write(tmp.resolve(PROGRESS_FILE), ingestKey + " through=" + to + "\n");
        from = to.plusDays(1);
      }
      FileTrees.write(tmp.resolve(INGEST_KEY_FILE), ingestKey + "\n");
    }
    for (String table : SCORING_TABLES) {
      FileTrees.deleteTree(tmp.resolve(table));
    }
    job(jobArgs("score", tmp, "--date", last.toString()));
    replace(tmp, target, key);
  }

  /**
   * Where an interrupted preparation of {@code tmp} picks up: the day after its last completed
   * ingest batch when that batch was made from the same inputs and code, else {@code first}
   * in an emptied folder. A batch cut short is simply ingested again: ingest is idempotent.
   */
  LocalDate resumeFrom(Path tmp, String ingestKey, LocalDate first) {
    String progress = trimmed(FileTrees.read(tmp.resolve(PROGRESS_FILE)));
    String prefix = ingestKey + " through=";
    if (progress != null && progress.startsWith(prefix)) {
      LocalDate through = LocalDate.parse(progress.substring(prefix.length()));
      LOG.info("bench {}: resuming an interrupted preparation after {}", scale, through);
      return through.plusDays(1);
    }
    FileTrees.deleteTree(tmp);
    return first;
  }

  /** The arguments of a leadscore job against {@code warehouse} with this scale's settings. */
  String[] jobArgs(String job, Path warehouse, String... more) {
    List<String> args = new ArrayList<>(List.of(job, "--conf", conf.toString(), "--model",
        model.toString(), "--warehouse", warehouse.toString()));
    args.addAll(List.of(more));
    return args.toArray(new String[0]);
  }

  /** The landing lines of day {@code day}: the rows an ingest of that day reads. */
  long landingLines(LocalDate day) {
    return FileTrees.lines(landing.resolve("activities/dt=" + day));
  }

  static void job(String... args) {
    int exit = Main.execute(args);
    if (exit != 0) {
      throw new IllegalStateException("leadscore " + String.join(" ", args)
          + " failed with exit code " + exit + " (its reason is logged above)");
    }
  }

  private boolean isCurrent(Path dir, String key) {
    String stored = FileTrees.read(dir.resolve(KEY_FILE));
    if (stored == null) {
      return false;
    }
    if (!stored.trim().equals(key)) {
      LOG.info("bench {}: {} was built from other inputs or code; rebuilding\n  was: {}\n  now:"
          + " {}", scale, dir, stored.trim(), key);
      return false;
    }
    return true;
  }

  private static void replace(Path tmp, Path target, String key) {
    FileTrees.write(tmp.resolve(KEY_FILE), key + "\n");
    FileTrees.deleteTree(target);
    FileTrees.move(tmp, target);
  }

  private static String trimmed(String s) {
    return s == null ? null : s.trim();
  }

  private static LocalDate min(LocalDate a, LocalDate b) {
    return a.isBefore(b) ? a : b;
  }

  private static String quote(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}

package io.leadscore.common.report;

import static io.leadscore.common.Schemas.*;
import static org.apache.spark.sql.functions.*;

import io.leadscore.common.config.Model;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;

/**
 * The aggregates behind the report page and the {@code report_*} tables. Each is small
 * whatever the number of leads (buckets, a 4 × 3 matrix, one row per date, rule or run, the
 * top 25), so the page is built from these and never from lead rows. The job stamps each
 * with the report's {@code score_date} and writes it as that date's partition.
 */
public final class ReportAggregates {
  private ReportAggregates() {}

  // tables, all partitioned by score_date (the report's date)
  public static final String T_REPORT_DAILY = "report_daily";
  public static final String T_REPORT_DISTRIBUTION = "report_distribution";
  public static final String T_REPORT_PRIORITY = "report_priority";
  public static final String T_REPORT_TREND = "report_trend";
  public static final String T_REPORT_TRANSITIONS = "report_transitions";
  public static final String T_REPORT_TOP_ACCOUNTS = "report_top_accounts";
  public static final String T_REPORT_TOP_LEADS = "report_top_leads";
  public static final String T_REPORT_RULES = "report_rules";
  public static final String T_REPORT_INGEST = "report_ingest";
  public static final String T_REPORT_REJECTS = "report_rejects";
  public static final String T_REPORT_SEGMENTS = "report_segments";
  public static final String T_REPORT_BACKTEST = "report_backtest";

  public static final List<String> TABLES = List.of(T_REPORT_DAILY, T_REPORT_DISTRIBUTION,
      T_REPORT_PRIORITY, T_REPORT_TREND, T_REPORT_TRANSITIONS, T_REPORT_TOP_ACCOUNTS,
      T_REPORT_TOP_LEADS, T_REPORT_RULES, T_REPORT_INGEST, T_REPORT_REJECTS, T_REPORT_SEGMENTS,
      T_REPORT_BACKTEST);

  // columns
  public static final String MEASURE = "measure";
  public static final String BUCKET = "bucket";
  public static final String LOWER = "lower";
  public static final String UPPER = "upper";
  public static final String LEADS = "leads";
  public static final String DAY = "day";
  public static final String MQLS = "mqls";
  public static final String HOT_LEADS = "hot_leads";
  public static final String RANK = "rank";
  public static final String LEAD_NAME = "lead_name";
  public static final String ACCOUNT_NAME = "account_name";
  public static final String KIND = "kind";
  public static final String TOTAL_POINTS = "total_points";
  public static final String RUN_ID = "ingest_run_id";
  public static final String RUN_DATE = "run_date";
  public static final String STARTED_AT = "started_at";
  public static final String ROWS_READ = "rows_read";
  public static final String ACCEPTED = "accepted";
  public static final String DUPLICATES = "duplicates";
  public static final String REJECTED = "rejected";
  public static final String ROWS = "rows";
  public static final String SEGMENT = "segment";
  public static final String ENTERED_ON = "entered_on";
  public static final String EXITED_ON = "exited_on";
  public static final String SIZE = "size";
  public static final String ADDED = "added";
  public static final String REMOVED = "removed";

  /** What each rule kind is called in {@code report_rules}. */
  public static final String ENGAGEMENT = "engagement";
  public static final String FIT = "fit";

  public static final List<String> GRADES = List.of("A", "B", "C", "D");
  public static final List<String> BANDS = List.of("hot", "warm", "cold");

  /**
   * A histogram of {@code column} (a score in [0, max]) in {@code buckets} equal buckets:
   * measure, bucket (0-based), lower, upper, leads. Empty buckets are rows with 0, so every
   * date's histogram has the same bars; the top bucket includes {@code max}.
   */
  public static Dataset<Row> distribution(String measure, String column, double max,
      int buckets, Dataset<Row> scores) {
    double width = max / buckets;
    Column index = least(greatest(floor(col(column).divide(width)), lit(0L)),
        lit((long) buckets - 1));
    Dataset<Row> counts = scores.where(col(column).isNotNull())
        .groupBy(index.as(BUCKET)).agg(count(lit(1)).as(LEADS));
    return scores.sparkSession().range(buckets).toDF(BUCKET)
        .join(counts, new String[] {BUCKET}, "left")
        .select(lit(measure).as(MEASURE), col(BUCKET).cast("int").as(BUCKET),
            col(BUCKET).multiply(width).as(LOWER), col(BUCKET).plus(1).multiply(width).as(UPPER),
            coalesce(col(LEADS), lit(0L)).as(LEADS));
  }

  /** Leads per grade and band, every one of the 12 cells (A1 ... D3), empty ones at 0. */
  public static Dataset<Row> priorityMatrix(Dataset<Row> scores) {
    Dataset<Row> counts = scores.groupBy(GRADE, BAND).agg(count(lit(1)).as(LEADS));
    Dataset<Row> grid = scores.sparkSession().createDataset(GRADES, Encoders.STRING()).toDF(GRADE)
        .crossJoin(scores.sparkSession().createDataset(BANDS, Encoders.STRING()).toDF(BAND));
    Column digit = when(col(BAND).equalTo("hot"), "1").when(col(BAND).equalTo("warm"), "2")
        .otherwise("3");
    return grid.join(counts, new String[] {GRADE, BAND}, "left")
        .select(col(GRADE), col(BAND), concat(col(GRADE), digit).as(PRIORITY),
            coalesce(col(LEADS), lit(0L)).as(LEADS));
  }

  /** Per scored date of {@code history} (already limited to the dates wanted): leads, MQLs, hot leads. */
  public static Dataset<Row> trend(Dataset<Row> history) {
    return history.groupBy(col(SCORE_DATE).as(DAY)).agg(
        count(lit(1)).as(LEADS),
        count(when(col(STAGE).equalTo("mql"), true)).as(MQLS),
        count(when(col(BAND).equalTo("hot"), true)).as(HOT_LEADS),
        max(col(MODEL_VERSION)).as(MODEL_VERSION));
  }

  /** Stage transitions per date of {@code changes}: day, from, to, leads (a null from: new lead). */
  public static Dataset<Row> stageTransitions(Dataset<Row> changes) {
    return changes.where(col(WHAT).equalTo(STAGE))
        .groupBy(col(SCORE_DATE).as(DAY), col(FROM), col(TO))
        .agg(count(lit(1)).as(LEADS));
  }

  /**
   * The {@code n} best leads of one date, in the order accounts pick their best lead: best
   * priority, then higher engagement, higher fit, smaller lead_id. With the account's name.
   */
  public static Dataset<Row> topLeads(int n, Dataset<Row> scores, Dataset<Row> accounts) {
    Dataset<Row> top = scores.orderBy(col(PRIORITY).asc(), col(ENGAGEMENT_SCORE).desc(),
        col(FIT_SCORE).desc(), col(LEAD_ID).asc()).limit(n);
    return top.join(accounts.select(col(ACCOUNT_ID), col(NAME).as(ACCOUNT_NAME)),
            new String[] {ACCOUNT_ID}, "left")
        .select(row_number().over(ranked(col(PRIORITY).asc(), col(ENGAGEMENT_SCORE).desc(),
                col(FIT_SCORE).desc(), col(LEAD_ID).asc())).as(RANK),
            col(LEAD_ID),
            trim(concat_ws(" ", col(FIRST_NAME), col(LAST_NAME))).as(LEAD_NAME),
            col(JOB_TITLE), col(ACCOUNT_ID), col(ACCOUNT_NAME), col(PRIORITY), col(STAGE),
            col(FIT_SCORE), col(ENGAGEMENT_SCORE), col(TOP_REASONS));
  }

  /**
   * The {@code n} most engaged accounts of one date: higher engagement, then wider committee
   * coverage, higher fit, smaller account_id. With the name and the best lead.
   */
  public static Dataset<Row> topAccounts(int n, Dataset<Row> accountScores,
      Dataset<Row> accounts) {
    Column[] order = {col(ENGAGEMENT_SCORE).desc(), col(COMMITTEE_COVERAGE).desc(),
        col(FIT_SCORE).desc(), col(ACCOUNT_ID).asc()};
    Dataset<Row> top = accountScores.orderBy(order).limit(n);
    return top.join(accounts.select(col(ACCOUNT_ID), col(NAME).as(ACCOUNT_NAME)),
            new String[] {ACCOUNT_ID}, "left")
        .select(row_number().over(ranked(order)).as(RANK),
            col(ACCOUNT_ID), col(ACCOUNT_NAME), col(GRADE), col(BAND), col(FIT_SCORE),
            col(ENGAGEMENT_SCORE), col(LEADS_COUNT), col(ENGAGED_LEADS), col(PERSONAS_COVERED),
            col(COMMITTEE_COVERAGE), col(BEST_LEAD_ID), col(BEST_LEAD_PRIORITY));
  }

  /** Ranks the few rows left after a limit: one partition on purpose (named, so Spark does not warn). */
  private static WindowSpec ranked(Column... order) {
    return Window.partitionBy(lit(0)).orderBy(order);
  }

  /**
   * Per rule of one date's scores: the leads it contributed to (non-zero points) and its total
   * points; kind is engagement, fit or inactivity, from the model.
   */
  public static Dataset<Row> rules(Model model, Dataset<Row> scores) {
    List<String> engagement = new ArrayList<>();
    model.engagement().rules().forEach(r -> engagement.add(r.name()));
    List<String> fit = new ArrayList<>();
    model.fit().rules().forEach(r -> fit.add(r.name()));
    Column kind = when(col(RULE).equalTo(Model.INACTIVITY), Model.INACTIVITY)
        .when(col(RULE).isin(engagement.toArray()), ENGAGEMENT)
        .when(col(RULE).isin(fit.toArray()), FIT)
        .otherwise("other");
    return scores.select(explode(col(CONTRIBUTIONS)).as(new String[] {RULE, "points"}))
        .where(col("points").notEqual(0))
        .groupBy(RULE)
        .agg(count(lit(1)).as(LEADS), round(sum("points"), 2).as(TOTAL_POINTS))
        .withColumn(KIND, kind)
        .select(RULE, KIND, LEADS, TOTAL_POINTS);
  }

  /**
   * The ingest runs of {@code runLog} (already limited to the runs wanted) with their
   * reconciliation counts: rows read, accepted, duplicates, rejected.
   */
  public static Dataset<Row> ingestRuns(Dataset<Row> runLog, String rowsRead, String accepted,
      String duplicates, String rejected) {
    return runLog.select(col("run_id").as(RUN_ID), col(RUN_DATE), col(STARTED_AT),
        coalesce(col("counts").getItem(rowsRead), lit(0L)).as(ROWS_READ),
        coalesce(col("counts").getItem(accepted), lit(0L)).as(ACCEPTED),
        coalesce(col("counts").getItem(duplicates), lit(0L)).as(DUPLICATES),
        coalesce(col("counts").getItem(rejected), lit(0L)).as(REJECTED));
  }

  /** Rejected rows per ingest run of {@code runs} and reason. */
  public static Dataset<Row> rejects(Dataset<Row> runs, Dataset<Row> rejected) {
    return rejected.join(runs.select(col(RUN_ID).as(INGEST_RUN_ID)),
            new String[] {INGEST_RUN_ID}, "left_semi")
        .groupBy(col(INGEST_RUN_ID).as(RUN_ID), col(REASON))
        .agg(count(lit(1)).as(ROWS));
  }

  /**
   * Segment sizes on each of {@code days} from membership spells (segment, lead_id,
   * entered_on, exited_on: in from entered_on until the day before exited_on): segment, day,
   * size, added (entered that day), removed (exited that day). Spells are first counted per
   * segment and day, so the rest works on a handful of rows.
   */
  public static Dataset<Row> segments(Dataset<Row> days, Dataset<Row> spells) {
    Dataset<Row> entered = spells.groupBy(col(SEGMENT), col(ENTERED_ON).as("_on"))
        .agg(count(lit(1)).as(ADDED)).withColumn(REMOVED, lit(0L));
    Dataset<Row> exited = spells.where(col(EXITED_ON).isNotNull())
        .groupBy(col(SEGMENT), col(EXITED_ON).as("_on"))
        .agg(count(lit(1)).as(REMOVED)).withColumn(ADDED, lit(0L));
    Dataset<Row> events = entered.unionByName(exited).groupBy(SEGMENT, "_on")
        .agg(sum(ADDED).as("_added"), sum(REMOVED).as("_removed"));
    Dataset<Row> grid = events.select(SEGMENT).distinct().crossJoin(days.select(col(DAY)));
    Dataset<Row> g = grid.as("g");
    Dataset<Row> e = events.as("e");
    return g.join(e, col("g." + SEGMENT).equalTo(col("e." + SEGMENT))
            .and(col("e._on").leq(col("g." + DAY))), "left")
        .groupBy(col("g." + SEGMENT).as(SEGMENT), col("g." + DAY).as(DAY))
        .agg(coalesce(sum("e._added"), lit(0L)).minus(coalesce(sum("e._removed"), lit(0L)))
                .as(SIZE),
            coalesce(sum(when(col("e._on").equalTo(col("g." + DAY)), col("e._added"))), lit(0L))
                .as(ADDED),
            coalesce(sum(when(col("e._on").equalTo(col("g." + DAY)), col("e._removed"))),
                lit(0L)).as(REMOVED));
  }
}

package io.leadscore.common.segments;

import static io.leadscore.common.Schemas.*;
import static org.apache.spark.sql.functions.*;

import java.time.LocalDate;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Segment membership as spells (SPEC §6 {@code segment_membership}): a lead is in a segment
 * from {@code entered_on}, the first run date of an unbroken run of run dates it was a member
 * on, to {@code exited_on}, the first run date after it on which it was not (null while it is
 * in). Run dates are the dates the segment was computed on, so a weekend without a run
 * breaks nothing.
 */
public final class Spells {
  private Spells() {}

  public static final String SEGMENT = "segment";
  public static final String ENTERED_ON = "entered_on";
  public static final String EXITED_ON = "exited_on";

  public static final StructType SCHEMA = new StructType()
      .add(SEGMENT, DataTypes.StringType, false)
      .add(LEAD_ID, DataTypes.StringType, false)
      .add(ENTERED_ON, DataTypes.DateType, false)
      .add(EXITED_ON, DataTypes.DateType, true);

  /**
   * The spells after running {@code date}, the segment's latest run date, from the spells as
   * they were (only those open on, or touching, {@code date} are needed: {@link
   * #touching}) and the members of {@code date}. A rerun of the latest date first undoes
   * what it did, so it changes nothing. The result replaces {@link #touching} rows.
   *
   * @param spells spells with exited_on null or on or after {@code date}
   * @param members segment, lead_id of {@code date}
   */
  public static Dataset<Row> advance(LocalDate date, Dataset<Row> spells, Dataset<Row> members) {
    Column d = lit(date.toString()).cast("date");
    // Open just before date: still open, or closed by date itself (a rerun).
    Dataset<Row> open = spells
        .where(col(ENTERED_ON).lt(d).and(col(EXITED_ON).isNull().or(col(EXITED_ON).equalTo(d))))
        .select(SEGMENT, LEAD_ID, ENTERED_ON);
    Dataset<Row> in = members.select(SEGMENT, LEAD_ID).distinct();
    String[] key = {SEGMENT, LEAD_ID};
    Dataset<Row> stay = open.join(in, key, "left_semi")
        .withColumn(EXITED_ON, lit(null).cast("date"));
    Dataset<Row> leave = open.join(in, key, "left_anti").withColumn(EXITED_ON, d);
    Dataset<Row> enter = in.join(open, key, "left_anti")
        .withColumn(ENTERED_ON, d).withColumn(EXITED_ON, lit(null).cast("date"));
    return shaped(stay).unionByName(shaped(leave)).unionByName(shaped(enter));
  }

  /** SQL for the spells {@link #advance} replaces (with the segments' own condition). */
  public static String touching(LocalDate date) {
    return "(" + EXITED_ON + " IS NULL OR " + EXITED_ON + " >= DATE'" + date + "')";
  }

  /**
   * All spells from every run date's members: the rebuild used when a date before the
   * latest is run.
   *
   * @param members segment, score_date, lead_id
   * @param runDates segment, score_date: every date each segment was run, members or not
   */
  public static Dataset<Row> fromMembers(Dataset<Row> members, Dataset<Row> runDates) {
    Dataset<Row> dates = runDates.select(SEGMENT, SCORE_DATE).distinct()
        .withColumn("_idx", row_number().over(Window.partitionBy(SEGMENT).orderBy(SCORE_DATE)))
        .withColumn("_next", lead(col(SCORE_DATE), 1).over(
            Window.partitionBy(SEGMENT).orderBy(SCORE_DATE)));
    Dataset<Row> indexed = members.select(SEGMENT, SCORE_DATE, LEAD_ID).distinct()
        .join(dates, new String[] {SEGMENT, SCORE_DATE})
        .withColumn("_island", col("_idx").minus(row_number().over(
            Window.partitionBy(SEGMENT, LEAD_ID).orderBy("_idx"))));
    return shaped(indexed.groupBy(SEGMENT, LEAD_ID, "_island")
        .agg(min(SCORE_DATE).as(ENTERED_ON),
            max_by(col("_next"), col("_idx")).as(EXITED_ON)));
  }

  private static Dataset<Row> shaped(Dataset<Row> rows) {
    return rows.select(col(SEGMENT), col(LEAD_ID), col(ENTERED_ON), col(EXITED_ON));
  }
}

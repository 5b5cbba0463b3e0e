package io.leadscore.common.backtest;

import static org.apache.spark.sql.functions.*;

import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.expressions.WindowSpec;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Ranking metrics computed inside Spark: only a handful of numbers reach the driver, never
 * a lead's score, so they work on any number of leads.
 */
public final class RankMetrics {
  private RankMetrics() {}

  public static final String DECILE = "decile";
  private static final String POSITION = "_position";

  /**
   * The exact area under the ROC curve of {@code score} for the 0/1 {@code label}: the
   * Mann–Whitney statistic, the chance that a random positive scores above a random negative,
   * a tie counting one half:
   *
   * <pre>
   *   AUC = sum over distinct scores s of pos(s) * (neg(&lt; s) + neg(s) / 2) / (P * N)
   * </pre>
   *
   * Leads are first grouped by score, so the running sum over scores sees one row per
   * distinct score (scores are rounded to 2 decimals: at most a few ten thousand rows, which
   * is why an unpartitioned window is fine here). NaN when there are no positives or no
   * negatives.
   */
  public static double auc(Dataset<Row> rows, Column score, Column label) {
    Dataset<Row> byScore = rows
        .groupBy(score.as("_s"))
        .agg(sum(label).cast("double").as("_pos"),
            sum(lit(1).minus(label)).cast("double").as("_neg"));
    WindowSpec below = Window.orderBy(col("_s")).rowsBetween(Window.unboundedPreceding(), -1);
    Row r = byScore
        .withColumn("_neg_below", coalesce(sum("_neg").over(below), lit(0.0)))
        .agg(sum(col("_pos").multiply(col("_neg_below").plus(col("_neg").multiply(0.5)))),
            sum("_pos"), sum("_neg"))
        .first();
    if (r.isNullAt(0) || r.getDouble(1) == 0 || r.getDouble(2) == 0) {
      return Double.NaN;
    }
    return r.getDouble(0) / (r.getDouble(1) * r.getDouble(2));
  }

  /**
   * Adds {@code decile} (1 = the tenth with the highest {@code score}, 10 the lowest): the
   * rows sorted by score, descending, in Spark (a range-partitioned sort) and numbered in
   * that order; decile = floor(10 * position / n) + 1, so every decile holds a tenth of the
   * rows. Ties are broken by a hash of the id, then the id: arbitrary but reproducible, and
   * unrelated to how ids were assigned.
   *
   * @param n the number of rows
   */
  public static Dataset<Row> withDecile(Dataset<Row> rows, String id, Column score, long n) {
    Dataset<Row> sorted = rows.select(col(id), score.as("_s"))
        .orderBy(col("_s").desc(), xxhash64(col(id)), col(id));
    JavaRDD<Row> numbered = sorted.javaRDD().zipWithIndex()
        .map(t -> RowFactory.create(t._1().get(0), t._2()));
    StructType schema = new StructType()
        .add(id, DataTypes.StringType)
        .add(POSITION, DataTypes.LongType);
    Dataset<Row> positions = rows.sparkSession().createDataFrame(numbered, schema);
    return rows.join(positions, id)
        .withColumn(DECILE, floor(col(POSITION).multiply(10).divide(Math.max(n, 1))).plus(1)
            .cast("int"))
        .drop(POSITION);
  }

  /** The deciles' labels, so a caller can list empty ones. */
  public static List<String> decileNames() {
    return List.of("1", "2", "3", "4", "5", "6", "7", "8", "9", "10");
  }
}

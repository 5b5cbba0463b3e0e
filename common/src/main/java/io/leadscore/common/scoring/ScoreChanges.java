package io.leadscore.common.scoring;

import static io.leadscore.common.Schemas.*;
import static org.apache.spark.sql.functions.*;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Change events between two scored dates: one row per subject and changed attribute (grade,
 * band, stage), with the scores before and after — the feed a CRM sync or an alert reads.
 *
 * <p>A subject scored on D but not on the previous date (a new lead) changes from null. On
 * the first scored date there is nothing to compare with, so there are no rows.
 */
public final class ScoreChanges {
  private ScoreChanges() {}

  public static final String FIT_BEFORE = "fit_score_before";
  public static final String FIT_AFTER = "fit_score_after";
  public static final String ENGAGEMENT_BEFORE = "engagement_score_before";
  public static final String ENGAGEMENT_AFTER = "engagement_score_after";

  /**
   * @param key the subject's key column (lead_id or account_id)
   * @param whats the attributes compared, in the order rows are reported
   * @param current the rows scored on {@code date}
   * @param previous the rows of the latest scored date before {@code date}, if there is one
   */
  public static Dataset<Row> between(String key, List<String> whats, LocalDate date,
      Dataset<Row> current, Optional<Previous> previous) {
    List<String> columns = new ArrayList<>(whats);
    columns.add(FIT_SCORE);
    columns.add(ENGAGEMENT_SCORE);
    Dataset<Row> before = previous.map(Previous::rows).orElse(current.where(lit(false)))
        .select(prefixed(key, columns, "p_"));
    List<Column> candidates = new ArrayList<>();
    for (String what : whats) {
      candidates.add(struct(lit(what).as(WHAT), col("p_" + what).as(FROM),
          col(what).as(TO)));
    }
    Column previousDate = previous.map(p -> lit(p.date().toString()).cast("date"))
        .orElse(lit(null).cast("date"));
    List<Column> after = new ArrayList<>(List.of(prefixed(key, columns, "")));
    after.add(col(MODEL_VERSION));
    return current.select(after.toArray(new Column[0]))
        .join(before, key, "left")
        .select(col(key), explode(filter(array(candidates.toArray(new Column[0])),
                c -> not(c.getField(FROM).eqNullSafe(c.getField(TO))))).as("c"),
            col("p_" + FIT_SCORE).as(FIT_BEFORE), col(FIT_SCORE).as(FIT_AFTER),
            col("p_" + ENGAGEMENT_SCORE).as(ENGAGEMENT_BEFORE),
            col(ENGAGEMENT_SCORE).as(ENGAGEMENT_AFTER), col(MODEL_VERSION))
        .where(lit(previous.isPresent()))
        .select(col(key), lit(date.toString()).cast("date").as(SCORE_DATE),
            previousDate.as(PREVIOUS_SCORE_DATE), col("c." + WHAT).as(WHAT),
            col("c." + FROM).as(FROM), col("c." + TO).as(TO), col(FIT_BEFORE), col(FIT_AFTER),
            col(ENGAGEMENT_BEFORE), col(ENGAGEMENT_AFTER), col(MODEL_VERSION));
  }

  /** The rows of an earlier scored date. */
  public record Previous(LocalDate date, Dataset<Row> rows) {}

  private static Column[] prefixed(String key, List<String> columns, String prefix) {
    List<Column> out = new ArrayList<>();
    out.add(col(key));
    for (String c : columns) {
      out.add(col(c).as(prefix + c));
    }
    return out.toArray(new Column[0]);
  }
}

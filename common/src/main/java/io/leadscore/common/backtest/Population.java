package io.leadscore.common.backtest;

import static io.leadscore.common.Schemas.*;
import static org.apache.spark.sql.functions.*;

import io.leadscore.common.Text;
import java.time.LocalDate;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Who a backtest as of cutoff C judges, and the label it judges them by: every lead of the
 * snapshot, labelled {@code converted} = 1 when it reached a conversion outcome with an
 * occurred_at (UTC date) in (C, C + N]. Leads created after C (they did not exist yet) and
 * leads that had already converted on or before C (nothing left to predict) are marked
 * with an {@code exclusion} reason so the caller can count and drop them. A lead with no
 * created_at is taken to exist.
 */
public final class Population {
  private Population() {}

  public static final String CONVERTED = "converted";
  public static final String EXCLUSION = "exclusion";
  public static final String CREATED_AFTER = "created_after_cutoff";
  public static final String CONVERTED_BEFORE = "converted_before_cutoff";

  /** lead_id, exclusion (null when judged), converted (0 or 1). */
  public static Dataset<Row> labelled(LocalDate cutoff, int horizonDays,
      List<String> conversionOutcomes, Dataset<Row> leads, Dataset<Row> outcomes) {
    Column c = lit(cutoff.toString()).cast("date");
    Column end = lit(cutoff.plusDays(horizonDays).toString()).cast("date");
    Column day = to_date(col(OCCURRED_AT));
    Dataset<Row> conversions = outcomes
        .where(Text.normalized(col(OUTCOME)).isin(conversionOutcomes.stream()
            .map(o -> o.trim().toLowerCase(Locale.ROOT)).toArray())
            .and(Text.clean(col(LEAD_ID)).isNotNull()))
        .groupBy(Text.clean(col(LEAD_ID)).as(LEAD_ID))
        .agg(max(when(day.leq(c), 1).otherwise(0)).as("_before"),
            max(when(day.gt(c).and(day.leq(end)), 1).otherwise(0)).as("_within"));
    Column exclusion = when(to_date(col(CREATED_AT)).gt(c), lit(CREATED_AFTER))
        .when(coalesce(col("_before"), lit(0)).equalTo(1), lit(CONVERTED_BEFORE));
    return leads.select(col(LEAD_ID), col(CREATED_AT))
        .join(conversions, LEAD_ID, "left")
        .select(col(LEAD_ID), exclusion.as(EXCLUSION),
            coalesce(col("_within"), lit(0)).as(CONVERTED));
  }
}

package io.leadscore.common.scoring;

import static io.leadscore.common.Schemas.CRM_OVERRIDE_STAGES;
import static org.apache.spark.sql.functions.*;

import io.leadscore.common.config.Model.Lifecycle;
import org.apache.spark.sql.Column;

/** The lifecycle stage of SPEC §4 and §8.12, with hysteresis between mql and recycled. */
public final class Stages {
  private Stages() {}

  public static final String MQL = "mql";
  public static final String RECYCLED = "recycled";
  public static final String NURTURE = "nurture";

  /**
   * A CRM stage of sql, opportunity, customer or disqualified wins. Otherwise a lead that
   * qualifies (grade in mql.grades, engagement >= min-engagement) is mql; an mql stays mql
   * until engagement < recycle-below, then is recycled until it qualifies again. Without a
   * previous stage, or after a CRM stage fell back to lead, the previous stage is nurture.
   */
  public static Column stage(Lifecycle lifecycle, Column crmStage, Column previousStage,
      Column grade, Column engagement) {
    Column previous = when(previousStage.isNull()
        .or(previousStage.isin(CRM_OVERRIDE_STAGES.toArray())), lit(NURTURE))
        .otherwise(previousStage);
    Column qualifies = grade.isin(lifecycle.mqlGrades().toArray())
        .and(engagement.geq(lifecycle.minEngagement()));
    return when(crmStage.isin(CRM_OVERRIDE_STAGES.toArray()), crmStage)
        .when(qualifies, lit(MQL))
        .when(previous.equalTo(MQL).and(engagement.geq(lifecycle.recycleBelow())), lit(MQL))
        .when(previous.equalTo(MQL).or(previous.equalTo(RECYCLED)), lit(RECYCLED))
        .otherwise(lit(NURTURE));
  }
}

package io.leadscore.common.scoring;

import static org.apache.spark.sql.functions.*;

import io.leadscore.common.config.Model;
import org.apache.spark.sql.Column;

/** The scales shared by lead and account scores (SPEC §3, §4): clamping, grades, bands. */
public final class Scales {
  private Scales() {}

  public static final String HOT = "hot";
  public static final String WARM = "warm";
  public static final String COLD = "cold";

  /** clamp(x, 0, max) */
  public static Column clamp(Column x, double max) {
    return greatest(lit(0.0), least(lit(max), x));
  }

  /** Clamped, then rounded half-up to 2 decimals (SPEC §8.8). */
  public static Column score(Column raw, double max) {
    return round(clamp(raw, max), 2);
  }

  /** A, B, C or D from a rounded fit score. */
  public static Column grade(Model model, Column fitScore) {
    Model.Grades g = model.fit().grades();
    return when(fitScore.geq(g.a()), lit("A"))
        .when(fitScore.geq(g.b()), lit("B"))
        .when(fitScore.geq(g.c()), lit("C"))
        .otherwise(lit("D"));
  }

  /** hot, warm or cold from a rounded engagement score. */
  public static Column band(Model model, Column engagementScore) {
    return when(engagementScore.geq(model.bands().hot()), lit(HOT))
        .when(engagementScore.geq(model.bands().warm()), lit(WARM))
        .otherwise(lit(COLD));
  }

  /** 1 for hot, 2 for warm, 3 for cold: the digit of a priority, smaller is hotter. */
  public static Column bandDigit(Column band) {
    return when(band.equalTo(HOT), lit(1)).when(band.equalTo(WARM), lit(2)).otherwise(lit(3));
  }

  /** The digit of a band name given in the model, e.g. accounts.engaged-band. */
  public static int bandDigit(String band) {
    return switch (band) {
      case HOT -> 1;
      case WARM -> 2;
      case COLD -> 3;
      default -> throw new IllegalArgumentException("unknown band " + band);
    };
  }

  /** grade + band digit: A1 ... D3. */
  public static Column priority(Column grade, Column band) {
    return concat(grade, bandDigit(band).cast("string"));
  }
}

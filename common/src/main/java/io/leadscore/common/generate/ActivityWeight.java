package io.leadscore.common.generate;

import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pow;

import org.apache.spark.sql.Column;

/**
 * How activity is spread over leads: the lead of activity rank r (0 = busiest) gets a
 * share proportional to {@code (r + r0)^-ALPHA}, a shifted power law. A few leads are
 * very busy and most see a handful of events. The continuous version has a closed-form
 * inverse CDF, so an activity row draws its lead's rank from one uniform without any
 * table; the leads and outcomes datasets compute the same share from the rank, which is
 * what makes conversions follow activity.
 *
 * <p>r0 grows with the lead count (n / 1000, at least 5) so the busiest lead holds a few
 * percent of the events in a small demo and a few hundredths of a percent at millions.
 */
final class ActivityWeight {
  static final double ALPHA = 1.2;

  private final long n;
  private final double r0;
  private final double beta;
  private final double top;
  private final double span;

  ActivityWeight(long n) {
    this.n = n;
    this.r0 = Math.max(5.0, n / 1000.0);
    this.beta = 1 - ALPHA;
    this.top = Math.pow(r0, beta);
    this.span = top - Math.pow(n + r0, beta);
  }

  /** The rank (0..n-1) drawn by a uniform in [0, 1). */
  Column rank(Column u) {
    Column x = pow(lit(top).minus(u.multiply(span)), 1 / beta).minus(r0);
    return least(greatest(floor(x), lit(0L)), lit(n - 1));
  }

  /** The expected share of rank r times n: 1 is the average lead, above 1 busier. */
  Column relative(Column rank) {
    return cdf(rank.plus(1)).minus(cdf(rank)).multiply(n);
  }

  private Column cdf(Column x) {
    return lit(top).minus(pow(x.plus(r0), beta)).divide(span);
  }
}

package io.leadscore.common.config;

import java.util.List;
import java.util.Optional;

/**
 * One segment of SPEC §5: the leads of {@code lead_scores} matching {@code where}, for a
 * channel. An {@code email} segment holds only leads that may be emailed (SPEC §8.13); a
 * {@code sales} segment is not filtered by email consent.
 *
 * @param columns the exported columns, Spark SQL expressions ({@code account.name AS
 *     account_name}); the header is each column's name
 * @param orderBy sort expressions with an optional {@code asc}/{@code desc} and {@code nulls
 *     first}/{@code nulls last}; lead_id always breaks ties, so a limit is deterministic
 * @param location "file:line: leadscore.segments[i] (segment name)" for error messages
 */
public record Segment(
    String name,
    String where,
    Channel channel,
    List<String> columns,
    List<String> orderBy,
    Optional<Integer> limit,
    String location) {

  /** Who a segment is for. */
  public enum Channel {
    EMAIL, SALES;

    public String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** What a segment exports when it names no {@code columns}. */
  public static final List<String> DEFAULT_COLUMNS = List.of("lead_id", "email", "first_name",
      "last_name", "job_title", "account.name AS account_name", "grade", "band", "priority",
      "stage", "engagement_score", "fit_score", "reasons AS top_reasons");

  /** The order when a segment gives none: best priority, then the most engaged. */
  public static final List<String> DEFAULT_ORDER = List.of("priority asc",
      "engagement_score desc");
}

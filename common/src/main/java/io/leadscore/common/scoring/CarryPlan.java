package io.leadscore.common.scoring;

import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.Collection;
import java.util.Collections;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Which event dates a carry of the engagement state from S to D reads ({@link
 * EngagementCarry}), in plain dates so it can be checked without Spark.
 *
 * @param from S, the state's date
 * @param to D, the date carried to
 * @param leaving days whose old terms are taken out of the sums: they left the window (on or
 *     before {@code D - lookback}) or were rewritten since the state (late events)
 * @param entering days whose new terms are added: they entered the window (after S) or were
 *     rewritten
 * @param rewritten rewritten days up to S: what the state's latest activity and opt-out may
 *     have counted and must be checked for removed activity
 * @param newer the days whose activity may raise the latest activity or opt-out: every day
 *     after S up to D, and rewritten days up to D
 */
public record CarryPlan(LocalDate from, LocalDate to, SortedSet<LocalDate> leaving,
    SortedSet<LocalDate> entering, SortedSet<LocalDate> rewritten, SortedSet<LocalDate> newer) {

  public CarryPlan {
    leaving = Collections.unmodifiableSortedSet(new TreeSet<>(leaving));
    entering = Collections.unmodifiableSortedSet(new TreeSet<>(entering));
    rewritten = Collections.unmodifiableSortedSet(new TreeSet<>(rewritten));
    newer = Collections.unmodifiableSortedSet(new TreeSet<>(newer));
  }

  /**
   * The plan from S to D ({@code S <= D}, {@code D - S < lookback}: otherwise nothing is left
   * to carry and the state is computed from the window).
   *
   * @param touched the event dates activity_daily rewrote since the state's version
   */
  public static CarryPlan of(LocalDate from, LocalDate to, int lookbackDays,
      Collection<LocalDate> touched) {
    if (to.isBefore(from)) {
      throw new IllegalArgumentException("cannot carry back from " + from + " to " + to);
    }
    TreeSet<LocalDate> rewrites = new TreeSet<>(touched);
    TreeSet<LocalDate> leaving = new TreeSet<>();
    TreeSet<LocalDate> entering = new TreeSet<>();
    for (LocalDate day = from.minusDays(lookbackDays - 1L); !day.isAfter(from);
        day = day.plusDays(1)) {
      if (!day.isAfter(to.minusDays(lookbackDays)) || rewrites.contains(day)) {
        leaving.add(day);
      }
    }
    for (LocalDate day = to.minusDays(lookbackDays - 1L); !day.isAfter(to);
        day = day.plusDays(1)) {
      if (day.isAfter(from) || rewrites.contains(day)) {
        entering.add(day);
      }
    }
    // The latest activity and opt-out look at every day up to D, not only the window.
    TreeSet<LocalDate> rewritten = new TreeSet<>(rewrites.headSet(from, true));
    TreeSet<LocalDate> newer = new TreeSet<>(rewrites.headSet(to, true));
    for (LocalDate day = from.plusDays(1); !day.isAfter(to); day = day.plusDays(1)) {
      newer.add(day);
    }
    return new CarryPlan(from, to, leaving, entering, rewritten, newer);
  }

  /** D - S in days: how far the stored sums decay. */
  public long days() {
    return ChronoUnit.DAYS.between(from, to);
  }

  /** Whether no date leaves, enters or may raise a latest activity. */
  public boolean isEmpty() {
    return leaving.isEmpty() && entering.isEmpty() && newer.isEmpty();
  }

  /** The dates read from activity_daily as it was when the state was taken. */
  public SortedSet<LocalDate> readBefore() {
    TreeSet<LocalDate> out = new TreeSet<>(leaving);
    out.addAll(rewritten);
    return out;
  }

  /** The dates read from activity_daily as it is now. */
  public SortedSet<LocalDate> readNow() {
    TreeSet<LocalDate> out = new TreeSet<>(entering);
    out.addAll(newer);
    return out;
  }
}

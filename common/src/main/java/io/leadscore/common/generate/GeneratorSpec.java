package io.leadscore.common.generate;

import java.time.LocalDate;
import java.util.Objects;

/**
 * What {@link SyntheticData} builds: how many leads and accounts, how many activity lines
 * over how many landing days ending at {@code endDate}, and the seed every random choice
 * derives from. The same spec always yields the same rows.
 *
 * @param leads number of leads, ids {@code L000001}... (at least 6 digits)
 * @param accounts number of accounts, ids {@code A00001}... (at least 5 digits)
 * @param days landing days; the window is {@code endDate - days + 1 .. endDate}
 * @param events activity lines to produce, bad lines and replays included
 * @param seed the seed of every hash-derived choice
 * @param endDate the last landing date
 * @param partitions Spark partitions of the activity range; only the parallelism and the
 *     file count of a write depend on it, never the rows
 * @param botEvents about this many of the {@code events} lines (each line draws it) are page
 *     views of one bot lead, the first ({@code L000001}, padded like every lead id), spread
 *     over every landing day: the skew of a crawler that got hold of a lead's tracking
 *     cookie. 0, the default, leaves every line as it is without the option.
 */
public record GeneratorSpec(
    int leads, int accounts, int days, long events, long seed, LocalDate endDate,
    int partitions, long botEvents) {

  /** Activity lines per partition when the partition count is left to the factory. */
  static final long EVENTS_PER_PARTITION = 2_000_000L;

  public GeneratorSpec {
    Objects.requireNonNull(endDate, "endDate");
    require(leads >= 1, "leads must be >= 1, was " + leads);
    require(accounts >= 1, "accounts must be >= 1, was " + accounts);
    require(days >= 1, "days must be >= 1, was " + days);
    require(events >= 0, "events must be >= 0, was " + events);
    require(partitions >= 1, "partitions must be >= 1, was " + partitions);
    require(botEvents >= 0 && botEvents <= events,
        "bot events must be between 0 and the events (" + events + "), was " + botEvents);
  }

  /** A spec with a partition count suited to the event count (2M lines each, at least 2). */
  public static GeneratorSpec of(
      int leads, int accounts, int days, long events, long seed, LocalDate endDate) {
    long parts = Math.max(2, (events + EVENTS_PER_PARTITION - 1) / EVENTS_PER_PARTITION);
    return new GeneratorSpec(leads, accounts, days, events, seed, endDate,
        (int) Math.min(Integer.MAX_VALUE, parts), 0);
  }

  /** The same spec with another partition count (same rows, different parallelism). */
  public GeneratorSpec withPartitions(int newPartitions) {
    return new GeneratorSpec(leads, accounts, days, events, seed, endDate, newPartitions,
        botEvents);
  }

  /** The same spec with about {@code lines} of its lines naming the bot lead. */
  public GeneratorSpec withBotEvents(long lines) {
    return new GeneratorSpec(leads, accounts, days, events, seed, endDate, partitions, lines);
  }

  /** The first landing date of the window. */
  public LocalDate startDate() {
    return endDate.minusDays(days - 1L);
  }

  private static void require(boolean condition, String message) {
    if (!condition) {
      throw new IllegalArgumentException("generator: " + message);
    }
  }
}

package io.leadscore.bench;

import java.util.Locale;

/**
 * The dataset sizes of the benchmark (issue 4). Every scale has the same shape: 366 landing
 * days ending at the score date D, so that the prepared warehouses hold the 365 days before D
 * and D itself is the day a measured run ingests.
 */
public enum Scale {
  S(10_000, 1_000, 1_000_000L),
  M(100_000, 10_000, 10_000_000L),
  L(1_000_000, 100_000, 100_000_000L);

  /** Landing days generated: 365 of history plus the measured day D. */
  public static final int DAYS = 366;

  public final int leads;
  public final int accounts;
  public final long events;

  Scale(int leads, int accounts, long events) {
    this.leads = leads;
    this.accounts = accounts;
    this.events = events;
  }

  public String describe() {
    return String.format(Locale.ROOT, "%,d leads, %,d accounts, %,d activity lines over %d"
        + " landing days", leads, accounts, events, DAYS);
  }
}

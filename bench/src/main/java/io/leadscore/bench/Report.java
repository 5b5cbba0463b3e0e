package io.leadscore.bench;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/** The benchmark's table, its agreement checks and the targets, as Markdown. */
final class Report {
  /**
   * What a row measured; DuckDB rows are the reference of the rows with the same history.
   * SCORE and PIPELINE rows compute every lead's engagement (the pipeline as its sum of
   * jobs), so their ratio to DuckDB is shown; INGEST and DAILY (accounts, segments) rows do
   * other work.
   */
  enum Kind { SCORE, INGEST, DAILY, PIPELINE, DUCKDB }

  /**
   * One line of the table.
   *
   * @param history days of history in the warehouse (365 or 30): the DuckDB row it is
   *     compared with
   * @param events activity rows the run processed (see README: for a score, all activities
   *     on or before D in the warehouse; for an ingest, the lines of day D)
   */
  record Line(Scale scale, String run, Kind kind, int history, long events, long leads,
      List<Measurement> measurements) {

    Measurement median() {
      List<Measurement> sorted = new ArrayList<>(measurements);
      sorted.sort(Comparator.comparingDouble(Measurement::wallSeconds));
      return sorted.get((sorted.size() - 1) / 2);
    }

    double seconds() {
      return median().wallSeconds();
    }

    long peakHeap() {
      return measurements.stream().mapToLong(Measurement::peakHeapBytes).max().orElse(0);
    }
  }

  private final List<Line> lines = new ArrayList<>();
  private final List<Agreement> agreements = new ArrayList<>();
  private final List<String> notes = new ArrayList<>();

  void add(Line line) {
    lines.add(line);
  }

  void add(Agreement agreement) {
    agreements.add(agreement);
  }

  void note(String note) {
    notes.add(note);
  }

  boolean allAgree() {
    return agreements.stream().allMatch(Agreement::agrees);
  }

  private Line find(Scale scale, Kind kind, int history, String runPrefix) {
    return lines.stream()
        .filter(l -> l.scale() == scale && l.kind() == kind && l.history() == history
            && (runPrefix == null || l.run().startsWith(runPrefix)))
        .findFirst().orElse(null);
  }

  String table() {
    StringBuilder sb = new StringBuilder();
    sb.append("| scale | run | events | leads | wall s | events/s | × DuckDB | peak heap MB"
        + " | GC (count, s) |\n");
    sb.append("|---|---|--:|--:|--:|--:|--:|--:|--:|\n");
    for (Line l : lines) {
      Measurement m = l.median();
      Line duck = find(l.scale(), Kind.DUCKDB, l.history(), null);
      String ratio = l.kind() == Kind.INGEST || l.kind() == Kind.DAILY || duck == null ? "—"
          : String.format(Locale.ROOT, "%.2f", l.seconds() / duck.seconds());
      String wall = String.format(Locale.ROOT, "%.1f", l.seconds());
      if (l.measurements().size() > 1) {
        double min = l.measurements().stream().mapToDouble(Measurement::wallSeconds).min()
            .orElse(0);
        double max = l.measurements().stream().mapToDouble(Measurement::wallSeconds).max()
            .orElse(0);
        wall += String.format(Locale.ROOT, " (%.1f–%.1f)", min, max);
      }
      sb.append(String.format(Locale.ROOT, "| %s | %s | %,d | %,d | %s | %,.0f | %s | %,d"
              + " | %d, %.1f |%n",
          l.scale(), l.run(), l.events(), l.leads(), wall, l.events() / l.seconds(), ratio,
          l.peakHeap() / (1024 * 1024), m.gcCount(), m.gcMillis() / 1000.0));
    }
    return sb.toString();
  }

  /**
   * The targets of the daily-run work (at scale L, except the one at S; at the other scales
   * the ratios are indications).
   */
  String targets() {
    StringBuilder sb = new StringBuilder();
    for (Scale scale : Scale.values()) {
      Line full = find(scale, Kind.SCORE, 365, "full");
      Line plain = find(scale, Kind.SCORE, 365, "plain");
      Line duck = find(scale, Kind.DUCKDB, 365, null);
      if (full == null || duck == null) {
        continue;
      }
      double daily365 = sum(scale, 365, "ingest", "incremental", "accounts");
      double daily30 = sum(scale, 30, "ingest", "incremental", "accounts");
      Line pipeline365 = find(scale, Kind.PIPELINE, 365, null);
      long heap = lines.stream().filter(l -> l.scale() == scale).mapToLong(Line::peakHeap)
          .max().orElse(0);
      sb.append(String.format(Locale.ROOT, "- %s: daily run (ingest + score + accounts, 365 d)"
              + " %.1f s = %.2f× DuckDB's full recomputation (target at L: ≤ 120 s, ≤ 3.5×;"
              + " at S: ≤ 30 s)%n", scale, daily365, daily365 / duck.seconds()));
      if (pipeline365 != null) {
        sb.append(String.format(Locale.ROOT, "- %s: with segments, the daily pipeline (365 d)"
            + " %.1f s%n", scale, pipeline365.seconds()));
      }
      sb.append(String.format(Locale.ROOT, "- %s: the daily run on 30 days of history vs 365:"
          + " %.2f× (target at L: within 1.2×)%n", scale, spread(daily365, daily30)));
      if (plain != null) {
        sb.append(String.format(Locale.ROOT, "- %s: full rescore / plain Spark SQL = %.2f×"
            + " (target at L: ≤ 2×); full rescore / DuckDB = %.2f×%n", scale,
            full.seconds() / plain.seconds(), full.seconds() / duck.seconds()));
      }
      sb.append(String.format(Locale.ROOT, "- %s: largest peak heap %,d MB (target at L:"
          + " 2 GB enough)%n", scale, heap / (1024 * 1024)));
    }
    return sb.toString();
  }

  /** The sum of the median times of the rows of one history whose run starts as given. */
  private double sum(Scale scale, int history, String... runPrefixes) {
    double total = 0;
    for (String prefix : runPrefixes) {
      Line l = lines.stream().filter(x -> x.scale() == scale && x.history() == history
          && x.kind() != Kind.DUCKDB && x.run().startsWith(prefix)).findFirst().orElse(null);
      total += l == null ? 0 : l.seconds();
    }
    return total;
  }

  private static double spread(double a, double b) {
    return Math.max(a, b) / Math.min(a, b);
  }

  String agreementText() {
    StringBuilder sb = new StringBuilder();
    for (Agreement a : agreements) {
      sb.append("- ").append(a.agrees() ? "agree: " : "DISAGREE: ")
          .append(a.describe().replace("\n", "\n  ")).append('\n');
    }
    return sb.toString();
  }

  String notesText() {
    StringBuilder sb = new StringBuilder();
    for (String n : notes) {
      sb.append("- ").append(n).append('\n');
    }
    return sb.toString();
  }
}

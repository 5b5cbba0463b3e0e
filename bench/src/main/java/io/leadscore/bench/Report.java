package io.leadscore.bench;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/** The benchmark's table, its agreement checks and the targets of issue 4, as Markdown. */
final class Report {
  /** What a row measured; DuckDB rows are the reference of the rows with the same history. */
  enum Kind { SCORE, INGEST, DUCKDB }

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
      String ratio = l.kind() == Kind.INGEST || duck == null ? "—"
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

  /** The ratios issue 4 sets targets for (at scale L; at S and M they are indications). */
  String targets() {
    StringBuilder sb = new StringBuilder();
    for (Scale scale : Scale.values()) {
      Line full = find(scale, Kind.SCORE, 365, "full");
      Line duck = find(scale, Kind.DUCKDB, 365, null);
      Line inc365 = find(scale, Kind.SCORE, 365, "incremental");
      Line inc30 = find(scale, Kind.SCORE, 30, "incremental");
      Line ingest365 = find(scale, Kind.INGEST, 365, null);
      Line ingest30 = find(scale, Kind.INGEST, 30, null);
      if (full == null || duck == null || inc365 == null || inc30 == null) {
        continue;
      }
      double daily365 = inc365.seconds() + (ingest365 == null ? 0 : ingest365.seconds());
      double daily30 = inc30.seconds() + (ingest30 == null ? 0 : ingest30.seconds());
      long heap = lines.stream().filter(l -> l.scale() == scale).mapToLong(Line::peakHeap)
          .max().orElse(0);
      sb.append(String.format(Locale.ROOT, "- %s: full rescore / DuckDB = %.2f× (target at L:"
              + " ≤ 3×)%n", scale, full.seconds() / duck.seconds()));
      sb.append(String.format(Locale.ROOT, "- %s: incremental score / full rescore = %.2f;"
              + " daily run (ingest + score) / full rescore = %.2f (target at L: ≤ 0.10)%n",
          scale, inc365.seconds() / full.seconds(), daily365 / full.seconds()));
      sb.append(String.format(Locale.ROOT, "- %s: 365 vs 30 days of history: incremental score"
              + " %.2f×, daily run %.2f× (target at L: within 1.3×)%n", scale,
          spread(inc365.seconds(), inc30.seconds()), spread(daily365, daily30)));
      sb.append(String.format(Locale.ROOT, "- %s: largest peak heap %,d MB (target at L:"
          + " ≤ 2,048 MB)%n", scale, heap / (1024 * 1024)));
    }
    return sb.toString();
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

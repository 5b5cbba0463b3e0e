package io.leadscore.bench;

import static org.junit.jupiter.api.Assertions.*;

import io.leadscore.bench.Report.Kind;
import io.leadscore.bench.Report.Line;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The table's arithmetic: medians, ratios to DuckDB on the same history, the targets. */
class ReportTest {
  static final long MB = 1024 * 1024;

  static Measurement run(double seconds, long heapMb) {
    return new Measurement(seconds, heapMb * MB, 3, 1500, 0);
  }

  @Test
  void ratiosUseTheDuckDbRowOfTheSameHistory() {
    Report r = new Report();
    r.add(new Line(Scale.S, "full rescore (365 d)", Kind.SCORE, 365, 1_000_000, 10_000,
        List.of(run(40, 900))));
    r.add(new Line(Scale.S, "ingest day D (365 d)", Kind.INGEST, 365, 3_000, 10_000,
        List.of(run(2, 300))));
    r.add(new Line(Scale.S, "incremental score (365 d)", Kind.SCORE, 365, 1_000_000, 10_000,
        List.of(run(3, 400), run(5, 2048), run(4, 500))));
    r.add(new Line(Scale.S, "ingest day D (30 d)", Kind.INGEST, 30, 3_000, 10_000,
        List.of(run(2, 300))));
    r.add(new Line(Scale.S, "incremental score (30 d)", Kind.SCORE, 30, 100_000, 10_000,
        List.of(run(2, 300))));
    r.add(new Line(Scale.S, "DuckDB (365 d)", Kind.DUCKDB, 365, 1_000_000, 10_000,
        List.of(run(20, 10))));
    r.add(new Line(Scale.S, "DuckDB (30 d)", Kind.DUCKDB, 30, 100_000, 10_000,
        List.of(run(1, 10))));

    String table = r.table();
    assertTrue(table.contains("| S | full rescore (365 d) | 1,000,000 | 10,000 | 40.0 | 25,000"
        + " | 2.00 | 900 | 3, 1.5 |"), table);
    // The median of three, their range, and the largest peak of the three.
    assertTrue(table.contains("| S | incremental score (365 d) | 1,000,000 | 10,000 | 4.0"
        + " (3.0–5.0) | 250,000 | 0.20 | 2,048 |"), table);
    assertTrue(table.contains("| S | incremental score (30 d) | 100,000 | 10,000 | 2.0 | 50,000"
        + " | 2.00 |"), table);
    assertTrue(table.contains("| S | ingest day D (30 d) | 3,000 | 10,000 | 2.0 | 1,500 | — |"),
        table);

    String targets = r.targets();
    assertTrue(targets.contains("full rescore / DuckDB = 2.00×"), targets);
    assertTrue(targets.contains("incremental score / full rescore = 0.10; daily run"
        + " (ingest + score) / full rescore = 0.15"), targets);
    assertTrue(targets.contains("incremental score 2.00×, daily run 1.50×"), targets);
    assertTrue(targets.contains("largest peak heap 2,048 MB"), targets);
  }

  @Test
  void aMismatchFailsTheReport() {
    Report r = new Report();
    r.add(new Agreement("S full", "DuckDB", 10, 0, 0, 0, null, List.of()));
    assertTrue(r.allAgree());
    r.add(new Agreement("S incremental", "DuckDB", 10, 1, 0, 0, null,
        List.of("lead L1: DuckDB 1.00, S incremental 1.01")));
    assertFalse(r.allAgree());
    assertTrue(r.agreementText().contains("- DISAGREE: S incremental vs DuckDB: 10 leads"
        + " compared, 1 mismatches"), r.agreementText());
  }
}

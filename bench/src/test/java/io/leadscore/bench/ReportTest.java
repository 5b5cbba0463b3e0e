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
    r.add(new Line(Scale.S, "accounts (365 d)", Kind.DAILY, 365, 1_000_000, 10_000,
        List.of(run(1, 300))));
    r.add(new Line(Scale.S, "plain Spark SQL (365 d)", Kind.SCORE, 365, 1_000_000, 10_000,
        List.of(run(16, 700))));
    r.add(new Line(Scale.S, "daily pipeline (365 d)", Kind.PIPELINE, 365, 1_000_000, 10_000,
        List.of(run(9, 700))));
    r.add(new Line(Scale.S, "ingest day D (30 d)", Kind.INGEST, 30, 3_000, 10_000,
        List.of(run(2, 300))));
    r.add(new Line(Scale.S, "incremental score (30 d)", Kind.SCORE, 30, 100_000, 10_000,
        List.of(run(2, 300))));
    r.add(new Line(Scale.S, "accounts (30 d)", Kind.DAILY, 30, 100_000, 10_000,
        List.of(run(1, 300))));
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
    // Accounts does other work than DuckDB's query: no ratio. The pipeline has one.
    assertTrue(table.contains("| S | accounts (365 d) | 1,000,000 | 10,000 | 1.0 | 1,000,000"
        + " | — |"), table);
    assertTrue(table.contains("| S | daily pipeline (365 d) | 1,000,000 | 10,000 | 9.0 |"
        + " 111,111 | 0.45 |"), table);

    String targets = r.targets();
    // Daily run: ingest 2 + the median score 4 + accounts 1 on 365 days; 2 + 2 + 1 on 30.
    assertTrue(targets.contains("S: daily run (ingest + score + accounts, 365 d) 7.0 s = 0.35×"
        + " DuckDB's full recomputation"), targets);
    assertTrue(targets.contains("S: with segments, the daily pipeline (365 d) 9.0 s"), targets);
    assertTrue(targets.contains("the daily run on 30 days of history vs 365: 1.40×"), targets);
    assertTrue(targets.contains("full rescore / plain Spark SQL = 2.50× (target at L: ≤ 2×);"
        + " full rescore / DuckDB = 2.00×"), targets);
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

"""Every output table reads with delta-rs (the `deltalake` package: the Rust engine behind
Polars, and what BI tools and notebooks without Spark use) and holds what Spark reads:
the same tables, row counts and per-column statistics (nulls, sums, min/max, distinct)."""
from __future__ import annotations

import math
import os

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from deltalake import DeltaTable

EXPECTED_TABLES = {
    # snapshots_rejected exists only once a snapshot row was rejected (none in data-samples).
    "activities", "activities_rejected", "leads", "accounts", "outcomes", "activity_daily", "engagement_state", "lead_scores",
    "lead_score_history", "score_changes", "account_scores", "account_score_history",
    "account_score_changes", "run_log",
}


def delta_tables(warehouse) -> list[str]:
    return sorted(d for d in os.listdir(warehouse)
                  if os.path.isdir(os.path.join(warehouse, d, "_delta_log")))


def test_delta_rs_sees_every_table_spark_sees(reference_warehouse, spark_summary):
    tables = delta_tables(reference_warehouse)
    assert tables == sorted(spark_summary)
    # The pipeline's tables at least (a later job adds its own, and they are read too).
    assert EXPECTED_TABLES <= set(tables)


def test_delta_rs_reads_every_table_as_spark_does(reference_warehouse, spark_summary):
    problems = []
    for table, spark in sorted(spark_summary.items()):
        dt = DeltaTable(os.path.join(reference_warehouse, table))
        data = dt.to_pyarrow_table()
        protocol = dt.protocol()
        print("%-24s %8d rows  reader v%s writer v%s %s" % (
            table, data.num_rows, protocol.min_reader_version, protocol.min_writer_version,
            sorted(protocol.writer_features or [])))
        if data.num_rows != spark["rows"]:
            problems.append("%s: %s rows, Spark %s" % (table, data.num_rows, spark["rows"]))
        for name, stats in spark["columns"].items():
            if name not in data.column_names:
                problems.append("%s.%s: no such column in delta-rs" % (table, name))
                continue
            problems += ["%s.%s: %s" % (table, name, p)
                         for p in column_problems(data.column(name), stats)]
    assert not problems, "\n".join(problems)


def test_numbers_spot_checked(reference_warehouse, spark_summary):
    """A few values by hand, so the statistics above are not compared when empty."""
    scores = spark_summary["lead_scores"]
    assert scores["rows"] > 0
    assert scores["columns"]["engagement_score"]["max"] > 0
    assert scores["columns"]["score_date"]["min"] == scores["columns"]["score_date"]["max"] == "2026-11-20"
    lead_scores = DeltaTable(os.path.join(reference_warehouse, "lead_scores")).to_pyarrow_table()
    best = lead_scores.sort_by([("engagement_score", "descending"), ("lead_id", "ascending")])
    assert float(best.column("engagement_score")[0].as_py()) == pytest.approx(
        scores["columns"]["engagement_score"]["max"])
    assert set(lead_scores.column("priority").to_pylist()) <= {
        g + b for g in "ABCD" for b in "123"}


def column_problems(column: pa.ChunkedArray, stats: dict) -> list[str]:
    out = []
    nulls = column.null_count
    # Spark's summary leaves the count unset for a column it could not count (None).
    if stats["nulls"] is not None and nulls != stats["nulls"]:
        out.append("%s nulls, Spark %s" % (nulls, stats["nulls"]))
    kind = stats["kind"]
    if kind == "number":
        values = pc.cast(column, pa.float64())
        for stat, got in (("sum", pc.sum(values).as_py()), ("min", pc.min(values).as_py()),
                          ("max", pc.max(values).as_py())):
            want = stats[stat]
            if (got is None) != (want is None) or (
                    got is not None and not math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-9)):
                out.append("%s %r, Spark %r" % (stat, got, want))
    elif kind == "string":
        got = {"min": pc.min(column).as_py(), "max": pc.max(column).as_py(),
               "distinct": pc.count_distinct(column, mode="only_valid").as_py()}
        for stat in ("min", "max", "distinct"):
            if got[stat] != stats[stat]:
                out.append("%s %r, Spark %r" % (stat, got[stat], stats[stat]))
    elif kind == "date":
        for stat, got in (("min", pc.min(column).as_py()), ("max", pc.max(column).as_py())):
            got = None if got is None else got.isoformat()
            if got != stats[stat]:
                out.append("%s %r, Spark %r" % (stat, got, stats[stat]))
    elif kind == "timestamp":
        micros = pc.cast(pc.cast(column, pa.timestamp("us", tz="UTC")), pa.int64())
        for stat, got in (("min", pc.min(micros).as_py()), ("max", pc.max(micros).as_py())):
            if got != stats[stat]:
                out.append("%s %r, Spark %r" % (stat, got, stats[stat]))
    elif kind == "boolean":
        got = pc.sum(pc.cast(column, pa.int64())).as_py() or 0
        if got != stats["true"]:
            out.append("%s true, Spark %s" % (got, stats["true"]))
    return out


def test_tables_stay_at_a_protocol_every_reader_reads(reference_warehouse, spark_summary):
    """Reader version 1: no deletion vectors, column mapping or other reader features, which
    many engines (older delta-rs, Trino and DuckDB releases, Athena) cannot read. A change
    that enables one fails here first; see README "Reading the tables without Spark"."""
    raised = []
    for table in sorted(spark_summary):
        protocol = DeltaTable(os.path.join(reference_warehouse, table)).protocol()
        if protocol.min_reader_version != 1 or protocol.reader_features:
            raised.append("%s: reader v%d %s" % (table, protocol.min_reader_version,
                                                 protocol.reader_features))
    assert not raised, raised

"""Checks on two leadscore warehouses, run with Spark (spark-submit, the shaded jar on --jars):

  compare EXPECTED ACTUAL   every Delta table of EXPECTED exists in ACTUAL with the same
                            rows (and no table more); exit 1 on any difference
  summary WAREHOUSE OUT     per table: row count and per-column statistics, as JSON, for
                            another engine's reader to be checked against (airflow/tests)

Used by bin/cluster-smoke and the Airflow tests (airflow/tests). What legitimately differs
between two runs of the same inputs is left out of `compare`: run ids and start times
(`ingest_run_id`, `run_id`, `started_at`, and the report's `last_ingest_run_id` and
`backtest_run_id`), and in run_log everything but which jobs ran for which dates with which
status and row counts. Doubles, also inside maps, arrays and structs (engagement_state's
decayed sums), are compared to 9 decimals: a sum's last bits depend on the order Spark adds
partitions in, which differs between a cluster and local mode.
"""
from __future__ import annotations

import json
import os
import sys

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

# Run ids and start times: segment_runs and report_ingest_* carry them too.
RUN_SPECIFIC_COLUMNS = {"ingest_run_id", "run_id", "started_at", "last_ingest_run_id",
                        "backtest_run_id"}


def tables(warehouse: str) -> list[str]:
    return sorted(d for d in os.listdir(warehouse)
                  if os.path.isdir(os.path.join(warehouse, d, "_delta_log")))


def comparable(c, data_type):
    """c with every double in it, at any depth, rounded to 9 decimals and every map's
    entries sorted by key (a map's entries have no order)."""
    if isinstance(data_type, (T.DoubleType, T.FloatType)):
        return F.round(c, 9)
    if isinstance(data_type, T.StructType):
        if not data_type.fields:
            return c
        rounded = F.struct(*[comparable(c.getField(f.name), f.dataType).alias(f.name)
                             for f in data_type.fields])
        return F.when(c.isNotNull(), rounded)
    if isinstance(data_type, T.ArrayType):
        return F.transform(c, lambda e: comparable(e, data_type.elementType))
    if isinstance(data_type, T.MapType):
        entries = F.transform(F.map_entries(c), lambda e: F.struct(
            comparable(e["key"], data_type.keyType).alias("key"),
            comparable(e["value"], data_type.valueType).alias("value")))
        return F.array_sort(entries)
    return c


def normalised(df: DataFrame, table: str) -> DataFrame:
    if table == "run_log":
        # Run ids, start/finish times and timings differ by nature, and so does
        # model_version for ingest (set when it runs inside `pipeline`, which loads the
        # model); what ran for which date and what it counted must not.
        # outputs name the warehouse's own paths, which differ between two warehouses.
        return df.select("job", "run_date", "status", F.to_json("counts").alias("counts"))
    cols = []
    for f in df.schema.fields:
        if f.name in RUN_SPECIFIC_COLUMNS:
            continue
        c = comparable(F.col("`%s`" % f.name), f.dataType)
        if isinstance(f.dataType, (T.ArrayType, T.MapType, T.StructType)):
            # exceptAll cannot compare maps: nested values are compared as JSON.
            c = F.to_json(c)
        cols.append(c.alias(f.name))
    return df.select(*cols)


def compare(spark: SparkSession, expected: str, actual: str) -> int:
    exp_tables, act_tables = tables(expected), tables(actual)
    failures = []
    if exp_tables != act_tables:
        failures.append("tables differ: expected %s, actual %s" % (exp_tables, act_tables))
    if not exp_tables:
        failures.append("no Delta table in %s" % expected)
    print("%-24s %10s %10s  %s" % ("table", "expected", "actual", "result"))
    for table in exp_tables:
        if table not in act_tables:
            continue
        e = normalised(spark.read.format("delta").load(os.path.join(expected, table)), table)
        a = normalised(spark.read.format("delta").load(os.path.join(actual, table)), table)
        ne, na = e.count(), a.count()
        result = "equal"
        if e.schema != a.schema:
            result = "schema differs: %s vs %s" % (e.schema.simpleString(),
                                                   a.schema.simpleString())
        else:
            missing, extra = e.exceptAll(a).count(), a.exceptAll(e).count()
            if ne != na or missing or extra:
                result = "%d rows missing, %d rows extra" % (missing, extra)
        if result != "equal":
            failures.append("%s: %s" % (table, result))
        print("%-24s %10d %10d  %s" % (table, ne, na, result))
    for f in failures:
        print("DIFFERENT " + f, file=sys.stderr)
    print("compare: %d tables, %s" % (len(exp_tables),
                                      "all equal" if not failures else "%d differ" % len(failures)))
    return 1 if failures else 0


def column_stats(df: DataFrame) -> dict:
    aggs, kinds = [F.count(F.lit(1)).alias("rows")], {}
    for f in df.schema.fields:
        c, t = F.col("`%s`" % f.name), f.dataType
        aggs.append(F.sum(F.when(c.isNull(), 1).otherwise(0)).alias(f.name + "|nulls"))
        if isinstance(t, (T.ByteType, T.ShortType, T.IntegerType, T.LongType, T.FloatType,
                          T.DoubleType, T.DecimalType)):
            kinds[f.name] = "number"
            aggs.append(F.sum(c.cast("double")).alias(f.name + "|sum"))
            aggs += [F.min(c.cast("double")).alias(f.name + "|min"),
                     F.max(c.cast("double")).alias(f.name + "|max")]
        elif isinstance(t, T.StringType):
            kinds[f.name] = "string"
            aggs += [F.min(c).alias(f.name + "|min"), F.max(c).alias(f.name + "|max"),
                     F.countDistinct(c).alias(f.name + "|distinct")]
        elif isinstance(t, T.DateType):
            kinds[f.name] = "date"
            aggs += [F.min(c).cast("string").alias(f.name + "|min"),
                     F.max(c).cast("string").alias(f.name + "|max")]
        elif isinstance(t, T.TimestampType):
            kinds[f.name] = "timestamp"
            aggs += [F.unix_micros(F.min(c)).alias(f.name + "|min"),
                     F.unix_micros(F.max(c)).alias(f.name + "|max")]
        elif isinstance(t, T.BooleanType):
            kinds[f.name] = "boolean"
            aggs.append(F.sum(F.when(c, 1).otherwise(0)).alias(f.name + "|true"))
        else:
            kinds[f.name] = "nested"
    row = df.agg(*aggs).first().asDict()
    stats = {"rows": row.pop("rows"), "columns": {}}
    for key, value in row.items():
        name, stat = key.rsplit("|", 1)
        col = stats["columns"].setdefault(name, {"kind": kinds.get(name, "nested")})
        col[stat] = float(value) if hasattr(value, "as_tuple") else value
    return stats


def summary(spark: SparkSession, warehouse: str, out: str) -> int:
    result = {}
    for table in tables(warehouse):
        result[table] = column_stats(spark.read.format("delta").load(
            os.path.join(warehouse, table)))
        print("%-24s %10d rows" % (table, result[table]["rows"]))
    with open(out, "w") as f:
        json.dump(result, f, indent=1, sort_keys=True)
    return 0 if result else 1


def main(argv: list[str]) -> int:
    if len(argv) != 3 or argv[0] not in ("compare", "summary"):
        print(__doc__, file=sys.stderr)
        return 2
    spark = (SparkSession.builder.appName("leadscore-warehouse-check")
             .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
             .config("spark.sql.catalog.spark_catalog",
                     "org.apache.spark.sql.delta.catalog.DeltaCatalog")
             .config("spark.sql.session.timeZone", "UTC")
             .config("spark.sql.shuffle.partitions", "4")
             .config("spark.ui.enabled", "false")
             .getOrCreate())
    spark.sparkContext.setLogLevel("WARN")
    try:
        if argv[0] == "compare":
            return compare(spark, argv[1], argv[2])
        return summary(spark, argv[1], argv[2])
    finally:
        spark.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

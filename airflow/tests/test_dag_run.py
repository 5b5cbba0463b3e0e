"""A real run of the daily DAG: `airflow dags test leadscore_daily 2026-11-20` with the
`from` param (a first load of data-samples from 2026-07-24), each task spark-submitting the
shaded jar on local[*] through the provider's hook, then every table compared with what
`bin/leadscore pipeline --from 2026-07-24 --date 2026-11-20` writes."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIRST_LOAD, REPO, RUN_DATE, run, scratch, spark_submit_python

from leadscore_jobs import DAILY_JOBS


def airflow_cli() -> str:
    return str(Path(sys.executable).parent / "airflow")


def cli_json(args: list[str], env: dict):
    """The JSON an airflow CLI command prints with -o json; Airflow logs warnings (e.g.
    that graphviz is missing) to the same stdout before it, so the JSON is the last line
    that starts with '[' or '{'."""
    out = subprocess.run([airflow_cli(), *args, "-o", "json"], env=env, capture_output=True,
                         text=True, check=True, timeout=600).stdout
    lines = [line for line in out.splitlines() if line.startswith(("[", "{"))]
    assert lines, out
    return json.loads(lines[-1])


@pytest.fixture(scope="module")
def dag_env(spark_home, jar) -> dict:
    warehouse = scratch() / "dag-warehouse"
    subprocess.run(["rm", "-rf", str(warehouse)], check=True)
    env = dict(os.environ)
    env.update({
        # What a deployment sets in the UI or a secrets backend, here as environment.
        "AIRFLOW_CONN_LEADSCORE_SPARK": json.dumps({"conn_type": "spark", "host": "local[*]"}),
        "AIRFLOW_VAR_LEADSCORE_JAR": str(jar),
        "AIRFLOW_VAR_LEADSCORE_CONF": str(REPO / "conf" / "local.conf"),
        "AIRFLOW_VAR_LEADSCORE_MODEL": str(REPO / "conf" / "model.conf"),
        # conf/local.conf reads data-samples/ under LEADSCORE_HOME and the warehouse from
        # LEADSCORE_WAREHOUSE; the driver inherits both.
        "LEADSCORE_HOME": str(REPO),
        "LEADSCORE_WAREHOUSE": str(warehouse),
        "LEADSCORE_EXPORTS": str(scratch() / "dag-exports"),
        "LEADSCORE_REPORTS": str(scratch() / "dag-reports"),
        # The hook runs the first spark-submit on PATH.
        "PATH": "%s/bin:%s" % (spark_home, os.environ["PATH"]),
    })
    run([airflow_cli(), "db", "migrate"], scratch() / "airflow-db-migrate.log", env)
    return env


@pytest.fixture(scope="module")
def dag_run(dag_env) -> dict:
    log = scratch() / "airflow-dags-test.log"
    seconds = run([airflow_cli(), "dags", "test", "leadscore_daily", RUN_DATE,
                   "-c", json.dumps({"from": FIRST_LOAD})], log, dag_env)
    runs = cli_json(["dags", "list-runs", "leadscore_daily"], dag_env)
    assert len(runs) == 1, runs
    states = cli_json(["tasks", "states-for-dag-run", "leadscore_daily", runs[0]["run_id"]],
                      dag_env)
    print("\nairflow dags test leadscore_daily %s: %.0f s, run %s %s" % (
        RUN_DATE, seconds, runs[0]["run_id"], runs[0]["state"]))
    for s in states:
        print("  %-10s %-8s %s .. %s" % (s["task_id"], s["state"], s["start_date"], s["end_date"]))
    return {"run": runs[0], "states": states, "log": log.read_text(errors="replace"),
            "warehouse": Path(dag_env["LEADSCORE_WAREHOUSE"])}


def test_every_task_succeeded_in_list_order(dag_run):
    assert dag_run["run"]["state"] == "success"
    states = sorted(dag_run["states"], key=lambda s: s["start_date"])
    assert [s["task_id"] for s in states] == [job.name for job in DAILY_JOBS]
    assert all(s["state"] == "success" for s in states), states


def test_each_task_really_ran_spark_submit_with_the_jar(dag_run, jar, spark_home):
    log = dag_run["log"]
    submits = [line for line in log.splitlines() if "Spark-Submit cmd" in line]
    assert len(submits) == len(DAILY_JOBS), submits
    for job, line in zip(DAILY_JOBS, submits):
        assert "--master local[*]" in line and str(jar) in line
        # spark-submit puts the application jar between the main class and its arguments.
        assert "--class io.leadscore.jobs.Main %s %s " % (jar, job.name) in line, line
        assert "--date %s" % RUN_DATE in line
    assert "--from %s" % FIRST_LOAD in submits[0]


def test_tables_equal_a_bin_leadscore_pipeline_run(dag_run, reference_warehouse, spark_home, jar):
    # run_log is compared on what ran and what it counted; its run ids and times differ.
    log = scratch() / "compare-dag-vs-pipeline.log"
    spark_submit_python(spark_home, jar,
                        ["compare", str(reference_warehouse), str(dag_run["warehouse"])], log)
    print(log.read_text(errors="replace"))

"""The daily leadscore DAG: one spark-submit per job, in order, for the run's date."""
from __future__ import annotations

import pendulum

try:  # Airflow 3
    from airflow.sdk import DAG, Param
except ImportError:  # Airflow 2.10
    from airflow import DAG
    from airflow.models.param import Param

from leadscore_jobs import DAILY_JOBS, DEFAULT_ARGS, submit_task

DOC = """
### leadscore daily

Runs the leadscore jobs for the run's date (`ds`, the day whose landing folder is now
complete), each as `spark-submit --class io.leadscore.jobs.Main <jar> <job> --date {{ ds }}`:
""" + "\n".join("* **%s**: %s" % (j.name, j.doc) for j in DAILY_JOBS) + """

Every job is idempotent for its date: a retry or a rerun (clear the task) leaves the
tables as one clean run would. Runs go one at a time, in date order (`max_active_runs=1`;
`score`, `accounts` and `segments` wait for the previous day's). Catch-up is off: load history with a
backfill (see airflow/README.md) or trigger one run with the `from` param, which ingests
every landing date from `from` to the run date as one batch.

Settings: Variables `leadscore_jar`, `leadscore_conf`, `leadscore_model`; Spark from the
connection `leadscore_spark`.
"""

with DAG(
    dag_id="leadscore_daily",
    description="leadscore: ingest, score, accounts, segments and report for each day",
    schedule="@daily",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    params={
        "from": Param(None, type=["null", "string"], pattern=r"^\d{4}-\d{2}-\d{2}$",
                      description="First landing date to ingest with this run (a first "
                                  "load); empty: only the run's date."),
    },
    tags=["leadscore", "spark", "daily"],
    doc_md=DOC,
) as dag:
    previous = None
    for job in DAILY_JOBS:
        task = submit_task(job)
        if previous is not None:
            previous >> task
        previous = task

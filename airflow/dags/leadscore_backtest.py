"""The weekly leadscore backtest: how well the scores of `horizon_days` ago predicted."""
from __future__ import annotations

import pendulum

try:  # Airflow 3
    from airflow.sdk import DAG, Param
except ImportError:  # Airflow 2.10
    from airflow import DAG
    from airflow.models.param import Param

from leadscore_jobs import BACKTEST_JOB, DEFAULT_ARGS, submit_task

DOC = """
### leadscore backtest (weekly)

`backtest --as-of C --horizon-days N`: scores every lead as of the cutoff C = run date − N
days, with only what was known at C, and measures how well grades, bands and scores
predicted the conversions of (C, C+N]. Results go to the `backtest_*` Delta tables; the
scored tables of the daily DAG are not changed. Change `horizon_days` with a manual trigger.

Settings: Variables `leadscore_jar`, `leadscore_conf`, `leadscore_model`; Spark from the
connection `leadscore_spark`.
"""

with DAG(
    dag_id="leadscore_backtest",
    description="leadscore: weekly backtest of the model against real conversions",
    schedule="@weekly",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    params={
        "horizon_days": Param(30, type="integer", minimum=1,
                              description="Days after the cutoff in which a conversion "
                                          "counts; the cutoff is the run date minus this."),
    },
    tags=["leadscore", "spark", "backtest", "weekly"],
    doc_md=DOC,
) as dag:
    submit_task(BACKTEST_JOB)

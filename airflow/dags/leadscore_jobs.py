"""What the leadscore DAGs run: the jobs, their arguments, and how a task submits one.

Both DAG files build their tasks from here, so a new job is one entry in ``DAILY_JOBS`` and
the tests (which read the same list) check it without being edited.

Settings come from Airflow Variables, read when a task runs (templates), never when the
file is parsed:

    leadscore_jar    the shaded jar      default /opt/leadscore/leadscore-jobs-all.jar
    leadscore_conf   settings overlay    default /opt/leadscore/conf/cluster.conf
    leadscore_model  scoring model       default /opt/leadscore/conf/model.conf
    leadscore_driver_memory, leadscore_executor_memory   default 2g, 4g

and the Spark master, deploy mode and spark-submit binary from the Airflow Connection
``leadscore_spark`` (see airflow/README.md).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

MAIN_CLASS = "io.leadscore.jobs.Main"
SPARK_CONN_ID = "leadscore_spark"

# Variable name -> default. The defaults are a conventional install location; README says
# how to set them.
VARIABLES = {
    "leadscore_jar": "/opt/leadscore/leadscore-jobs-all.jar",
    "leadscore_conf": "/opt/leadscore/conf/cluster.conf",
    "leadscore_model": "/opt/leadscore/conf/model.conf",
    # The driver collects only small aggregates; 2 GB runs every job up to 1M leads.
    "leadscore_driver_memory": "2g",
    "leadscore_executor_memory": "4g",
}


def variable(name: str) -> str:
    """A template that reads the Variable when the task runs, falling back to its default."""
    return "{{ var.value.get('%s', '%s') }}" % (name, VARIABLES[name])


@dataclass(frozen=True)
class Job:
    """One leadscore CLI job run as one task.

    ``args`` come after the job name and the options every job takes (``--conf``,
    ``--model``); they are Jinja templates rendered per run. ``depends_on_past`` is set
    where the job's tables chain from one date to the next (stages, change feeds), so a
    day does not run before the previous day's run of the same job succeeded.
    """

    name: str
    args: tuple[str, ...]
    depends_on_past: bool = False
    doc: str = ""


# The daily jobs in run order; each runs after the one before it.
DAILY_JOBS: list[Job] = [
    Job("ingest", ("--date", "{{ ds }}", "--from", "{{ params['from'] or ds }}"),
        doc="Ingests the landing folder of the run date (or --from .. date with the `from` "
            "param, a first load) and the CRM snapshots. Idempotent per date."),
    Job("score", ("--date", "{{ ds }}"), depends_on_past=True,
        doc="Scores every lead as of the run date. Stages chain from the previous scored "
            "date, so it waits for the previous day's score."),
    Job("accounts", ("--date", "{{ ds }}"), depends_on_past=True,
        doc="Scores every account as of the run date from its leads' scores; band and "
            "grade changes are against the previous scored date."),
    Job("segments", ("--date", "{{ ds }}"), depends_on_past=True,
        doc="Writes each segment's members and what entered and left since the previous "
            "run (CSV exports for campaign tools, segment tables). Membership spells chain "
            "from the previous run, so it waits for the previous day's segments."),
    Job("report", ("--date", "{{ ds }}"),
        doc="Writes the run date's HTML report and its aggregates as report_* tables."),
]

# The weekly backtest: scores as of ds - horizon, labelled by what converted since.
BACKTEST_JOB = Job(
    "backtest",
    ("--as-of", "{{ macros.ds_add(ds, -params['horizon_days']) }}",
     "--horizon-days", "{{ params['horizon_days'] }}"),
    doc="Scores every lead as of the cutoff (run date minus the horizon) with the model and "
        "measures how well the scores predicted the conversions within the horizon.")

DEFAULT_ARGS = {
    "owner": "leadscore",
    # A failed submit is retried with growing waits (5, 10, 20 min, ...): a transient
    # cluster or object-store error heals, and every job is idempotent for its date, so a
    # retry rewrites exactly what the failed attempt may have half-written.
    "retries": 3,
    "retry_delay": timedelta(minutes=5),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(hours=1),
    "execution_timeout": timedelta(hours=6),
}


def application_args(job: Job) -> list[str]:
    """The arguments after the jar: the job, the options every job takes, its own args."""
    return [job.name, "--conf", variable("leadscore_conf"),
            "--model", variable("leadscore_model"), *job.args]


def submit_task(job: Job) -> SparkSubmitOperator:
    """The task that spark-submits ``job`` from the shaded jar (inside a DAG context)."""
    return SparkSubmitOperator(
        task_id=job.name,
        conn_id=SPARK_CONN_ID,
        application=variable("leadscore_jar"),
        java_class=MAIN_CLASS,
        name="leadscore-%s-{{ ds }}" % job.name,
        application_args=application_args(job),
        conf={"spark.driver.memory": variable("leadscore_driver_memory"),
              "spark.executor.memory": variable("leadscore_executor_memory")},
        depends_on_past=job.depends_on_past,
        doc_md=job.doc,
    )

"""The DAGs as Airflow loads them: no import errors, one SparkSubmitOperator per job of
leadscore_jobs' lists in that order, the run policy (schedule, catch-up, one run at a time,
depends_on_past, retries with back-off), and every rendered application_args accepted by
the real CLI's parser (io.leadscore.jobs.CliCheck in the shaded jar)."""
from __future__ import annotations

import subprocess
from datetime import timedelta

import pytest
from conftest import DAGS, RUN_DATE

from leadscore_jobs import BACKTEST_JOB, DAILY_JOBS, MAIN_CLASS, SPARK_CONN_ID, VARIABLES

try:  # Airflow 3.1+
    from airflow.dag_processing.dagbag import DagBag
except ImportError:  # Airflow 2.10 / 3.0
    from airflow.models.dagbag import DagBag
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

try:  # Airflow 3
    from airflow.sdk.execution_time import macros
except ImportError:  # Airflow 2.10
    from airflow import macros


@pytest.fixture(scope="module")
def dagbag():
    # Examples are off through AIRFLOW__CORE__LOAD_EXAMPLES (conftest); Airflow 3 has no
    # include_examples argument.
    return DagBag(dag_folder=str(DAGS))


@pytest.fixture(scope="module")
def daily(dagbag):
    return dagbag.dags["leadscore_daily"]


@pytest.fixture(scope="module")
def backtest(dagbag):
    return dagbag.dags["leadscore_backtest"]


def test_dagbag_imports_without_errors(dagbag):
    assert dagbag.import_errors == {}
    assert sorted(dagbag.dag_ids) == ["leadscore_backtest", "leadscore_daily"]


def test_daily_has_one_spark_submit_per_job_in_list_order(daily):
    names = [job.name for job in DAILY_JOBS]
    assert names[:3] == ["ingest", "score", "accounts"]
    assert [t.task_id for t in daily.topological_sort()] == names
    for i, job in enumerate(DAILY_JOBS):
        task = daily.get_task(job.name)
        assert isinstance(task, SparkSubmitOperator)
        assert task.upstream_task_ids == (set() if i == 0 else {names[i - 1]})
        assert task.depends_on_past is job.depends_on_past
        assert task.doc_md
    # State flows from day to day in the scoring jobs: stages, change feeds.
    assert daily.get_task("score").depends_on_past
    assert daily.get_task("accounts").depends_on_past


@pytest.mark.parametrize("dag_id,schedule", [("leadscore_daily", "@daily"),
                                             ("leadscore_backtest", "@weekly")])
def test_run_policy(dagbag, dag_id, schedule):
    dag = dagbag.dags[dag_id]
    assert str(getattr(dag, "schedule", None) or dag.schedule_interval) == schedule
    assert dag.catchup is False
    assert dag.max_active_runs == 1
    assert "leadscore" in dag.tags
    assert dag.doc_md and "leadscore" in dag.doc_md
    for task in dag.tasks:
        assert task.retries >= 2
        assert task.retry_exponential_backoff
        assert task.retry_delay == timedelta(minutes=5)
        assert task.max_retry_delay == timedelta(hours=1)


def test_backtest_dag_runs_the_backtest_job(backtest):
    assert backtest.task_ids == [BACKTEST_JOB.name]
    assert isinstance(backtest.get_task("backtest"), SparkSubmitOperator)


@pytest.mark.parametrize("dag_id", ["leadscore_daily", "leadscore_backtest"])
def test_settings_come_from_variables_and_the_connection(dagbag, dag_id):
    for task in dagbag.dags[dag_id].tasks:
        assert task._conn_id == SPARK_CONN_ID
        assert task._java_class == MAIN_CLASS
        assert "var.value.get('leadscore_jar'" in task.application
        args = " ".join(task.application_args)
        assert "var.value.get('leadscore_conf'" in args
        assert "var.value.get('leadscore_model'" in args
        assert "{{ ds }}" in task.name
        assert "var.value.get('leadscore_driver_memory'" in task.conf["spark.driver.memory"]


# --- the rendered arguments against the real CLI ---------------------------------------


class _Variables:
    """`var.value.get(name, default)` in templates: the documented default of each Variable."""

    class _Value:
        @staticmethod
        def get(name, default=None):
            return default

    value = _Value()


def render_args(dag, task_id: str, params: dict | None = None) -> list[str]:
    """application_args rendered by Airflow's own template machinery for RUN_DATE."""
    task = dag.get_task(task_id)
    resolved = {k: dag.params[k] for k in dag.params}
    resolved.update(params or {})
    context = {"ds": RUN_DATE, "params": resolved, "macros": macros, "var": _Variables()}
    return task.render_template(list(task.application_args), context,
                                dag.get_template_env())


def cli_check(spark_home, jar, command_lines: list[list[str]]) -> list[str]:
    """One result line per command line from the jar's parser: 'ok JOB' or 'error ...'."""
    classpath = "%s:%s/jars/*" % (jar, spark_home)
    done = subprocess.run(["java", "-cp", classpath, "io.leadscore.jobs.CliCheck"],
                          input="".join("\t".join(a) + "\n" for a in command_lines),
                          capture_output=True, text=True, timeout=300)
    lines = done.stdout.splitlines()
    assert len(lines) == len(command_lines), done.stderr
    return lines


def cli_jobs(spark_home, jar) -> list[str]:
    classpath = "%s:%s/jars/*" % (jar, spark_home)
    done = subprocess.run(["java", "-cp", classpath, "io.leadscore.jobs.CliCheck", "--jobs"],
                          capture_output=True, text=True, timeout=300, check=True)
    return done.stdout.split()


def test_rendered_daily_args_parse_with_the_real_cli(daily, spark_home, jar):
    cases = []
    for job in DAILY_JOBS:
        cases.append((job.name, render_args(daily, job.name)))
        cases.append((job.name, render_args(daily, job.name, {"from": "2026-07-24"})))
    results = cli_check(spark_home, jar, [args for _, args in cases])
    for (name, args), result in zip(cases, results):
        assert result == "ok " + name, (args, result)
    def value(args, option):
        return args[args.index(option) + 1]

    daily_ingest, first_load = cases[0][1], cases[1][1]
    assert value(daily_ingest, "--date") == value(daily_ingest, "--from") == RUN_DATE
    assert value(first_load, "--from") == "2026-07-24"
    assert value(daily_ingest, "--conf") == VARIABLES["leadscore_conf"]
    assert value(daily_ingest, "--model") == VARIABLES["leadscore_model"]


def test_the_cli_check_refuses_what_the_cli_refuses(spark_home, jar):
    results = cli_check(spark_home, jar, [
        ["score", "--date", RUN_DATE, "--bogus"],
        ["score", "--date", "2026-13-45"],
        ["nojob", "--date", RUN_DATE],
        ["score", "--date", RUN_DATE, "--help"],
    ])
    assert [r.split(" ", 1)[0] for r in results] == ["error"] * 4, results


def test_rendered_backtest_args_parse_with_the_real_cli(backtest, spark_home, jar):
    assert BACKTEST_JOB.name in cli_jobs(spark_home, jar)
    args = render_args(backtest, "backtest")
    assert args[args.index("--as-of") + 1] == "2026-10-21"   # RUN_DATE - 30 days
    assert cli_check(spark_home, jar, [args]) == ["ok backtest"]


"""Shared setup of the Airflow tests: a throw-away AIRFLOW_HOME, the DAG folder, the Spark
distribution (SPARK_HOME) and the shaded jar, and the warehouses the slow tests share.

Needs: SPARK_HOME (a Spark 3.5 distribution: the pyspark 3.5.x package's folder, installed
in a venv of its own since the Spark provider brings Spark 4's pyspark-client), the jar
built (mvn -B -DskipTests package), Java 17. .ci/python-checks sets all of it up.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DAGS = REPO / "airflow" / "dags"
JAR = REPO / "jobs" / "target" / "leadscore-jobs-all.jar"
FIRST_LOAD = "2026-07-24"   # the first landing date of data-samples
RUN_DATE = "2026-11-20"     # the date the tests run the DAG for

# Before anything imports airflow: its settings are read at import.
os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="leadscore-airflow-home-"))
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(DAGS)
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
sys.path.insert(0, str(DAGS))


def scratch() -> Path:
    path = Path(os.environ.get("LEADSCORE_TEST_SCRATCH", tempfile.gettempdir())) / "leadscore-airflow-tests"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def spark_home() -> Path:
    home = os.environ.get("SPARK_HOME")
    if not home or not (Path(home) / "bin" / "spark-submit").exists():
        pytest.fail("SPARK_HOME must point at a Spark 3.5 distribution (the pyspark package's "
                    "folder); .ci/python-checks sets it")
    return Path(home)


@pytest.fixture(scope="session")
def jar() -> Path:
    if not JAR.is_file():
        pytest.fail("%s is missing: run mvn -B -DskipTests package first" % JAR)
    return JAR


def run(cmd: list[str], log: Path, env: dict | None = None, timeout: int = 3600) -> float:
    """Runs cmd with its output in log; fails the test with the log's tail when it fails.

    cmd runs in a process group of its own, ended whole on a timeout or an interrupt: an
    `airflow dags test` killed alone would leave its spark-submit driver running."""
    started = time.monotonic()
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=REPO,
                                start_new_session=True)
        try:
            rc = proc.wait(timeout=timeout)
        except BaseException:
            end_group(proc)
            raise
    seconds = time.monotonic() - started
    if rc != 0:
        tail = "".join(log.read_text(errors="replace").splitlines(keepends=True)[-40:])
        pytest.fail("%s exited %d after %.0f s (log %s):\n%s" % (" ".join(map(str, cmd[:4])),
                                                                   rc, seconds, log, tail))
    return seconds


def end_group(proc: subprocess.Popen) -> None:
    """SIGTERM to the process group, SIGKILL to what is left after 30 s."""
    for sig, wait in ((signal.SIGTERM, 30), (signal.SIGKILL, 10)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            # The leader is gone; members may linger a moment longer.
            time.sleep(1)
        except subprocess.TimeoutExpired:
            pass


def spark_submit_python(spark_home: Path, jar: Path, script_args: list[str], log: Path) -> float:
    """Runs bin/warehouse_check.py with Spark on local[2], Delta from the shaded jar."""
    cmd = [str(spark_home / "bin" / "spark-submit"), "--master", "local[2]",
           "--driver-memory", "2g", "--jars", str(jar),
           "--conf", "spark.driver.host=127.0.0.1", "--conf", "spark.driver.bindAddress=127.0.0.1",
           str(REPO / "bin" / "warehouse_check.py"), *script_args]
    return run(cmd, log)


@pytest.fixture(scope="session")
def reference_warehouse(jar: Path) -> Path:
    """The warehouse of `bin/leadscore pipeline --from FIRST_LOAD --date RUN_DATE`.

    LEADSCORE_TEST_REFERENCE_WAREHOUSE names one already written by such a run instead
    (e.g. bin/cluster-smoke's), to check it without running the pipeline again."""
    given = os.environ.get("LEADSCORE_TEST_REFERENCE_WAREHOUSE")
    if given:
        print("\nreference warehouse given: %s" % given)
        return Path(given)
    out = scratch() / "pipeline-warehouse"
    subprocess.run(["rm", "-rf", str(out)], check=True)
    seconds = run([str(REPO / "bin" / "leadscore"), "pipeline", "--from", FIRST_LOAD,
                   "--date", RUN_DATE, "--warehouse", str(out)],
                  scratch() / "pipeline.log")
    print("\nbin/leadscore pipeline: %.0f s" % seconds)
    return out


@pytest.fixture(scope="session")
def spark_summary(spark_home: Path, jar: Path, reference_warehouse: Path) -> dict:
    """Spark's row counts and column statistics of every table of the reference warehouse."""
    out = scratch() / "spark-summary.json"
    spark_submit_python(spark_home, jar, ["summary", str(reference_warehouse), str(out)],
                        scratch() / "spark-summary.log")
    return json.loads(out.read_text())

"""`local_session`: a SparkSession on this machine, with Java found and the workers on this Python."""
import os
import sys

from pyspark.sql import SparkSession

from .java import ensure_java

__all__ = ["local_session"]

_LOCAL_DEFAULTS = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    # the machine's host name may not resolve (containers, CI): a local session stays on loopback
    "spark.driver.host": "127.0.0.1",
    "spark.driver.bindAddress": "127.0.0.1",
}


def local_session(master="local[2]", app_name="tracegraph", config=None):
    """A SparkSession (`SparkSession.builder...getOrCreate()`) for `master`, ready for tracegraph's UDFs.

    Finds Java first (`ensure_java`), runs the Python workers on this interpreter (unless
    `PYSPARK_PYTHON` says otherwise), and for a `local[...]` master turns the web UI and console
    progress bars off, binds to loopback and enables Arrow. `config` (a dict) adds or overrides Spark
    settings. An active session is returned as it is (Spark's `getOrCreate`); stop it with `.stop()`.
    """
    ensure_java()
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    settings = dict(_LOCAL_DEFAULTS) if master.startswith("local") else {}
    settings.update(config or {})
    builder = SparkSession.builder.master(master).appName(app_name)
    for key, value in settings.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()

"""What the benchmark ran on: processor, cores, library versions, load. Printed above every table."""
import datetime
import importlib
import os
import platform

import numpy

import tracegraph

__all__ = ["machine_info", "load_average", "THREADING_VARIABLES"]

#: Environment variables that change how the timed libraries use threads (shown when set).
THREADING_VARIABLES = ("OPENBLAS_NUM_THREADS", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OMP_NUM_THREADS",
                       "OMP_WAIT_POLICY", "GOMP_SPINCOUNT", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS",
                       "NUMBA_THREADING_LAYER")


def machine_info():
    """A dict describing this machine and the libraries that matter for the timings."""
    info = {
        "date_utc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "processor": _processor_name(),
        "cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "platform": platform.platform(terse=True),
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "tracegraph": getattr(tracegraph, "__version__", _distribution_version("tracegraph")),
        "load_average_start": load_average(),
    }
    info.update(_numba_info())
    threading = {name: os.environ[name] for name in THREADING_VARIABLES if name in os.environ}
    if threading:
        info["environment"] = threading
    return info


def load_average():
    """The 1-minute load average, or None where the OS does not report one."""
    try:
        return round(os.getloadavg()[0], 2)
    except (AttributeError, OSError):
        return None


def _numba_info():
    try:
        numba = importlib.import_module("numba")
    except Exception:  # noqa: BLE001 - the table still prints without numba
        return {"numba": None, "numba_threads": None}
    return {"numba": numba.__version__, "numba_threads": numba.config.NUMBA_NUM_THREADS}


def _processor_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _distribution_version(name):
    try:
        from importlib import metadata  # noqa: PLC0415
        return metadata.version(name)
    except Exception:  # noqa: BLE001
        return "unknown"

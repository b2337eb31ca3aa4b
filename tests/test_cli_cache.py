"""`tracegraph cache info|clear`: the compiled-kernel cache seen and emptied from the command line."""
import subprocess
import sys

import numpy as np
import pytest

import tracegraph as tg
from tracegraph import cli

pytest.importorskip("numba")


@pytest.fixture
def cache_with_kernels(monkeypatch, tmp_path):
    """A fresh cache directory holding the kernels of one fused function."""
    from tracegraph_backends.numba import cache  # noqa: PLC0415 - imports numba, after the skip
    monkeypatch.setenv("TRACEGRAPH_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(cache, "_loaded", {})
    fn = tg.function(lambda v: tg.exp(v) * 3.0 - v, backend="numba")
    fn(np.linspace(0, 1, 10_000, dtype=np.float32))
    assert cache.cache_info()["kernels"] > 0
    return tmp_path


def test_info_shows_location_kernels_size_and_bound(cache_with_kernels, monkeypatch, capsys):
    monkeypatch.setenv("TRACEGRAPH_CACHE_MAX_BYTES", str(3 * 2**20))
    assert cli.main(["cache", "info"]) == 0
    out = capsys.readouterr().out
    assert str(cache_with_kernels / "numba") in out
    assert "kernels:   0" not in out and "of at most 3.0 MiB" in out


def test_clear_empties_the_cache(cache_with_kernels, capsys):
    assert cli.main(["cache", "clear"]) == 0
    assert "removed" in capsys.readouterr().out
    assert not list((cache_with_kernels / "numba").rglob("k_*"))
    assert cli.main(["cache", "info"]) == 0
    assert "kernels:   0" in capsys.readouterr().out


def test_a_bad_bound_is_a_clear_error(monkeypatch, capsys):
    monkeypatch.setenv("TRACEGRAPH_CACHE_MAX_BYTES", "half a gig")
    assert cli.main(["cache", "info"]) == 1
    assert "TRACEGRAPH_CACHE_MAX_BYTES" in capsys.readouterr().err


def test_the_console_command_runs(cache_with_kernels):
    done = subprocess.run([sys.executable, "-m", "tracegraph", "cache", "info"], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert str(cache_with_kernels / "numba") in done.stdout

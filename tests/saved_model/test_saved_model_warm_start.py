"""On a compiling backend (numba), a loaded function answers before its plan is compiled: it runs NumPy's
plan meanwhile, compiles in the background, and then uses the compiled plan; the results agree."""
import threading
import time

import numpy as np
import pytest

import tracegraph as tg
import tracegraph.saved_model as saved_model
from tracegraph.backend import get_backend


class Affine(tg.Module):
    def __init__(self):
        super().__init__()
        self.w = tg.Variable(np.arange(6, dtype=np.float32).reshape(3, 2))

    @tg.function(input_signature=[tg.TensorSpec([None, 3], tg.float32)])
    def __call__(self, x):
        return tg.matmul(x, self.w)


def _wait_until_compiled(concrete, timeout=120.0):
    deadline = time.monotonic() + timeout
    while concrete._warming and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not concrete._warming


def test_a_loaded_function_runs_before_and_after_its_background_compile(tmp_path, monkeypatch):
    pytest.importorskip("numba")
    saved_model.save(Affine(), str(tmp_path / "m"))
    tg.config.set_backend("numba")
    numba_backend = get_backend("numba")
    release = threading.Event()
    compile_plan = numba_backend.compile

    def slow_compile(graph):
        release.wait(60)
        return compile_plan(graph)

    monkeypatch.setattr(numba_backend, "compile", slow_compile)
    loaded = saved_model.load(str(tmp_path / "m"))
    concrete = loaded._functions["__call__"].concrete_functions[0]
    x = np.array([[1.0, 2.0, 3.0]], np.float32)
    expected = x @ np.arange(6, dtype=np.float32).reshape(3, 2)
    np.testing.assert_allclose(loaded(x).numpy(), expected)
    assert concrete._plan is None and concrete._interim is not None  # answered on NumPy's plan
    release.set()
    _wait_until_compiled(concrete)
    assert concrete._plan is not None and concrete._interim is None
    np.testing.assert_allclose(loaded(x).numpy(), expected)


def test_on_numpy_the_first_call_compiles_as_usual(tmp_path):
    saved_model.save(Affine(), str(tmp_path / "m"))
    loaded = saved_model.load(str(tmp_path / "m"))
    concrete = loaded._functions["__call__"].concrete_functions[0]
    assert not concrete._warming and concrete._plan is None
    loaded(np.ones((1, 3), np.float32))
    assert concrete._plan is not None and concrete._interim is None

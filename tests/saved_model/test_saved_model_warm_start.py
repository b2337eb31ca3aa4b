"""On a compiling backend (numba), a loaded function answers before its plan is compiled: it runs NumPy's
plan meanwhile, compiles in the background (tiered execution, started at load), and then uses the
compiled plan; the results agree."""
import threading

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


def test_a_loaded_function_runs_before_and_after_its_background_compile(tmp_path, monkeypatch):
    pytest.importorskip("numba")
    tg.config.experimental.set_tiered_execution(True)  # (tests/conftest.py turns it off)
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
    assert concrete.execution_tier == 0 and concrete._tier0 is not None  # answered on NumPy's plan
    release.set()
    assert concrete.wait_compiled(120)
    assert concrete.execution_tier == 1
    np.testing.assert_allclose(loaded(x).numpy(), expected)


def test_on_numpy_the_first_call_compiles_as_usual(tmp_path):
    tg.config.experimental.set_tiered_execution(True)
    saved_model.save(Affine(), str(tmp_path / "m"))
    loaded = saved_model.load(str(tmp_path / "m"))
    concrete = loaded._functions["__call__"].concrete_functions[0]
    assert concrete._tier0 is None and concrete._plan is None
    loaded(np.ones((1, 3), np.float32))
    assert concrete._plan is not None and concrete._tier0 is None

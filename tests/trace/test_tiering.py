"""Tiered execution: on Numba, a new trace answers on NumPy's plan (tier 0) while its compiled plan is
made on a background thread (tier 1); the swap is atomic, a compile failure keeps tier 0 and warns
once, a process may exit while a compile is in flight, and the setting (global or per function)
makes the first call wait for the compiled plan."""
import os
import subprocess
import sys
import textwrap
import threading
import warnings

import numpy as np
import pytest

import tracegraph as tg
from tracegraph.backend import get_backend
from tracegraph.trace import tiering

pytest.importorskip("numba")

#: Elements: above the Numba backend's NumPy limit for expressions with `exp`, so a kernel runs.
N = 1000


@pytest.fixture
def tiering_on():
    """Tiered execution on, as users get it (tests/conftest.py turns it off for the other tests)."""
    tg.config.experimental.set_tiered_execution(True)
    yield
    tg.config.experimental.set_tiered_execution(False)


def scaled_elu(z):
    return 1.05 * tg.where(z >= 0.0, z, 1.67 * (tg.exp(z) - 1.0))


def reference(z):
    return np.float32(1.05) * np.where(z >= 0, z, np.float32(1.67) * (np.exp(z) - np.float32(1)))


def inputs(seed=0):
    return np.random.default_rng(seed).uniform(-3, 3, N).astype(np.float32)


def assert_agrees(result, expected):
    """Within the kernels' documented accuracy (their exp is within 1 ulp, NumPy's within 2.3)."""
    np.testing.assert_allclose(result, expected, rtol=2e-6, atol=1e-6)


def traced(**options):
    f = tg.function(scaled_elu, backend="numba", **options)
    x = tg.constant(inputs())
    return f, x, f.get_concrete_function(x)


def test_the_first_call_runs_tier_0_and_the_compiled_plan_is_swapped_in(tiering_on):
    f, x, concrete = traced()
    with concrete._compile_lock:   # the background compile waits for it: the call must run tier 0
        first = f(x).numpy()
        assert concrete.execution_tier == 0
    assert concrete.wait_compiled(120)
    assert concrete.execution_tier == 1
    later = f(x).numpy()
    assert_agrees(first, reference(x.numpy()))
    assert_agrees(later, first)


def test_concurrent_calls_during_the_swap_all_compute_the_function(tiering_on):
    f, x, concrete = traced()
    arrays = [inputs(seed) for seed in range(4)]
    errors, mismatches = [], []

    def caller(array):
        try:
            for _ in range(30):
                result = f(tg.constant(array)).numpy()
                if not np.allclose(result, reference(array), rtol=2e-6, atol=1e-6):
                    mismatches.append(result)
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=caller, args=(a,)) for a in arrays]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors and not mismatches
    assert concrete.wait_compiled(120) and concrete.execution_tier == 1


def test_a_call_in_flight_finishes_on_the_plan_it_started_with(tiering_on):
    f, x, concrete = traced()
    started, swapped = threading.Event(), threading.Event()
    tier0 = tiering.prepare(concrete, [x.numpy()])
    finished_on = []

    def slow_tier0(arrays):
        started.set()
        assert swapped.wait(120)
        finished_on.append("tier 0")
        return tier0(arrays)

    concrete._tier0 = slow_tier0
    results = []
    thread = threading.Thread(target=lambda: results.append(f(x).numpy()))
    thread.start()
    assert started.wait(60)
    tiering.submit(concrete)
    assert concrete.wait_compiled(120) and concrete.execution_tier == 1
    assert_agrees(f(x).numpy(), reference(x.numpy()))   # a new call runs the compiled plan...
    swapped.set()
    thread.join(60)
    assert finished_on == ["tier 0"]                      # ...while the one in flight stayed on tier 0
    assert_agrees(results[0], reference(x.numpy()))


def test_a_compile_failure_keeps_tier_0_and_warns_once_with_the_reason(tiering_on, monkeypatch):
    def failing_compile(graph):
        raise RuntimeError("LLVM ran out of registers")

    monkeypatch.setattr(get_backend("numba"), "compile", failing_compile)
    f, x, concrete = traced()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        first = f(x).numpy()
        assert concrete.wait_compiled(60)
        later = [f(x).numpy() for _ in range(3)]
        assert concrete.wait_compiled(60)
    messages = [str(w.message) for w in caught if issubclass(w.category, tiering.TieringWarning)]
    assert len(messages) == 1 and "LLVM ran out of registers" in messages[0]
    assert concrete.execution_tier == 0
    for result in [first, *later]:
        np.testing.assert_array_equal(result, first)
        assert_agrees(result, reference(x.numpy()))


def test_effects_run_once_per_call_on_either_tier(tiering_on):
    counter = tg.Variable(0.0)

    @tg.function(backend="numba")
    def count_and_scale(z):
        counter.assign_add(1.0)
        return scaled_elu(z)

    x = tg.constant(inputs())
    concrete = count_and_scale.get_concrete_function(x)
    with concrete._compile_lock:
        count_and_scale(x)
    assert concrete.wait_compiled(120) and concrete.execution_tier == 1
    assert_agrees(count_and_scale(x).numpy(), reference(x.numpy()))
    assert float(counter.numpy()) == 2.0


def test_turned_off_the_first_call_runs_the_compiled_plan():
    tg.config.experimental.set_tiered_execution(False)
    f, x, concrete = traced()
    first = f(x).numpy()
    assert concrete.execution_tier == 1 and concrete._tier0 is None
    np.testing.assert_array_equal(f(x).numpy(), first)   # bit-identical from the first call


def test_the_per_function_option_overrides_the_setting(tiering_on):
    f, x, concrete = traced(experimental_tiered_execution=False)
    first = f(x).numpy()
    assert concrete.execution_tier == 1 and concrete._tier0 is None
    np.testing.assert_array_equal(f(x).numpy(), first)
    tg.config.experimental.set_tiered_execution(False)
    g, y, on = traced(experimental_tiered_execution=True)
    with on._compile_lock:
        g(y)
        assert on.execution_tier == 0
    assert on.wait_compiled(120) and on.execution_tier == 1


def test_the_numpy_backend_does_not_tier(tiering_on):
    f = tg.function(scaled_elu, backend="numpy")
    x = tg.constant(inputs())
    f(x)
    concrete = f.get_concrete_function(x)
    assert concrete.execution_tier == 1 and concrete._tier0 is None


def test_a_process_exiting_while_a_compile_is_in_flight_exits_cleanly(tmp_path):
    script = textwrap.dedent("""
        import numpy as np
        import tracegraph as tg
        f = tg.function(lambda z: 2.0 * tg.exp(z) + tg.sin(z) * 3.0, backend="numba")
        x = tg.constant(np.linspace(-1, 1, 5000, dtype=np.float32))
        f(x)
        print("tier", f.get_concrete_function(x).execution_tier, flush=True)
    """)
    # an empty kernel cache: the compile takes a while and is in flight at exit
    env = dict(os.environ, TRACEGRAPH_CACHE_DIR=str(tmp_path / "cache"))
    completed = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True,
                               timeout=120, check=False)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "tier 0"
    assert "Traceback" not in completed.stderr and "Fatal" not in completed.stderr

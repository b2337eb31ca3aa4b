"""The names tutorials call to ask where they run: `tg.executing_eagerly` and `tg.test`'s machine queries."""
import importlib.util

import pytest

import tracegraph as tg


def test_executing_eagerly_is_false_only_while_tracing():
    seen = []

    @tg.function
    def f(x):
        seen.append(tg.executing_eagerly())
        with tg.init_scope():
            seen.append(tg.executing_eagerly())
        return x + 1

    assert tg.executing_eagerly()
    f(tg.constant(1.0))
    assert seen == [False, True]
    tg.config.run_functions_eagerly(True)
    try:
        f(tg.constant(2.0))
    finally:
        tg.config.run_functions_eagerly(False)
    assert seen[-1] is True


def test_gpu_queries_agree_with_the_device_list():
    has_gpu = bool(tg.config.list_physical_devices("GPU"))
    with pytest.warns(DeprecationWarning, match="list_physical_devices"):
        assert tg.test.is_gpu_available() == has_gpu
    assert tg.test.gpu_device_name() == ("/device:GPU:0" if has_gpu else "")
    assert tg.test.is_built_with_cuda() == (importlib.util.find_spec("cupy") is not None)
    assert tg.test.is_built_with_gpu_support() == tg.test.is_built_with_cuda()

"""Test-wide setup: every eager op result is checked against its op's shape rule, every
graph optimized is re-checked by the verifier after each pass, compiled kernels go to a
cache directory of the test run's own (never the user's ~/.cache), and traced functions run
their compiled plan from the first call (tiered execution is on only in the tests about it)."""
import os
import shutil
import tempfile

import pytest

import tracegraph as tg
from tracegraph.core import dispatch


_TEST_RUN_CACHE_DIR = None


def pytest_configure(config):
    """Unless TRACEGRAPH_CACHE_DIR is set, kernels of this run go to a fresh temporary directory."""
    global _TEST_RUN_CACHE_DIR
    if not os.environ.get("TRACEGRAPH_CACHE_DIR"):
        _TEST_RUN_CACHE_DIR = tempfile.mkdtemp(prefix="tracegraph-test-cache-")
        os.environ["TRACEGRAPH_CACHE_DIR"] = _TEST_RUN_CACHE_DIR


def pytest_unconfigure(config):
    """Remove the run's temporary kernel cache."""
    if _TEST_RUN_CACHE_DIR is not None:
        shutil.rmtree(_TEST_RUN_CACHE_DIR, ignore_errors=True)


@pytest.fixture(autouse=True)
def _check_shape_rules():
    dispatch.CHECK_RESULTS = True
    yield
    dispatch.CHECK_RESULTS = False


@pytest.fixture(autouse=True)
def _compiled_plan_from_the_first_call():
    """Traced functions run their backend's compiled plan from the first call, as most tests
    expect (tiered execution, on for users, is tested in tests/trace/test_tiering.py)."""
    tg.config.experimental.set_tiered_execution(False)
    yield
    tg.config.experimental.set_tiered_execution(True)


@pytest.fixture(autouse=True)
def _verify_after_every_pass(monkeypatch):
    monkeypatch.setenv("TRACEGRAPH_VERIFY", "1")


@pytest.fixture
def numpy_backend():
    """Traced functions run on the NumPy backend (the reference) during the test."""
    tg.config.set_backend("numpy")
    yield
    tg.config.set_backend(None)

"""Test-wide setup: every eager op result is checked against its op's shape rule, and every
graph optimized is re-checked by the verifier after each pass."""
import pytest

import tracegraph as tg
from tracegraph.ops import dispatch


@pytest.fixture(autouse=True)
def _check_shape_rules():
    dispatch.CHECK_RESULTS = True
    yield
    dispatch.CHECK_RESULTS = False


@pytest.fixture(autouse=True)
def _verify_after_every_pass(monkeypatch):
    monkeypatch.setenv("TRACEGRAPH_VERIFY", "1")


@pytest.fixture
def numpy_backend():
    """Traced functions run on the NumPy backend (the reference) during the test."""
    tg.config.set_backend("numpy")
    yield
    tg.config.set_backend(None)

"""Every graph optimized in these tests is re-checked by the verifier after each pass, and traced
functions run on the NumPy backend (the reference; other backends have their own conformance tests)."""
import pytest

import tracegraph as tg


@pytest.fixture(autouse=True)
def _verify_after_every_pass(monkeypatch):
    monkeypatch.setenv("TRACEGRAPH_VERIFY", "1")


@pytest.fixture(autouse=True)
def _numpy_backend():
    tg.config.set_backend("numpy")
    yield
    tg.config.set_backend(None)

"""Saved-model tests run traced functions on the NumPy backend (the reference; fast to start)."""
import pytest

import tracegraph as tg


@pytest.fixture(autouse=True)
def _numpy_backend():
    tg.config.set_backend("numpy")
    yield
    tg.config.set_backend(None)

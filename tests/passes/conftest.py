"""Traced functions in these tests run on the NumPy backend, the reference; the other
backends are checked by the conformance suite in tests/backends."""
import pytest


@pytest.fixture(autouse=True)
def _numpy_backend(numpy_backend):
    yield

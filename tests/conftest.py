"""Test-wide setup: every eager op result is checked against its op's shape rule."""
import pytest

from tracegraph.ops import dispatch


@pytest.fixture(autouse=True)
def _check_shape_rules():
    dispatch.CHECK_RESULTS = True
    yield
    dispatch.CHECK_RESULTS = False

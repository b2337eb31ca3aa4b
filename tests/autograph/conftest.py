"""Converted functions run on the NumPy backend (the reference) unless a test asks for every backend."""
import pytest

import tracegraph as tg


@pytest.fixture(autouse=True)
def _numpy_backend(numpy_backend):
    yield


@pytest.fixture(params=["numpy", "default"])
def each_backend(request):
    """Run the test on the NumPy backend and on the default (fastest available) one."""
    tg.config.set_backend(None if request.param == "default" else request.param)
    yield request.param
    tg.config.set_backend("numpy")


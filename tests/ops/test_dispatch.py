"""bind / run_eagerly: the output specs of eager applications are remembered per kind of input."""
import numpy as np
import pytest

import tracegraph as tg
from tracegraph.core import dispatch


def test_specs_are_remembered_per_dtype_shape_and_attrs():
    dispatch._SPEC_CACHE.clear()
    x = tg.constant(np.ones((2, 3), np.float32))
    for _ in range(3):
        assert tg.reduce_sum(x, axis=0).shape == (3,)
    assert tg.reduce_sum(x, axis=1).shape == (2,)
    assert tg.reduce_sum(tg.constant(np.ones((4, 5))), axis=0).dtype == tg.float64
    keys = [k for k in dispatch._SPEC_CACHE if k[0].name == "reduce_sum"]
    assert len(keys) == 3


def test_an_invalid_application_still_raises_after_valid_ones():
    x = tg.constant(np.ones((2, 3), np.float32))
    tg.reduce_sum(x, axis=1)
    with pytest.raises((ValueError, tg.errors.InvalidArgumentError)):
        tg.reduce_sum(x, axis=5)
    with pytest.raises(TypeError):
        tg.add(x, tg.constant(np.ones((2, 3), np.int32)))


def test_unhashable_attrs_are_not_cached_but_work():
    x = tg.constant(np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(tg.transpose(x, perm=[1, 0]).numpy(), x.numpy().T)


def test_the_cache_is_bounded(monkeypatch):
    monkeypatch.setattr(dispatch, "_SPEC_CACHE_SIZE", 4)
    dispatch._SPEC_CACHE.clear()
    for n in range(1, 10):  # reduce_sum takes the general path (elementwise ops have a fast path of their own)
        tg.reduce_sum(tg.constant(np.ones(n, np.float32)))
        assert 1 <= len(dispatch._SPEC_CACHE) <= 4

"""`keras.regularizers`: penalties against values recorded from Keras 3.15, names and configs."""
import json

import numpy as np
import pytest

import tracegraph as tg
from tracegraph.keras import regularizers

W = (np.arange(12, dtype=np.float32).reshape(3, 4) % 5 - 2) / 3

# Recorded from Keras 3.15 on TF 2.21: keras.regularizers.<name>(...)(W).
RECORDED = [
    (regularizers.L1(0.3), 1.5),
    (regularizers.L2(0.2), 0.5555555820465088),
    (regularizers.L1L2(0.1, 0.05), 0.6388888955116272),
    (regularizers.OrthogonalRegularizer(0.5), 0.15294380486011505),
    (regularizers.OrthogonalRegularizer(0.2, mode="columns"), 0.09803653508424759),
]


@pytest.mark.parametrize("regularizer, expected", RECORDED, ids=[type(r).__name__ for r, _ in RECORDED])
def test_penalty_matches_keras(regularizer, expected):
    penalty = regularizer(tg.constant(W))
    assert penalty.shape == () and penalty.dtype == tg.float32
    np.testing.assert_allclose(float(penalty), expected, rtol=1e-6)
    np.testing.assert_allclose(float(tg.function(regularizer)(tg.constant(W))), expected, rtol=1e-6)


def test_penalties_keep_the_weight_dtype_and_are_differentiable():
    w = tg.constant(W.astype(np.float64))
    assert regularizers.L1L2()(w).dtype == tg.float64 and float(regularizers.L1L2()(w)) == 0.0
    tg.test.check_gradients(lambda t: regularizers.L1L2(0.1, 0.3)(t), [w + 0.01], rtol=1e-6)
    tg.test.check_gradients(lambda t: regularizers.OrthogonalRegularizer(0.5)(t), [w + 0.01], rtol=1e-6, atol=1e-8)


def test_defaults_and_names():
    assert regularizers.get("l1").l1 == 0.01 and regularizers.get("l2").l2 == 0.01
    assert isinstance(regularizers.get("L1L2"), regularizers.L1L2)
    assert isinstance(regularizers.get(regularizers.L2), regularizers.L2)
    assert regularizers.get(None) is None
    assert regularizers.l1_l2 is regularizers.L1L2
    custom = lambda w: tg.reduce_sum(w)  # noqa: E731
    assert regularizers.get(custom) is custom
    with pytest.raises(ValueError, match="Unknown regularizer"):
        regularizers.get("l3")
    with pytest.raises(ValueError, match="non-negative"):
        regularizers.L2(-1.0)
    with pytest.raises(ValueError, match="mode"):
        regularizers.OrthogonalRegularizer(mode="diagonal")
    with pytest.raises(ValueError, match="rank 2"):
        regularizers.OrthogonalRegularizer()(tg.ones([2, 2, 2]))


@pytest.mark.parametrize("regularizer", [r for r, _ in RECORDED])
def test_serialize_round_trip(regularizer):
    config = json.loads(json.dumps(regularizers.serialize(regularizer)))
    rebuilt = regularizers.deserialize(config)
    assert type(rebuilt) is type(regularizer) and rebuilt.get_config() == regularizer.get_config()
    assert regularizers.get(config).get_config() == regularizer.get_config()


def test_serialize_none_and_unknown():
    assert regularizers.serialize(None) is None
    with pytest.raises(ValueError, match="Cannot serialize"):
        regularizers.serialize(lambda w: w)
    with pytest.raises(ValueError, match="Unknown regularizer class"):
        regularizers.deserialize({"class_name": "L3", "config": {}})

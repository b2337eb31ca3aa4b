"""`keras.constraints`: projections against values recorded from Keras 3.15, names and configs."""
import json

import numpy as np
import pytest

import tracegraph as tg
from tracegraph.keras import constraints

W = (np.arange(12, dtype=np.float32).reshape(3, 4) % 5 - 2) / 1.5

# Recorded from Keras 3.15 on TF 2.21: keras.constraints.<name>(...)(W).
RECORDED = [
    (constraints.MaxNorm(1.0), [[-0.6666667, -0.3333333, 0.0, 0.6666666], [0.6666667, -0.6666667, -0.4472135, 0.0],
                                [0.3333333, 0.6666667, -0.8944271, -0.6666666]]),
    (constraints.MaxNorm(2.0, axis=1), [[-1.3333333, -0.6666666, 0.0, 0.6666666],
                                        [1.3333334, -1.3333334, -0.6666667, 0.0],
                                        [0.6324556, 1.2649112, -1.2649112, -0.6324556]]),
    (constraints.MinMaxNorm(0.5, 1.5, rate=0.7), [[-1.1, -0.55, 0.0, 0.6666666], [1.1, -1.1, -0.6666666, 0.0],
                                                  [0.55, 1.1, -1.3333333, -0.6666666]]),
    (constraints.NonNeg(), [[0.0, 0.0, 0.0, 0.6666667], [1.3333334, 0.0, 0.0, 0.0], [0.6666667, 1.3333334, 0.0, 0.0]]),
    (constraints.UnitNorm(axis=1), [[-0.8164965, -0.4082482, 0.0, 0.4082482], [0.6666667, -0.6666667, -0.3333333, 0.0],
                                    [0.3162278, 0.6324556, -0.6324556, -0.3162278]]),
]
IDS = [type(c).__name__ for c, _ in RECORDED]


@pytest.mark.parametrize("constraint, expected", RECORDED, ids=IDS)
def test_projection_matches_keras(constraint, expected):
    np.testing.assert_allclose(constraint(tg.constant(W)).numpy(), expected, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(tg.function(constraint)(tg.constant(W)).numpy(), expected, rtol=1e-6, atol=1e-7)


def test_constraints_apply_to_variables():
    variable = tg.Variable(W, constraint=constraints.NonNeg())
    np.testing.assert_array_equal(variable.constraint(variable).numpy(), np.maximum(W, 0))
    np.testing.assert_array_equal(constraints.Constraint()(W), W)


def test_get_names_classes_and_errors():
    assert isinstance(constraints.get("max_norm"), constraints.MaxNorm)
    assert isinstance(constraints.get("MaxNorm"), constraints.MaxNorm)
    assert isinstance(constraints.get("non_neg"), constraints.NonNeg)
    assert isinstance(constraints.get(constraints.UnitNorm), constraints.UnitNorm)
    assert constraints.get(None) is None and constraints.unit_norm is constraints.UnitNorm
    clip = lambda w: tg.clip_by_value(w, -1.0, 1.0)  # noqa: E731
    assert constraints.get(clip) is clip
    with pytest.raises(ValueError, match="Unknown constraint"):
        constraints.get("max_nrom")
    with pytest.raises(ValueError, match="Could not interpret"):
        constraints.get(3)


@pytest.mark.parametrize("constraint", [c for c, _ in RECORDED], ids=IDS)
def test_serialize_round_trip(constraint):
    config = json.loads(json.dumps(constraints.serialize(constraint)))
    rebuilt = constraints.get(config)
    assert type(rebuilt) is type(constraint) and rebuilt.get_config() == constraint.get_config()
    assert constraints.serialize(None) is None
    assert constraints.MinMaxNorm().get_config() == {"min_value": 0.0, "max_value": 1.0, "rate": 1.0, "axis": 0}

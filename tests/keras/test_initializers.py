"""`keras.initializers`: fans, the distributions' bounds and spreads, seeds, names and configs."""
import json

import numpy as np
import pytest

import tracegraph as tg
from tracegraph.keras import initializers


def draw(initializer, shape=(200, 300), dtype="float32"):
    value = initializer(shape, dtype=dtype)
    assert tuple(value.shape) == tuple(shape) and value.dtype == tg.as_dtype(dtype)
    return value.numpy()


@pytest.mark.parametrize("shape, fans", [((), (1, 1)), ((7,), (7, 7)), ((3, 5), (3, 5)), ((2, 3, 4, 5), (24, 30))])
def test_compute_fans_as_keras(shape, fans):
    assert initializers.compute_fans(shape) == fans


def test_constant_initializers():
    np.testing.assert_array_equal(draw(initializers.Zeros(), (2, 3)), np.zeros((2, 3)))
    np.testing.assert_array_equal(draw(initializers.Ones(), (4,), "float64"), np.ones(4))
    np.testing.assert_array_equal(draw(initializers.Constant(2.5), (2, 2)), np.full((2, 2), 2.5))
    np.testing.assert_array_equal(draw(initializers.Identity(gain=3.0), (2, 3)), 3.0 * np.eye(2, 3))
    with pytest.raises(ValueError, match="2-D"):
        initializers.Identity()((2, 2, 2))


UNIFORM_LIMITS = [
    (initializers.GlorotUniform(), np.sqrt(6 / 500)),
    (initializers.HeUniform(), np.sqrt(6 / 200)),
    (initializers.LecunUniform(), np.sqrt(3 / 200)),
    (initializers.RandomUniform(), 0.05),
    (initializers.get("uniform"), 0.05),
    (initializers.VarianceScaling(2.0, "fan_out", "uniform"), np.sqrt(6 / 300)),
]


@pytest.mark.parametrize("initializer, limit", UNIFORM_LIMITS, ids=[type(i).__name__ for i, _ in UNIFORM_LIMITS])
def test_uniform_initializers_fill_their_interval(initializer, limit):
    values = draw(initializer)
    assert np.abs(values).max() <= limit and np.abs(values).max() > 0.99 * limit
    assert abs(values.std() - limit / np.sqrt(3)) < 0.02 * limit


NORMAL_STDDEVS = [
    (initializers.GlorotNormal(), np.sqrt(2 / 500), True),
    (initializers.HeNormal(), np.sqrt(2 / 200), True),
    (initializers.LecunNormal(), np.sqrt(1 / 200), True),
    (initializers.VarianceScaling(mode="fan_avg", distribution="untruncated_normal"), np.sqrt(1 / 250), False),
    (initializers.VarianceScaling(distribution="normal"), np.sqrt(1 / 200), True),  # tf.keras 2's alias
    (initializers.RandomNormal(mean=1.0, stddev=0.2), 0.2, False),
    (initializers.get("normal"), 0.05, False),
    (initializers.TruncatedNormal(stddev=0.3), 0.3 * 0.87962566, True),
]


@pytest.mark.parametrize("initializer, stddev, truncated", NORMAL_STDDEVS,
                         ids=[f"{type(i).__name__}-{k}" for k, (i, _, _) in enumerate(NORMAL_STDDEVS)])
def test_normal_initializers_have_keras_spread(initializer, stddev, truncated):
    values = draw(initializer)
    centred = values - getattr(initializer, "mean", 0.0)
    assert abs(centred.std() - stddev) < 0.02 * stddev
    # A truncated draw (variance-scaling ones are rescaled to keep the variance) stays within 2 of its stddevs.
    bound = np.abs(centred).max() / (stddev / 0.87962566 if truncated else stddev)
    assert bound <= 2.0 + 1e-5 if truncated else bound > 3.0


def test_orthogonal_rows_or_columns_are_orthonormal():
    tall = draw(initializers.Orthogonal(), (6, 4), "float64")
    np.testing.assert_allclose(tall.T @ tall, np.eye(4), atol=1e-12)
    wide = draw(initializers.Orthogonal(gain=2.0), (3, 5), "float64")
    np.testing.assert_allclose(wide @ wide.T, 4.0 * np.eye(3), atol=1e-12)
    assert draw(initializers.Orthogonal(), (2, 3, 4)).shape == (2, 3, 4)


def test_seeded_initializers_repeat_and_unseeded_ones_do_not():
    seeded = initializers.GlorotUniform(seed=5)
    np.testing.assert_array_equal(draw(seeded, (3, 4)), draw(seeded, (3, 4)))
    np.testing.assert_array_equal(draw(seeded, (3, 4)), draw(initializers.GlorotUniform(seed=5), (3, 4)))
    assert not np.array_equal(draw(seeded, (3, 4)), draw(initializers.GlorotUniform(seed=6), (3, 4)))
    unseeded = initializers.RandomNormal()
    assert not np.array_equal(draw(unseeded, (3, 4)), draw(unseeded, (3, 4)))
    tg.random.set_seed(12)
    first = draw(unseeded, (3, 4))
    tg.random.set_seed(12)
    np.testing.assert_array_equal(draw(unseeded, (3, 4)), first)


def test_get_accepts_names_classes_instances_dicts_and_callables():
    assert isinstance(initializers.get("glorot_uniform"), initializers.GlorotUniform)
    assert isinstance(initializers.get("GlorotUniform"), initializers.GlorotUniform)
    assert isinstance(initializers.get(initializers.HeNormal), initializers.HeNormal)
    uniform = initializers.get("uniform")
    assert isinstance(uniform, initializers.RandomUniform) and (uniform.minval, uniform.maxval) == (-0.05, 0.05)
    instance = initializers.Constant(3.0)
    assert initializers.get(instance) is instance and initializers.get(None) is None

    def custom(shape, dtype=None):
        return tg.ones(shape, dtype=dtype)
    assert initializers.get(custom) is custom
    with pytest.raises(ValueError, match="Unknown initializer"):
        initializers.get("glorot_uniformm")
    with pytest.raises(TypeError):
        initializers.get(3)


@pytest.mark.parametrize("initializer", [initializers.RandomNormal(0.5, 2.0, seed=3), initializers.Constant(1.5),
                                         initializers.VarianceScaling(0.5, "fan_avg", "uniform", seed=1),
                                         initializers.HeUniform(seed=4), initializers.Orthogonal(gain=0.5),
                                         initializers.Identity(2.0), initializers.Zeros()])
def test_serialize_round_trip(initializer):
    config = json.loads(json.dumps(initializers.serialize(initializer)))
    rebuilt = initializers.deserialize(config)
    assert type(rebuilt) is type(initializer) and rebuilt.get_config() == initializer.get_config()
    assert initializers.get(config).get_config() == initializer.get_config()


def test_serialize_none_and_errors():
    assert initializers.serialize(None) is None
    with pytest.raises(ValueError, match="Cannot serialize"):
        initializers.serialize(lambda shape, dtype=None: tg.zeros(shape))
    with pytest.raises(ValueError, match="Unknown initializer class"):
        initializers.deserialize({"class_name": "Nope", "config": {}})
    for arguments in ({"scale": 0.0}, {"mode": "fan_max"}, {"distribution": "cauchy"}):
        with pytest.raises(ValueError):
            initializers.VarianceScaling(**arguments)

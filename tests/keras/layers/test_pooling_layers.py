"""keras.layers pooling: MaxPooling/AveragePooling 1D/2D/3D and the global pools (with Keras's
aliases): shapes, values against NumPy (and Keras 3's recorded outputs), masks, configs, errors,
and gradients against finite differences in float64."""
import itertools

import numpy as np
import pytest

import tracegraph as tg
from tracegraph.keras.layers import pooling
from tracegraph.keras.layers.pooling import (AveragePooling1D, AveragePooling2D, AveragePooling3D,
                                             GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalMaxPooling1D,
                                             GlobalMaxPooling2D, GlobalMaxPooling3D, MaxPooling1D, MaxPooling2D,
                                             MaxPooling3D)
from tracegraph.test import check_gradients


def rand(seed, shape, dtype=np.float64):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def reference_pool(x, size, strides, padding, reduce):
    """`reduce` over the input elements of each window of the channels-last `x`."""
    n = x.ndim - 2
    lengths = x.shape[1:-1]
    if padding == "same":
        out = [-(-length // s) for length, s in zip(lengths, strides)]
        before = [max((o - 1) * s + k - length, 0) // 2 for o, s, k, length in zip(out, strides, size, lengths)]
    else:
        out = [(length - k) // s + 1 for length, k, s in zip(lengths, size, strides)]
        before = [0] * n
    y = np.zeros((x.shape[0], *out, x.shape[-1]))
    for o in itertools.product(*(range(d) for d in out)):
        window = tuple(slice(max(o[i] * strides[i] - before[i], 0), o[i] * strides[i] - before[i] + size[i])
                       for i in range(n))
        y[(slice(None),) + o] = reduce(x[(slice(None),) + window], axis=tuple(range(1, n + 1)))
    return y


@pytest.mark.parametrize("layer_class, reduce", [(MaxPooling2D, np.max), (AveragePooling2D, np.mean)])
@pytest.mark.parametrize("pool_size, strides, padding", [(2, None, "valid"), ((3, 2), 2, "same"),
                                                         (3, (1, 2), "valid"), (2, 1, "same")])
def test_pooling2d_values_and_shapes(layer_class, reduce, pool_size, strides, padding):
    layer = layer_class(pool_size, strides, padding, dtype="float64")
    x = rand(0, (2, 7, 6, 3))
    y = layer(x)
    size = (pool_size,) * 2 if isinstance(pool_size, int) else pool_size
    step = size if strides is None else (strides,) * 2 if isinstance(strides, int) else strides
    np.testing.assert_allclose(y.numpy(), reference_pool(x, size, step, padding, reduce), rtol=1e-12)
    assert tuple(y.shape) == layer.compute_output_shape(x.shape)
    assert layer.compute_output_shape((None, 7, None, 3))[::2] == (None, None)
    assert layer.weights == []


def test_pooling1d_and_3d():
    x1 = rand(1, (2, 9, 2))
    np.testing.assert_allclose(MaxPooling1D()(x1).numpy(), reference_pool(x1, (2,), (2,), "valid", np.max))
    np.testing.assert_allclose(AveragePooling1D(3, 2, "same", dtype="float64")(x1).numpy(),
                               reference_pool(x1, (3,), (2,), "same", np.mean), rtol=1e-12)
    x3 = rand(2, (1, 4, 5, 3, 2))
    np.testing.assert_allclose(MaxPooling3D(padding="same")(x3).numpy(),
                               reference_pool(x3, (2, 2, 2), (2, 2, 2), "same", np.max), rtol=1e-6)
    np.testing.assert_allclose(AveragePooling3D((2, 3, 1), dtype="float64")(x3).numpy(),
                               reference_pool(x3, (2, 3, 1), (2, 3, 1), "valid", np.mean), rtol=1e-12)


def test_channels_first():
    x = rand(3, (2, 3, 6, 5))
    y = MaxPooling2D(2, padding="same", data_format="channels_first", dtype="float64")(x)
    want = reference_pool(np.transpose(x, (0, 2, 3, 1)), (2, 2), (2, 2), "same", np.max)
    np.testing.assert_allclose(y.numpy(), np.transpose(want, (0, 3, 1, 2)))
    g = GlobalAveragePooling2D(data_format="channels_first", keepdims=True, dtype="float64")
    np.testing.assert_allclose(g(x).numpy(), x.mean(axis=(2, 3), keepdims=True), rtol=1e-12)
    assert g.compute_output_shape((None, 3, 6, 5)) == (None, 3, 1, 1)


def test_global_pools():
    x = rand(4, (2, 5, 4, 3))
    np.testing.assert_allclose(GlobalAveragePooling2D(dtype="float64")(x).numpy(), x.mean(axis=(1, 2)), rtol=1e-12)
    np.testing.assert_allclose(GlobalMaxPooling2D(dtype="float64")(x).numpy(), x.max(axis=(1, 2)))
    np.testing.assert_allclose(GlobalMaxPooling1D(keepdims=True, dtype="float64")(x[:, 0]).numpy(),
                               x[:, 0].max(axis=1, keepdims=True))
    x3 = rand(5, (2, 2, 3, 2, 4))
    np.testing.assert_allclose(GlobalMaxPooling3D(dtype="float64")(x3).numpy(), x3.max(axis=(1, 2, 3)))
    assert GlobalAveragePooling2D().compute_output_shape((None, 5, 4, 3)) == (None, 3)


def test_global_average_pooling1d_averages_the_unmasked_steps():
    x = rand(6, (2, 5, 3))
    mask = np.array([[1, 0, 1, 1, 0], [1, 1, 1, 1, 1]], bool)
    got = GlobalAveragePooling1D(dtype="float64")(x, mask=mask).numpy()
    want = (x * mask[..., None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_keras_recorded_values():
    # recorded from Keras 3.15 on TF 2.21 (SAME padding: windows at the edges average fewer elements)
    x2 = ((np.arange(2 * 5 * 4 * 2) % 7 - 3) / 4).reshape(2, 5, 4, 2).astype(np.float32)
    x1 = ((np.arange(2 * 6 * 4) % 5 - 2) / 2).reshape(2, 6, 4).astype(np.float32)
    np.testing.assert_allclose(AveragePooling2D(3, 2, "same")(x2).numpy(), AVG_POOL2D_SAME, atol=1e-6)
    np.testing.assert_allclose(MaxPooling1D(3, 2, "same")(x1).numpy(), MAX_POOL1D_SAME, atol=1e-6)
    mask = np.array([[1, 1, 0, 0, 0, 1], [0, 1, 1, 1, 1, 1]], bool)
    np.testing.assert_allclose(GlobalAveragePooling1D()(x1, mask=mask).numpy(), GLOBAL_AVG_1D_MASKED, atol=1e-6)


def test_config_round_trip_and_aliases():
    layer = MaxPooling2D(pool_size=3, strides=2, padding="same", name="pool")
    config = layer.get_config()
    assert {k: config[k] for k in ("name", "pool_size", "strides", "padding", "data_format")} == {
        "name": "pool", "pool_size": (3, 3), "strides": (2, 2), "padding": "same", "data_format": "channels_last"}
    assert MaxPooling2D.from_config(config).get_config() == config
    glob = GlobalAveragePooling1D(keepdims=True)
    assert GlobalAveragePooling1D.from_config(glob.get_config()).keepdims is True
    aliases = {"MaxPool1D": MaxPooling1D, "MaxPool2D": MaxPooling2D, "MaxPool3D": MaxPooling3D,
               "AvgPool1D": AveragePooling1D, "AvgPool2D": AveragePooling2D, "AvgPool3D": AveragePooling3D,
               "GlobalAvgPool1D": GlobalAveragePooling1D, "GlobalAvgPool2D": GlobalAveragePooling2D,
               "GlobalMaxPool1D": GlobalMaxPooling1D, "GlobalMaxPool2D": GlobalMaxPooling2D}
    for alias, cls in aliases.items():
        assert getattr(pooling, alias) is cls


def test_errors():
    with pytest.raises(ValueError, match="padding"):
        MaxPooling2D(padding="causal")
    with pytest.raises(ValueError, match="pool_size"):
        MaxPooling2D(pool_size=(2, 2, 2))
    with pytest.raises(ValueError, match="expected ndim=4"):
        MaxPooling2D()(np.ones((2, 4, 4), np.float32))
    with pytest.raises(ValueError, match="expected ndim=3"):
        GlobalMaxPooling1D()(np.ones((2, 4, 4, 1), np.float32))


@pytest.mark.parametrize("layer", [MaxPooling2D(3, 2, "same", dtype="float64"),
                                   AveragePooling2D((2, 3), 1, "same", dtype="float64"),
                                   GlobalAveragePooling2D(dtype="float64"), GlobalMaxPooling2D(dtype="float64")],
                         ids=["max", "average", "global-average", "global-max"])
def test_gradients_match_finite_differences(layer):
    # distinct values: no ties, where a maximum has no derivative
    x = np.random.default_rng(7).permutation(2 * 5 * 4 * 2).reshape(2, 5, 4, 2) / 9.0
    check_gradients(lambda x: tg.sin(layer(x)), [tg.constant(x)], rtol=1e-6)


def test_traced_equals_eager(numpy_backend):
    layer = AveragePooling2D(2, padding="same", dtype="float64")
    x = rand(8, (2, 5, 5, 2))
    np.testing.assert_allclose(tg.function(layer)(x).numpy(), layer(x).numpy(), rtol=1e-12)

# Recorded from Keras 3.15 on TF 2.21 (see test_keras_recorded_values).
AVG_POOL2D_SAME = [[[[-0.125, 0.125], [0.1875, 0.0]], [[0.055556, 0.111111], [-0.166667, -0.208333]],
                    [[0.041667, 0.0], [-0.375, -0.125]]],
                   [[[-0.041667, -0.083333], [0.125, 0.375]], [[-0.055556, 0.0], [0.208333, 0.166667]],
                    [[0.125, 0.083333], [0.0, -0.1875]]]]
MAX_POOL1D_SAME = [[[1.0, 1.0, 0.0, 0.5], [0.5, 1.0, 1.0, 1.0], [-0.5, 0.0, 0.5, 1.0]],
                   [[1.0, 1.0, 1.0, 0.0], [0.0, 0.5, 1.0, 1.0], [1.0, -0.5, 0.0, 0.5]]]
GLOBAL_AVG_1D_MASKED = [[-0.333333, -0.666667, -0.166667, 0.333333], [0.0, 0.0, 0.0, 0.0]]

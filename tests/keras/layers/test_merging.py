"""The merge layers and their functional forms."""
import numpy as np
import pytest
from layer_checks import assert_config_round_trip

import tracegraph as tg
from tracegraph.keras.keras_tensor import KerasTensor
from tracegraph.keras.layers import merging

RNG = np.random.default_rng(11)
A, B, C = (RNG.standard_normal((3, 4)) for _ in range(3))

ELEMENTWISE = [
    (merging.Add, merging.add, lambda *xs: sum(xs)),
    (merging.Multiply, merging.multiply, lambda *xs: np.prod(xs, axis=0)),
    (merging.Average, merging.average, lambda *xs: np.mean(xs, axis=0)),
    (merging.Maximum, merging.maximum, lambda *xs: np.max(xs, axis=0)),
    (merging.Minimum, merging.minimum, lambda *xs: np.min(xs, axis=0)),
]


@pytest.mark.parametrize("cls, fn, reference", ELEMENTWISE, ids=[c.__name__ for c, _, _ in ELEMENTWISE])
def test_elementwise_merges_match_numpy(cls, fn, reference):
    np.testing.assert_allclose(cls(dtype="float64")([A, B, C]).numpy(), reference(A, B, C), rtol=1e-12)
    np.testing.assert_allclose(fn([A, B], dtype="float64").numpy(), reference(A, B), rtol=1e-12)
    assert cls()([KerasTensor((None, 4)), KerasTensor((None, 4))]).shape == (None, 4)
    traced = tg.function(lambda a, b: cls()([a, b]))(tg.constant(A, tg.float32), tg.constant(B, tg.float32))
    np.testing.assert_allclose(traced.numpy(), reference(A, B), rtol=1e-5, atol=1e-6)
    assert_config_round_trip(cls(name="merge"))


def test_subtract_takes_exactly_two_inputs():
    np.testing.assert_allclose(merging.subtract([A, B], dtype="float64").numpy(), A - B)
    with pytest.raises(ValueError, match="exactly 2"):
        merging.Subtract()([A, B, C])
    with pytest.raises(ValueError, match="list of inputs"):
        merging.Add()(A)


def test_merges_broadcast_lower_rank_inputs_after_the_batch_axis():
    x3 = RNG.standard_normal((3, 2, 4))
    np.testing.assert_allclose(merging.add([x3, A], dtype="float64").numpy(), x3 + A[:, None, :], rtol=1e-12)


def test_merge_gradients_flow_to_every_input():
    a, b = tg.constant(A), tg.constant(B)
    with tg.GradientTape() as tape:
        tape.watch([a, b])
        total = tg.reduce_sum(merging.Multiply(dtype="float64")([a, b]) + merging.Maximum(dtype="float64")([a, b]))
    grad_a, grad_b = tape.gradient(total, [a, b])
    np.testing.assert_allclose(grad_a.numpy(), B + (A >= B), rtol=1e-12)
    np.testing.assert_allclose(grad_b.numpy(), A + (B > A), rtol=1e-12)


def test_concatenate_along_an_axis():
    x3, y3 = RNG.standard_normal((3, 2, 4)), RNG.standard_normal((3, 5, 4))
    np.testing.assert_allclose(merging.concatenate([A, B], dtype="float64").numpy(), np.concatenate([A, B], -1))
    np.testing.assert_allclose(merging.Concatenate(axis=1, dtype="float64")([x3, y3]).numpy(),
                               np.concatenate([x3, y3], 1))
    layer = merging.Concatenate(axis=1)
    assert layer([KerasTensor((None, 2, 4)), KerasTensor((None, 5, 4))]).shape == (None, 7, 4)
    assert layer.compute_output_shape([(None, 2, 4), (None, 5, 4)]) == (None, 7, 4)
    assert sorted(layer.get_config()) == ["axis", "dtype", "name", "trainable"]
    assert assert_config_round_trip(layer).axis == 1


def test_dot_is_a_per_example_contraction():
    np.testing.assert_allclose(merging.dot([A, B], axes=1, dtype="float64").numpy(),
                               (A * B).sum(-1, keepdims=True), rtol=1e-12)
    unit = A / np.linalg.norm(A, axis=1, keepdims=True), B / np.linalg.norm(B, axis=1, keepdims=True)
    np.testing.assert_allclose(merging.Dot(axes=-1, normalize=True, dtype="float64")([A, B]).numpy(),
                               (unit[0] * unit[1]).sum(-1, keepdims=True), rtol=1e-12)
    x, y = RNG.standard_normal((2, 3, 5)), RNG.standard_normal((2, 4, 3))
    np.testing.assert_allclose(merging.Dot(axes=(1, 2), dtype="float64")([x, y]).numpy(),
                               np.einsum("bkx,byk->bxy", x, y), rtol=1e-12)
    assert merging.Dot(axes=2)([KerasTensor((None, 3, 5)), KerasTensor((None, 4, 5))]).shape == (None, 3, 4)
    assert_config_round_trip(merging.Dot(axes=[1, 2], normalize=True))
    with pytest.raises(ValueError, match="axes"):
        merging.Dot(axes=(1, 2, 3))

"""tg.SparseTensor and tg.SparseTensorSpec: construction, checks, printing, operators, and the
composite protocol (nest, tg.function inputs and outputs, signatures)."""
import numpy as np
import pytest

import tracegraph as tg
from sparse_samples import random_sparse


def _example():
    return tg.SparseTensor(indices=[[0, 1], [1, 0], [2, 3]], values=[1., 2., 3.], dense_shape=[3, 4])


def test_components_have_tf_dtypes_and_shapes():
    s = _example()
    assert s.indices.dtype == tg.int64 and s.dense_shape.dtype == tg.int64
    assert s.values.dtype == tg.float32
    assert s.shape == tg.TensorShape([3, 4]) and s.get_shape() == s.shape
    np.testing.assert_array_equal(s.dense_shape.numpy(), [3, 4])


def test_int32_indices_become_int64():
    s = tg.SparseTensor(tg.constant([[0, 0]], dtype=tg.int32), [1.], [2, 2])
    assert s.indices.dtype == tg.int64


@pytest.mark.parametrize("indices, values, dense_shape, match", [
    ([0, 1], [1.], [2, 2], "`indices` must have rank 2"),
    ([[0, 1]], [[1.]], [2, 2], "`values` must have rank 1"),
    ([[0, 1], [1, 1]], [1.], [2, 2], "2 rows but `values` has 1"),
    ([[0, 1, 0]], [1.], [2, 2], "3 columns but `dense_shape` has 2"),
])
def test_inconsistent_components_are_rejected(indices, values, dense_shape, match):
    with pytest.raises(ValueError, match=match):
        tg.SparseTensor(indices, values, dense_shape)


def test_float_indices_are_a_type_error():
    with pytest.raises(TypeError, match="indices"):
        tg.SparseTensor([[0.5, 1.0]], [1.], [2, 2])


def test_prints_like_tf():
    text = str(_example())
    assert text.startswith("SparseTensor(indices=tg.Tensor(")
    assert "values=tg.Tensor([1. 2. 3.], shape=(3,), dtype=float32)" in text
    assert text.endswith("dense_shape=tg.Tensor([3 4], shape=(2,), dtype=int64))")


def test_scalar_and_dense_products_keep_the_sparsity():
    dense, indices, values = random_sparse((3, 4), seed=1)
    s = tg.SparseTensor(indices, values, dense.shape)
    np.testing.assert_allclose((s * 2.0).values.numpy(), values * 2)
    np.testing.assert_allclose((2.0 * s).values.numpy(), values * 2)
    row = np.arange(1., 5.)
    product = s * tg.constant(row)
    np.testing.assert_array_equal(product.indices.numpy(), indices)
    np.testing.assert_allclose(tg.sparse.to_dense(product).numpy(), dense * row)
    np.testing.assert_allclose(tg.sparse.to_dense(s / tg.constant(row)).numpy(), dense / row)


def test_adding_a_number_is_a_type_error_as_in_tf():
    with pytest.raises(TypeError):
        _example() + 1


def test_spec_is_the_cache_key_part():
    s = _example()
    assert s._type_spec == tg.SparseTensorSpec([3, 4], tg.float32)
    assert tg.SparseTensorSpec([None, 4], tg.float32).is_compatible_with(s)
    assert not tg.SparseTensorSpec([None, 4], tg.float64).is_compatible_with(s)
    common = tg.SparseTensorSpec([3, 4]).most_specific_common_supertype([tg.SparseTensorSpec([5, 4])])
    assert common == tg.SparseTensorSpec([None, 4])


def test_nest_takes_it_apart_into_its_three_components():
    s = _example()
    flat = tg.nest.flatten({"s": s}, expand_composites=True)
    assert len(flat) == 3
    rebuilt = tg.nest.pack_sequence_as({"s": s}, flat, expand_composites=True)["s"]
    np.testing.assert_array_equal(tg.sparse.to_dense(rebuilt).numpy(), tg.sparse.to_dense(s).numpy())


def test_function_inputs_and_outputs_with_a_signature():
    traces = []

    @tg.function(input_signature=[tg.SparseTensorSpec([None, 4], tg.float32)])
    def doubled(s):
        traces.append(1)
        return s * 2.0

    for rows in (3, 5):
        dense, indices, values = random_sparse((rows, 4), seed=rows, dtype=np.float32)
        out = doubled(tg.SparseTensor(indices, values, dense.shape))
        assert isinstance(out, tg.SparseTensor)
        np.testing.assert_allclose(tg.sparse.to_dense(out).numpy(), 2 * dense)
    assert len(traces) == 1


def test_signature_rejects_another_dtype():
    f = tg.function(lambda s: s * 2.0, input_signature=[tg.SparseTensorSpec([None, 4], tg.float64)])
    with pytest.raises((TypeError, ValueError)):
        f(_example())


def test_static_shape_inside_a_function():
    @tg.function
    def dense_of(s):
        assert s.shape == tg.TensorShape([3, 4])
        return tg.sparse.to_dense(s)

    assert dense_of(_example()).shape == (3, 4)


@pytest.mark.parametrize("op, reference", [(tg.abs, np.abs), (tg.math.sign, np.sign), (tg.negative, np.negative),
                                           (tg.square, np.square), (tg.sin, np.sin), (tg.math.tanh, np.tanh)])
def test_zero_preserving_unary_ops_apply_to_the_values(op, reference):
    dense, indices, values = random_sparse((3, 4), seed=50)
    result = op(tg.SparseTensor(indices, values, dense.shape))
    assert isinstance(result, tg.SparseTensor)
    np.testing.assert_array_equal(result.indices.numpy(), indices)
    np.testing.assert_allclose(tg.sparse.to_dense(result).numpy(), reference(dense))


def test_unary_ops_inside_a_function():
    dense, indices, values = random_sparse((3, 4), seed=51)
    f = tg.function(lambda s: tg.square(s), fallback="error")
    np.testing.assert_allclose(tg.sparse.to_dense(f(tg.SparseTensor(indices, values, dense.shape))).numpy(),
                               dense ** 2)


def test_ops_that_do_not_keep_zeros_and_dense_conversion_are_type_errors():
    s = _example()
    with pytest.raises(TypeError, match="does not map 0 to 0"):
        tg.exp(s)
    with pytest.raises(TypeError, match="not a dense tensor; use tg.sparse.to_dense"):
        tg.convert_to_tensor(s)
    with pytest.raises(TypeError, match="not a dense tensor"):
        tg.add(s, 1.0)

"""tg.linalg products, diagonals, norms (ops/linalg.py), and tg.linalg as a whole: dtypes, tracing."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

import tracegraph as tg
from tracegraph.ops import linalg as linalg_ops
from tracegraph.core.dispatch import bind

from array_samples import FAST
from matrix_samples import batch_shapes, gradients_of_squares, grads_ok, rand, seeds, spd, spec, sym

L = tg.linalg


# ----- matmul ---------------------------------------------------------------------------------

def broadcast_partner(batch, data):
    """A batch shape that broadcasts against `batch`: a suffix of it with some dims set to 1."""
    suffix = batch[data.draw(st.integers(0, len(batch))):]
    return tuple(1 if data.draw(st.booleans()) else d for d in suffix)


@FAST
@given(batch_shapes, st.integers(0, 3), st.integers(1, 3), st.integers(1, 3),
       st.sampled_from([np.float32, np.float64, np.int32]), st.booleans(), seeds, st.data())
def test_matmul_broadcasts_batches_like_numpy(batch, n, k, m, dtype, swap, seed, data):
    batch_a, batch_b = batch, broadcast_partner(batch, data)
    if swap:
        batch_a, batch_b = batch_b, batch_a
    a = (rand(seed, batch_a + (n, k)) * 3).astype(dtype)
    b = (rand(seed + 1, batch_b + (k, m)) * 3).astype(dtype)
    got = tg.matmul(a, b)
    assert got.dtype == tg.as_dtype(dtype)
    np.testing.assert_allclose(got.numpy(), np.matmul(a, b), rtol=1e-5)


def test_matmul_rank2_times_rank3_and_back():
    a, b = rand(0, (2, 3)), rand(1, (4, 3, 5))
    np.testing.assert_allclose(tg.matmul(a, b).numpy(), np.matmul(a, b))
    assert tg.matmul(b, rand(2, (5, 2))).shape == (4, 3, 2)


@pytest.mark.parametrize("flags", [dict(transpose_a=True), dict(transpose_b=True),
                                   dict(adjoint_a=True, transpose_b=True), dict(adjoint_b=True)])
def test_matmul_transpose_and_adjoint_flags(flags):
    a, b = rand(0, (2, 3, 3)), rand(1, (3, 3))
    ref_a = np.swapaxes(a, -1, -2) if flags.get("transpose_a") or flags.get("adjoint_a") else a
    ref_b = b.T if flags.get("transpose_b") or flags.get("adjoint_b") else b
    np.testing.assert_allclose(tg.matmul(a, b, **flags).numpy(), ref_a @ ref_b)


def test_matmul_complex_adjoint_conjugates():
    a = rand(0, (2, 2)) + 1j * rand(1, (2, 2))
    np.testing.assert_allclose(tg.matmul(a, a, adjoint_a=True).numpy(), a.conj().T @ a)
    np.testing.assert_allclose(tg.matmul(a, a, transpose_a=True).numpy(), a.T @ a)


def test_matmul_python_lists_are_float32_and_non_contiguous_inputs_work():
    got = tg.matmul([[2.]], [[2.]])
    assert got.dtype == tg.float32 and got.numpy().tolist() == [[4.0]]
    a = rand(0, (4, 3)).T  # a transposed (Fortran-ordered) view
    np.testing.assert_allclose(tg.matmul(a, a.T[:, ::2]).numpy(), a @ a.T[:, ::2])


def test_matmul_output_type_accumulates_in_the_wider_type():
    a = np.full((2, 2), 100, np.int8)
    got = tg.matmul(a, a, output_type=tg.int32)
    assert got.dtype == tg.int32 and got.numpy().tolist() == [[20000, 20000], [20000, 20000]]


def test_matmul_errors_name_both_shapes():
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(4, 5\)"):
        tg.matmul(np.ones((2, 3)), np.ones((4, 5)))
    with pytest.raises(ValueError, match="rank >= 2"):
        tg.matmul(np.ones(3), np.ones((3, 2)))
    with pytest.raises(ValueError, match="broadcasting"):
        tg.matmul(np.ones((2, 2, 3)), np.ones((3, 3, 2)))
    with pytest.raises(TypeError, match="float32.*float64|float64.*float32"):
        tg.matmul(tg.constant(np.ones((2, 2), np.float32)), tg.constant(np.ones((2, 2))))
    with pytest.raises(TypeError, match="matmul"):
        tg.matmul(np.ones((2, 2), bool), np.ones((2, 2), bool))
    with pytest.raises(ValueError, match="transpose and adjoint"):
        tg.matmul(np.ones((2, 2)), np.ones((2, 2)), transpose_a=True, adjoint_a=True)


def test_matmul_shape_rule_with_unknown_dims():
    infer = linalg_ops._matmul.infer
    assert infer(spec([None, 3]), spec([3, None])).shape.as_list() == [None, None]
    assert infer(spec([2, None, 3]), spec([None, 5])).shape.as_list() == [2, None, 5]
    assert infer(spec([None, 1, 2, 3]), spec([4, 3, 5])).shape.as_list() == [None, 4, 2, 5]
    assert infer(spec(None), spec([3, 5])).shape.rank is None
    with pytest.raises(ValueError, match=r"\(None, 3\).*\(4, None\)"):
        infer(spec([None, 3]), spec([4, None]))


def test_matmul_traced_with_unknown_dims_matches_eager():
    f = tg.function(lambda a, b: tg.matmul(a, b, transpose_b=True),
                    input_signature=[spec([None, None, 3]), spec([None, 3])], backend="numpy")
    a, b = rand(0, (2, 4, 3)), rand(1, (5, 3))
    np.testing.assert_allclose(f(a, b).numpy(), a @ b.T)


def test_matmul_gradients_first_and_second_order():
    grads_ok(lambda a, b: tg.matmul(a, b), rand(0, (2, 3, 4)), rand(1, (4, 2)))
    grads_ok(lambda a, b: tg.matmul(a, b, adjoint_a=True), rand(0, (3, 2)), rand(1, (2, 1, 3, 4)))

    def first_order(a, b):
        with tg.GradientTape() as tape:
            tape.watch([a, b])
            y = tg.reduce_sum(tg.square(tg.matmul(a, b)))
        ga, gb = tape.gradient(y, [a, b])
        return tg.reduce_sum(ga * ga) + tg.reduce_sum(gb)

    grads_ok(first_order, rand(2, (2, 3)), rand(3, (1, 3, 2)))


def test_matvec():
    a, b = rand(0, (2, 3, 4)), rand(1, (4,))
    np.testing.assert_allclose(L.matvec(a, b).numpy(), a @ b)
    np.testing.assert_allclose(L.matvec(a, rand(2, (2, 3)), transpose_a=True).numpy(),
                               np.einsum("bij,bi->bj", a, rand(2, (2, 3))))
    grads_ok(lambda a, b: L.matvec(a, b), a, b)


# ----- cross ----------------------------------------------------------------------------------

def test_cross():
    a, b = rand(0, (2, 3)), rand(1, (2, 3))
    np.testing.assert_allclose(L.cross(a, b).numpy(), np.cross(a, b))
    grads_ok(L.cross, a, b)
    with pytest.raises(ValueError, match="last dimension 3"):
        L.cross(np.ones((2, 4)), np.ones((2, 4)))


# ----- diagonals and bands --------------------------------------------------------------------

@FAST
@given(batch_shapes, st.integers(1, 4), st.integers(1, 4), st.integers(-3, 3), seeds)
def test_diag_part_and_set_diag_like_numpy(batch, rows, cols, k, seed):
    if not -rows < k < cols:
        k = 0
    x = rand(seed, batch + (rows, cols))
    part = L.diag_part(x, k=k)
    expected = np.diagonal(x, offset=k, axis1=-2, axis2=-1)
    np.testing.assert_array_equal(part.numpy(), expected)
    new = rand(seed + 1, expected.shape)
    got = L.set_diag(x, new, k=k).numpy()
    mask = np.zeros((rows, cols), bool)
    length = expected.shape[-1]
    mask[np.arange(length) + max(-k, 0), np.arange(length) + max(k, 0)] = True
    np.testing.assert_array_equal(got[..., ~mask], x[..., ~mask])
    np.testing.assert_array_equal(np.diagonal(got, offset=k, axis1=-2, axis2=-1), new)


@pytest.mark.parametrize("k", [-2, 0, 1])
def test_diag_builds_batched_matrices(k):
    d = rand(0, (2, 3))
    got = L.diag(d, k=k).numpy()
    expected = np.stack([np.diag(row, k) for row in d])
    np.testing.assert_array_equal(got, expected)
    grads_ok(lambda v: L.diag(v, k=k), d)


def test_diag_sizes_padding_and_dtypes():
    got = L.diag(np.array([1, 2], np.int32), num_rows=3, padding_value=9)
    assert got.dtype == tg.int32 and got.shape == (3, 2)
    assert got.numpy().tolist() == [[1, 9], [9, 2], [9, 9]]
    assert L.diag(np.ones(2, np.float32), k=1).shape == (3, 3)
    with pytest.raises(ValueError, match="do not fit"):
        L.diag(np.ones(3), num_rows=2, num_cols=2)
    with pytest.raises(NotImplementedError, match="single diagonal"):
        L.diag(np.ones(3), k=(0, 1))


def test_diag_errors_and_gradients():
    with pytest.raises(ValueError, match="out of range"):
        L.diag_part(np.ones((2, 3)), k=3)
    with pytest.raises(ValueError, match="rank >= 2"):
        L.diag_part(np.ones(3))
    with pytest.raises(ValueError, match=r"`diagonal` must have shape \(2,\)"):
        L.set_diag(np.ones((2, 3)), np.ones(3))
    grads_ok(lambda a: L.diag_part(a, k=-1), rand(0, (2, 3, 3)))
    grads_ok(lambda a, d: L.set_diag(a, d, k=1), rand(0, (2, 3, 4)), rand(1, (2, 3)))


@pytest.mark.parametrize("lower,upper", [(0, 0), (-1, 0), (0, -1), (1, 2), (-1, -1)])
def test_band_part(lower, upper):
    x = rand(0, (2, 3, 4))
    rows, cols = np.indices((3, 4))
    keep = ((lower < 0) | (rows - cols <= lower)) & ((upper < 0) | (cols - rows <= upper))
    np.testing.assert_array_equal(L.band_part(x, lower, upper).numpy(), np.where(keep, x, 0))
    grads_ok(lambda a: L.band_part(a, lower, upper), x[0])


def test_band_part_limits_and_set_diag_conversion():
    with pytest.raises(ValueError, match="num_lower must be negative or at most the number of rows"):
        L.band_part(np.ones((2, 3)), 3, 0)
    with pytest.raises(ValueError, match="num_upper"):
        L.band_part(np.ones((2, 3)), 0, 4)
    got = L.set_diag(np.zeros((2, 2), np.float32), [1, 2])  # a Python list takes the matrix's dtype
    assert got.dtype == tg.float32 and got.numpy().tolist() == [[1, 0], [0, 2]]


def test_trace_and_matrix_transpose():
    x = rand(0, (2, 3, 3))
    np.testing.assert_allclose(L.trace(x).numpy(), np.trace(x, axis1=-2, axis2=-1))
    assert L.trace(np.arange(9, dtype=np.int32).reshape(3, 3)).numpy() == 12
    grads_ok(L.trace, x)
    np.testing.assert_array_equal(L.matrix_transpose(x).numpy(), np.swapaxes(x, -1, -2))
    c = x + 1j * x
    np.testing.assert_array_equal(L.adjoint(c).numpy(), np.conj(np.swapaxes(c, -1, -2)))


def test_matrix_transpose_shape_rule_with_unknown_rank():
    infer = linalg_ops._matrix_transpose.infer
    assert infer(spec(None)).shape.rank is None
    assert infer(spec([4, None, 2])).shape.as_list() == [4, 2, None]
    with pytest.raises(ValueError, match=r"matrix_transpose: needs rank >= 2, got shape \(3,\)"):
        infer(spec([3]))


@pytest.mark.parametrize("backend", [None, "numpy"])
def test_matrix_transpose_with_unknown_rank(backend):
    f = tg.function(L.matrix_transpose, input_signature=[spec(None)], backend=backend)
    assert f.get_concrete_function().structured_outputs.shape.rank is None
    for shape in [(2, 3), (2, 1, 3, 4), (0, 2)]:
        x = rand(0, shape)
        np.testing.assert_array_equal(f(x).numpy(), np.swapaxes(x, -1, -2))
    with pytest.raises(tg.errors.InvalidArgumentError, match=r"rank >= 2, got shape \(3,\)"):
        f(rand(0, (3,)))
    adjoint = tg.function(L.adjoint, input_signature=[spec(None, tg.complex128)], backend=backend)
    c = rand(1, (2, 2, 3)) + 1j * rand(2, (2, 2, 3))
    np.testing.assert_array_equal(adjoint(c).numpy(), np.conj(np.swapaxes(c, -1, -2)))
    transpose = tg.function(L.matrix_transpose, input_signature=[spec(None, tg.complex128)], backend=backend)
    np.testing.assert_array_equal(transpose(c).numpy(), np.swapaxes(c, -1, -2))


def test_matrix_transpose_of_known_rank_stays_a_transpose():
    concrete = tg.function(L.matrix_transpose).get_concrete_function(spec([None, 2, 3]))
    assert [node.op.name for node in concrete.graph.nodes] == ["transpose"]
    assert concrete.structured_outputs.shape.as_list() == [None, 3, 2]
    with pytest.raises(ValueError, match="rank >= 2"):
        L.matrix_transpose(np.ones(3))


def test_matrix_transpose_with_unknown_rank_gradients():
    grads_ok(lambda x: tg.matmul(bind(linalg_ops._matrix_transpose, [x]), x), rand(0, (2, 3, 4)))
    gradients = gradients_of_squares(lambda x: L.adjoint(x) * tg.constant(np.arange(6.0).reshape(3, 2)))
    traced = tg.function(gradients, input_signature=[spec(None)])
    x = tg.constant(rand(1, (2, 3)))
    np.testing.assert_allclose(traced(x)[0].numpy(), gradients(x)[0].numpy(), rtol=1e-12)


@pytest.mark.parametrize("flags", [dict(transpose_a=True), dict(adjoint_b=True),
                                   dict(adjoint_a=True, transpose_b=True)])
@pytest.mark.parametrize("dtype", [tg.float64, tg.complex128])
def test_matmul_flags_with_unknown_rank_values_and_gradients(flags, dtype):
    def product(a, b):
        return tg.matmul(a, b, **flags)

    a, b = rand(0, (2, 3, 3)), rand(1, (3, 3))
    if dtype.is_complex:
        a, b = a + 1j * rand(2, (2, 3, 3)), b - 1j * rand(3, (3, 3))
    a, b = tg.constant(a), tg.constant(b)
    traced = tg.function(product, input_signature=[spec(None, dtype)] * 2)
    assert traced.get_concrete_function().structured_outputs.shape.rank is None
    np.testing.assert_allclose(traced(a, b).numpy(), product(a, b).numpy(), rtol=1e-12)
    gradients = gradients_of_squares(product)
    traced_gradients = tg.function(gradients, input_signature=[spec(None, dtype)] * 2)
    for got, expected in zip(traced_gradients(a, b), gradients(a, b)):
        np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-12)
    if not dtype.is_complex:
        grads_ok(product, a.numpy(), b.numpy())


# ----- norms ----------------------------------------------------------------------------------

VECTOR_NORMS = ["euclidean", 1, 2, np.inf, 3, 0.5]


@pytest.mark.parametrize("ord", VECTOR_NORMS)
@pytest.mark.parametrize("axis", [None, 0, -1])
@pytest.mark.parametrize("keepdims", [None, True])
def test_vector_norms(ord, axis, keepdims):
    x = rand(0, (2, 3))
    np_ord = 2 if ord == "euclidean" else ord
    flat = x.reshape(-1) if axis is None else x
    expected = np.linalg.norm(flat, np_ord, axis=0 if axis is None else axis, keepdims=bool(keepdims))
    if axis is None and keepdims:
        expected = expected.reshape(1, 1)
    got = L.norm(x, ord=ord, axis=axis, keepdims=keepdims)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-12)
    grads_ok(lambda t: L.norm(t, ord=ord, axis=axis, keepdims=keepdims), x)


@pytest.mark.parametrize("ord", ["euclidean", "fro", 1, 2, np.inf])
@pytest.mark.parametrize("axis", [(0, 1), (1, 0), (-1, 0)])
def test_matrix_norms(ord, axis):
    x = rand(0, (3, 4, 2))
    np_ord = "fro" if ord == "euclidean" else ord
    expected = np.linalg.norm(x, np_ord, axis=axis)
    np.testing.assert_allclose(L.norm(x, ord=ord, axis=axis).numpy(), expected, rtol=1e-12)
    kept = L.norm(x, ord=ord, axis=axis, keepdims=True)
    np.testing.assert_allclose(kept.numpy(), np.linalg.norm(x, np_ord, axis=axis, keepdims=True), rtol=1e-12)
    grads_ok(lambda t: L.norm(t, ord=ord, axis=axis), x)


def test_norm_dtypes_and_top_level_name():
    x = np.array([[3., 4.]], np.float32)
    got = L.norm(x)
    assert got.dtype == tg.float32 and got.numpy() == pytest.approx(5.0)
    assert L.norm(x, axis=1).shape == (1,)


@pytest.mark.parametrize("kwargs,message", [
    (dict(ord="fro"), "vector norm"),
    (dict(ord=0), "vector norm"),
    (dict(ord=-1, axis=0), "vector norm"),
    (dict(ord=3, axis=(0, 1)), "matrix norm"),
    (dict(axis=(0, 0)), "2 unique integers"),
    (dict(axis=(0, 1, 2)), "2 unique integers"),
    (dict(axis=5), "out of range"),
])
def test_norm_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        L.norm(np.ones((2, 3)), **kwargs)


def test_normalize_and_global_norm():
    x = rand(0, (2, 3))
    unit, magnitude = L.normalize(x, axis=1)
    np.testing.assert_allclose(magnitude.numpy(), np.linalg.norm(x, axis=1, keepdims=True))
    np.testing.assert_allclose(unit.numpy(), x / np.linalg.norm(x, axis=1, keepdims=True))
    grads_ok(lambda t: L.normalize(t, axis=1)[0], x)
    y = rand(1, (4,))
    np.testing.assert_allclose(L.global_norm([x, None, y]).numpy(),
                               np.sqrt(np.sum(x ** 2) + np.sum(y ** 2)))
    grads_ok(lambda a, b: L.global_norm([a, b]), x, y)


# ----- all of tg.linalg: dtypes, type errors, square inputs -----------------------------------

@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_decompositions_keep_narrow_float_dtypes(dtype):
    a = spd(0, 3).astype(dtype)
    tol = 1e-4 if dtype == np.float32 else 1e-2
    np.testing.assert_allclose(L.inv(a).numpy(), np.linalg.inv(a.astype(np.float64)), rtol=tol, atol=tol)
    for result in [L.inv(a), L.det(a), L.cholesky(a), *L.eigh(a), *L.svd(a), *L.qr(a), *L.slogdet(a),
                   L.solve(a, a[:, :1]), L.norm(a), L.logdet(a)]:
        assert result.dtype == tg.as_dtype(dtype)


def test_integer_inputs_are_type_errors():
    ints = np.eye(2, dtype=np.int32)
    for fn in [L.inv, L.det, L.cholesky, L.eigh, L.svd, L.qr, L.norm]:
        with pytest.raises(TypeError, match="int32"):
            fn(ints)


@pytest.mark.parametrize("fn", [L.inv, L.det, L.slogdet, L.cholesky, L.eigh])
def test_square_ops_reject_non_square_and_vectors(fn):
    with pytest.raises(ValueError, match=r"square.*\(2, 3\)"):
        fn(np.ones((2, 3)))
    with pytest.raises(ValueError, match="rank >= 2"):
        fn(np.ones(3))


# ----- tracing with unknown dimensions (reference backend: these test the shape rules) --------

def test_decompositions_trace_with_unknown_dims():
    @tg.function(input_signature=[spec([None, None, None]), spec([None, None, 2])], backend="numpy")
    def pipeline(a, b):
        e, v = L.eigh(a)
        s = L.svd(a, compute_uv=False)
        q, r = L.qr(a)
        return (L.solve(a, b), L.inv(a), L.det(a), L.cholesky(a), e, s, L.trace(a),
                L.diag(e), tg.matmul(q, r), L.norm(a, axis=(-2, -1)))

    a, b = spd(0, 3, (2,)), rand(1, (2, 3, 2))
    got = [t.numpy() for t in pipeline(a, b)]
    expected = [np.linalg.solve(a, b), np.linalg.inv(a), np.linalg.det(a), np.linalg.cholesky(a),
                np.linalg.eigvalsh(a), np.linalg.svd(a, compute_uv=False), np.trace(a, axis1=1, axis2=2),
                np.stack([np.diag(e) for e in np.linalg.eigvalsh(a)]), a, np.linalg.norm(a, axis=(1, 2))]
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, rtol=1e-9, atol=1e-12)


def test_gradients_trace_with_unknown_dims_and_match_eager():
    def loss(x):
        y = tg.reduce_sum(tg.square(L.einsum("...ii->...i", x))) + tg.reduce_sum(L.einsum("bij,bjk->bik", x, x))
        y += tg.reduce_sum(L.svd(x)[1]) + tg.reduce_sum(L.norm(x, axis=(-2, -1))) + tg.reduce_sum(L.eigh(x)[0])
        y += tg.reduce_sum(L.solve(x, x)) + tg.reduce_sum(L.det(x)) + tg.reduce_sum(L.cholesky(sym(x)))
        return y + tg.reduce_sum(L.diag(L.diag_part(x))) + tg.reduce_sum(L.tensordot(x, x, [[1, 2], [2, 1]]))

    def gradient(x):
        with tg.GradientTape() as tape:
            tape.watch(x)
            y = loss(x)
        return tape.gradient(y, x)

    traced = tg.function(gradient, input_signature=[spec([None, None, None])], backend="numpy")
    a = spd(0, 3, (2,))
    np.testing.assert_allclose(traced(a).numpy(), gradient(tg.constant(a)).numpy(), rtol=1e-10)

"""tg.linalg: values against NumPy, dtypes, errors, shape rules with unknown dims, gradients."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tracegraph as tg
from tracegraph.ops import linalg as linalg_ops
from tracegraph.test import check_gradients

L = tg.linalg
FAST = settings(max_examples=25, deadline=None)
batch_shapes = st.lists(st.integers(1, 3), min_size=0, max_size=2).map(tuple)
seeds = st.integers(0, 2**31 - 1)


def rand(seed, shape, dtype=np.float64):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def spd(seed, n, batch=(), dtype=np.float64):
    """A well-conditioned symmetric positive definite matrix (batch)."""
    a = rand(seed, batch + (n, n))
    return (a @ np.swapaxes(a, -1, -2) + n * np.eye(n)).astype(dtype)


def well_conditioned(seed, n, batch=()):
    return rand(seed, batch + (n, n)) + 3 * n * np.eye(n)


def sym(a):
    """Symmetrize: finite differences then see what the symmetric-input ops see."""
    return 0.5 * (a + L.matrix_transpose(a))


def grads_ok(f, *arrays, **kw):
    check_gradients(f, [tg.constant(a) for a in arrays], **kw)


def spec(shape, dtype=tg.float64):
    return tg.TensorSpec(shape, dtype)


# ----- matmul --------------------------------------------------------------------------------

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


# ----- einsum --------------------------------------------------------------------------------

EINSUM_CASES = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("ij,jk", [(2, 3), (3, 4)]),                  # implicit output
    ("bij,bjk->bik", [(2, 2, 3), (2, 3, 1)]),
    ("...ij,...jk->...ik", [(2, 1, 2, 3), (4, 3, 2)]),
    ("i...j,j...->...i", [(2, 1, 3, 4), (4, 3)]),  # ellipsis in the middle, broadcasting
    ("ij->ji", [(2, 3)]),
    ("ij->", [(2, 3)]),
    ("i,j->ij", [(2,), (3,)]),
    ("ii", [(3, 3)]),                             # trace
    ("ii->i", [(3, 3)]),                          # diagonal
    ("iij,jk->ik", [(3, 3, 2), (2, 4)]),
    ("ij,k->k", [(2, 3), (4,)]),                  # a label only one operand has
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]),
    ("a b , b c -> a c", [(2, 3), (3, 2)]),       # spaces
    ("...,...->...", [(2, 3), (3,)]),
]


@pytest.mark.parametrize("equation,shapes", EINSUM_CASES)
def test_einsum_values_and_gradients(equation, shapes):
    arrays = [rand(i, s) for i, s in enumerate(shapes)]
    got = tg.linalg.einsum(equation, *arrays)
    np.testing.assert_allclose(got.numpy(), np.einsum(equation, *arrays), rtol=1e-12, atol=1e-12)
    grads_ok(lambda *xs: L.einsum(equation, *xs), *arrays)


def test_einsum_dtypes():
    a = rand(0, (2, 3), np.float32)
    assert L.einsum("ij,kj->ik", a, a).dtype == tg.float32
    ints = np.arange(6, dtype=np.int32).reshape(2, 3)
    got = L.einsum("ij->j", ints)
    assert got.dtype == tg.int32 and got.numpy().tolist() == [3, 5, 7]


def test_einsum_second_order():
    def first_order(a, b):
        with tg.GradientTape() as tape:
            tape.watch(a)
            y = tg.reduce_sum(tg.square(L.einsum("ii,ij->j", a, b)))
        return tape.gradient(y, a)

    grads_ok(first_order, rand(0, (3, 3)), rand(1, (3, 2)))


@pytest.mark.parametrize("equation,shapes,error,message", [
    ("ij,jk->ik", [(2, 3)], ValueError, "1 tensors were given"),
    ("ij,jk->ik", [(2, 3), (4, 5)], ValueError, r"label 'j' has size 3 .*\(2, 3\).* 4 .*\(4, 5\)"),
    ("ij,jk->ik", [(2, 3), (1, 5)], ValueError, "label 'j'"),  # TF: no broadcasting of labels
    ("ij->ik", [(2, 3)], ValueError, "output label 'k'"),
    ("ij->ii", [(2, 2)], ValueError, "repeat"),
    ("ijk->i", [(2, 3)], ValueError, "need rank 3"),
    ("i...->i", [(2, 3)], ValueError, "no ellipsis"),
    ("i1->i", [(2, 3)], ValueError, "invalid character"),
    ("i->j->k", [(2,)], ValueError, "more than one"),
])
def test_einsum_errors(equation, shapes, error, message):
    with pytest.raises(error, match=message):
        L.einsum(equation, *[np.ones(s) for s in shapes])


def test_einsum_mixed_dtypes_is_a_type_error():
    with pytest.raises(TypeError, match="float32"):
        L.einsum("i,i->", tg.constant(np.ones(2, np.float32)), tg.constant(np.ones(2)))


def test_einsum_shape_rule_with_unknown_dims():
    infer = linalg_ops._einsum.infer
    assert infer(spec([None, 3]), spec([3, 5]), equation="ij,jk->ik").shape.as_list() == [None, 5]
    ellipsis = infer(spec([2, None, 3]), spec(None), equation="...ij,jk->...ik")
    assert ellipsis.shape.as_list() == [2, None, None]
    assert infer(spec(None), spec([3]), equation="...i,i->...").shape.rank is None
    f = tg.function(lambda a, b: L.einsum("bij,jk->bki", a, b),
                    input_signature=[spec([None, 2, None]), spec([None, 4])], backend="numpy")
    a, b = rand(0, (3, 2, 5)), rand(1, (5, 4))
    np.testing.assert_allclose(f(a, b).numpy(), np.einsum("bij,jk->bki", a, b))


# ----- tensordot / cross ---------------------------------------------------------------------

@pytest.mark.parametrize("axes", [0, 1, 2, [[0, 2], [1, 0]], [2, 0], ([-1], [0]), [[], []]])
def test_tensordot_values_and_gradients(axes):
    a, b = rand(0, (2, 3, 4)), rand(1, (4, 2, 3)) if axes != 2 else rand(1, (3, 4, 2))
    if axes == [[0, 2], [1, 0]]:
        b = rand(1, (4, 2, 5))
    np_axes = axes if isinstance(axes, int) else (list(np.atleast_1d(axes[0])), list(np.atleast_1d(axes[1])))
    np.testing.assert_allclose(L.tensordot(a, b, axes).numpy(), np.tensordot(a, b, np_axes))
    if axes not in (0, [[], []]):  # outer products: gradients are einsum "i,j->ij"'s, tested above
        grads_ok(lambda x, y: L.tensordot(x, y, axes), a, b)


def test_tensordot_top_level_float32_and_errors():
    assert L.tensordot(np.ones((2, 3), np.float32), np.ones((3,), np.float32), 1).dtype == tg.float32
    with pytest.raises(ValueError, match=r"size 3.*size 4"):
        L.tensordot(np.ones((2, 3)), np.ones((4, 2)), 1)
    with pytest.raises(ValueError, match="larger than the rank"):
        L.tensordot(np.ones((2, 3)), np.ones((3,)), 2)
    with pytest.raises(ValueError, match="different numbers"):
        L.tensordot(np.ones((2, 3)), np.ones((3, 2)), [[0, 1], [1]])
    with pytest.raises(ValueError, match="out of range"):
        L.tensordot(np.ones((2, 3)), np.ones((3, 2)), [[2], [0]])


def test_cross():
    a, b = rand(0, (2, 3)), rand(1, (2, 3))
    np.testing.assert_allclose(L.cross(a, b).numpy(), np.cross(a, b))
    grads_ok(L.cross, a, b)
    with pytest.raises(ValueError, match="last dimension 3"):
        L.cross(np.ones((2, 4)), np.ones((2, 4)))


# ----- diagonals and bands -------------------------------------------------------------------

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


# ----- inverses, determinants, solvers -------------------------------------------------------

@FAST
@given(batch_shapes, st.integers(1, 4), seeds)
def test_inv_det_slogdet_like_numpy(batch, n, seed):
    a = well_conditioned(seed, n, batch)
    np.testing.assert_allclose(L.inv(a).numpy(), np.linalg.inv(a), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(L.inv(a, adjoint=True).numpy(), np.swapaxes(np.linalg.inv(a), -1, -2),
                               rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(L.det(a).numpy(), np.linalg.det(a), rtol=1e-10)
    sign, logabs = L.slogdet(a)
    np.testing.assert_allclose(sign.numpy(), np.linalg.slogdet(a)[0])
    np.testing.assert_allclose(logabs.numpy(), np.linalg.slogdet(a)[1], rtol=1e-10)


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


def test_inv_det_logdet_gradients():
    grads_ok(L.inv, well_conditioned(0, 3, (2,)))
    grads_ok(lambda a: L.inv(a, adjoint=True), well_conditioned(1, 3))
    grads_ok(L.det, rand(2, (2, 3, 3)) + 2 * np.eye(3))
    grads_ok(lambda a: L.slogdet(a).log_abs_determinant, rand(3, (2, 3, 3)) + 2 * np.eye(3))
    grads_ok(lambda a: L.logdet(sym(a)), spd(4, 3))
    np.testing.assert_allclose(L.logdet(spd(5, 3)).numpy(), np.linalg.slogdet(spd(5, 3))[1])


@FAST
@given(batch_shapes, batch_shapes, st.integers(1, 4), st.integers(1, 3), st.booleans(), seeds)
def test_solve_broadcasts_batches(batch_a, batch_b, n, k, adjoint, seed):
    batch_b = batch_b if len(batch_b) <= len(batch_a) else batch_b[:len(batch_a)]
    batch_b = tuple(1 if i % 2 else d for i, d in enumerate(batch_a[len(batch_a) - len(batch_b):]))
    a, b = well_conditioned(seed, n, batch_a), rand(seed + 1, batch_b + (n, k))
    got = L.solve(a, b, adjoint=adjoint).numpy()
    matrix = np.swapaxes(a, -1, -2) if adjoint else a
    np.testing.assert_allclose(matrix @ got, np.broadcast_to(b, got.shape), rtol=1e-9, atol=1e-9)


def test_solve_errors_and_gradients():
    with pytest.raises(ValueError, match=r"\(3, 3\).*\(2, 1\)"):
        L.solve(np.eye(3), np.ones((2, 1)))
    with pytest.raises(ValueError, match="rank >= 2"):
        L.solve(np.eye(3), np.ones(3))
    grads_ok(L.solve, spd(0, 3, (2,)), rand(1, (2, 3, 2)))
    grads_ok(lambda a, b: L.solve(a, b, adjoint=True), well_conditioned(2, 3), rand(3, (2, 3, 1)))


def test_triangular_and_cholesky_solve():
    a, b = well_conditioned(0, 3), rand(1, (3, 2))
    lower, upper = np.tril(a), np.triu(a)
    np.testing.assert_allclose(L.triangular_solve(a, b).numpy(), np.linalg.solve(lower, b))
    np.testing.assert_allclose(L.triangular_solve(a, b, lower=False, adjoint=True).numpy(),
                               np.linalg.solve(upper.T, b))
    m = spd(2, 3)
    np.testing.assert_allclose(L.cholesky_solve(np.linalg.cholesky(m), b).numpy(), np.linalg.solve(m, b))
    grads_ok(lambda x, y: L.triangular_solve(x, y, lower=False), a, b)
    grads_ok(lambda x, y: L.cholesky_solve(L.cholesky(sym(x)), y), m, b)


@pytest.mark.parametrize("shape", [(5, 3), (2, 4)])
def test_lstsq(shape):
    a, b = rand(0, shape), rand(1, (shape[0], 2))
    got = L.lstsq(a, b).numpy()
    np.testing.assert_allclose(got, np.linalg.lstsq(a, b, rcond=None)[0], atol=1e-10)
    regularized = L.lstsq(a, b, l2_regularizer=0.5).numpy()
    if shape[0] >= shape[1]:
        expected = np.linalg.solve(a.T @ a + 0.5 * np.eye(shape[1]), a.T @ b)
    else:
        expected = a.T @ np.linalg.solve(a @ a.T + 0.5 * np.eye(shape[0]), b)
    np.testing.assert_allclose(regularized, expected, atol=1e-10)
    grads_ok(lambda x, y: L.lstsq(x, y, l2_regularizer=0.1), a, b)
    with pytest.raises(NotImplementedError, match="fast=True"):
        L.lstsq(a, b, fast=False)


# ----- decompositions ------------------------------------------------------------------------

@FAST
@given(batch_shapes, st.integers(1, 4), seeds)
def test_cholesky_and_eigh_like_numpy(batch, n, seed):
    a = spd(seed, n, batch)
    np.testing.assert_allclose(L.cholesky(a).numpy(), np.linalg.cholesky(a), rtol=1e-10, atol=1e-12)
    e, v = L.eigh(a)
    np.testing.assert_allclose(e.numpy(), np.linalg.eigvalsh(a), rtol=1e-10)
    np.testing.assert_allclose(L.eigvalsh(a).numpy(), np.linalg.eigvalsh(a), rtol=1e-10)
    vn, en = v.numpy(), e.numpy()
    np.testing.assert_allclose((vn * en[..., None, :]) @ np.swapaxes(vn, -1, -2), a, atol=1e-9)


def test_cholesky_gradient_is_tfs_symmetric_one():
    grads_ok(lambda a: L.cholesky(sym(a)), spd(0, 3, (2,)))
    with tg.GradientTape() as tape:
        a = tg.constant(spd(1, 3))
        tape.watch(a)
        y = tg.reduce_sum(L.cholesky(a))
    g = tape.gradient(y, a).numpy()
    np.testing.assert_allclose(g, g.T)


def test_eigh_gradients():
    grads_ok(lambda a: L.eigh(a)[0], spd(0, 3, (2,)))  # lower triangle: FD agree directly
    grads_ok(lambda a: tg.reduce_sum(tg.square(L.eigvalsh(sym(a)))), spd(1, 3))

    def projector_of_smallest(a):  # invariant to the eigenvector's sign
        e, v = L.eigh(sym(a))
        return tg.matmul(v[..., :1], v[..., :1], transpose_b=True)

    grads_ok(projector_of_smallest, spd(2, 3))

    def reconstruct(a):
        e, v = L.eigh(sym(a))
        return tg.matmul(v * tg.square(e)[..., None, :], v, transpose_b=True)

    grads_ok(reconstruct, spd(3, 3, (2,)))


@FAST
@given(batch_shapes, st.integers(1, 4), st.integers(1, 4), st.booleans(), seeds)
def test_svd_like_numpy(batch, rows, cols, full, seed):
    x = rand(seed, batch + (rows, cols))
    s, u, v = L.svd(x, full_matrices=full)
    u_np, s_np, vh_np = np.linalg.svd(x, full_matrices=full)
    np.testing.assert_allclose(s.numpy(), s_np, rtol=1e-10, atol=1e-12)
    assert u.shape == u_np.shape and v.shape == np.swapaxes(vh_np, -1, -2).shape
    k = min(rows, cols)
    recon = (u.numpy()[..., :k] * s.numpy()[..., None, :]) @ np.swapaxes(v.numpy()[..., :k], -1, -2)
    np.testing.assert_allclose(recon, x, atol=1e-10)
    np.testing.assert_allclose(L.svd(x, compute_uv=False).numpy(), s_np, rtol=1e-10, atol=1e-12)


def test_svd_gradients():
    grads_ok(lambda a: L.svd(a, compute_uv=False), rand(0, (2, 4, 3)))
    grads_ok(lambda a: L.svd(a)[0], rand(1, (3, 4)))

    def reconstruct(a):
        s, u, v = L.svd(a)
        return tg.matmul(u * s[..., None, :], v, transpose_b=True)

    def projectors(a):  # sign-invariant products of singular vectors
        s, u, v = L.svd(a)
        return tg.concat([tg.reshape(tg.matmul(u[..., :1], u[..., :1], transpose_b=True), [-1]),
                          tg.reshape(tg.matmul(v[..., :2], v[..., :2], transpose_b=True), [-1]),
                          tg.reshape(tg.matmul(u[..., :1], v[..., :1], transpose_b=True), [-1])], 0)

    for shape in [(3, 3), (4, 3), (3, 5)]:
        grads_ok(reconstruct, rand(2, shape))
        grads_ok(projectors, rand(3, shape))


def test_svd_full_matrices_gradient_limit():
    with tg.GradientTape() as tape:
        x = tg.constant(rand(0, (3, 2)))
        tape.watch(x)
        s, u, v = L.svd(x, full_matrices=True)
        y = tg.reduce_sum(u)
    with pytest.raises(NotImplementedError, match="full_matrices"):
        tape.gradient(y, x)


@pytest.mark.parametrize("shape", [(3, 3), (4, 3), (2, 4), (2, 3, 2)])
@pytest.mark.parametrize("full", [False, True])
def test_qr(shape, full):
    x = rand(0, shape)
    q, r = L.qr(x, full_matrices=full)
    q_np, r_np = np.linalg.qr(x, mode="complete" if full else "reduced")
    assert q.shape == q_np.shape and r.shape == r_np.shape
    np.testing.assert_allclose(q.numpy() @ r.numpy(), x, atol=1e-12)
    np.testing.assert_allclose(np.triu(r.numpy()), r.numpy())
    qn = q.numpy()
    gram = np.swapaxes(qn, -1, -2) @ qn
    np.testing.assert_allclose(gram, np.broadcast_to(np.eye(qn.shape[-1]), gram.shape), atol=1e-12)


@pytest.mark.parametrize("shape", [(3, 3), (4, 3), (3, 5), (2, 3, 2)])
def test_qr_gradients(shape):
    def both(a):
        q, r = L.qr(a)
        return tg.concat([tg.reshape(q, [-1]), tg.reshape(r, [-1])], 0)

    grads_ok(both, rand(0, shape))


# ----- norms ---------------------------------------------------------------------------------

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


# ----- tracing with unknown dimensions (reference backend: these test the shape rules) ----

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

"""einsum and tensordot (ops/einsum.py): values against NumPy, errors, shape rules, gradients."""
import numpy as np
import pytest

import tracegraph as tg
from tracegraph.ops import einsum as einsum_ops

from matrix_samples import grads_ok, rand, spec

L = tg.linalg


# ----- einsum ---------------------------------------------------------------------------------

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
    infer = einsum_ops._einsum.infer
    assert infer(spec([None, 3]), spec([3, 5]), equation="ij,jk->ik").shape.as_list() == [None, 5]
    ellipsis = infer(spec([2, None, 3]), spec(None), equation="...ij,jk->...ik")
    assert ellipsis.shape.as_list() == [2, None, None]
    assert infer(spec(None), spec([3]), equation="...i,i->...").shape.rank is None
    f = tg.function(lambda a, b: L.einsum("bij,jk->bki", a, b),
                    input_signature=[spec([None, 2, None]), spec([None, 4])], backend="numpy")
    a, b = rand(0, (3, 2, 5)), rand(1, (5, 4))
    np.testing.assert_allclose(f(a, b).numpy(), np.einsum("bij,jk->bki", a, b))


# ----- tensordot ------------------------------------------------------------------------------

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

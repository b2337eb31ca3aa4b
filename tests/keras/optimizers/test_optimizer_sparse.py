"""IndexedSlices gradients: deduplicated, applied to their rows with scatter ops, and equal to
the dense update of the same gradient."""
import numpy as np
import pytest

import tracegraph as tg
from tracegraph.keras import optimizers as O

MAKERS = {
    "sgd": lambda: O.SGD(0.1),
    "sgd_momentum": lambda: O.SGD(0.1, momentum=0.9, nesterov=True),
    "adagrad": lambda: O.Adagrad(0.1),
    "rmsprop": lambda: O.RMSprop(0.1),
    "rmsprop_centered": lambda: O.RMSprop(0.1, momentum=0.5, centered=True),
    "adadelta": lambda: O.Adadelta(1.0),
    "adam": lambda: O.Adam(0.1),
    "nadam": lambda: O.Nadam(0.1),
    "ftrl": lambda: O.Ftrl(0.1),
    "sgd_clipnorm": lambda: O.SGD(0.1, clipnorm=0.5),
    "sgd_clipvalue": lambda: O.SGD(0.1, clipvalue=0.3),
    "adagrad_global_clipnorm": lambda: O.Adagrad(0.1, global_clipnorm=0.7),
}

# repeated rows (0 twice, 3 twice): their slices add up, as in a gather's gradient
STEPS = [([0, 3, 0], [[0.5, -1.0], [0.2, 0.1], [0.25, 0.5]]),
         ([3, 3, 1], [[1.0, 0.0], [-0.5, 0.25], [0.3, -0.3]]),
         ([2], [[-0.4, 0.6]])]
INIT = [[1.0, 2.0], [-1.0, 0.5], [0.3, -0.7], [2.0, 1.5]]


def _dense(indices, values):
    out = np.zeros((4, 2), np.float32)
    np.add.at(out, indices, np.array(values, np.float32))
    return out


@pytest.mark.parametrize("case", sorted(MAKERS))
def test_sparse_steps_equal_dense_steps_with_repeated_rows(case):
    sparse_var, dense_var = tg.Variable(np.array(INIT, np.float32)), tg.Variable(np.array(INIT, np.float32))
    sparse_opt, dense_opt = MAKERS[case](), MAKERS[case]()
    for indices, values in STEPS:
        slices = tg.IndexedSlices(tg.constant(values, tg.float32), tg.constant(indices), tg.constant([4, 2]))
        sparse_opt.apply_gradients([(slices, sparse_var)])
        dense_opt.apply_gradients([(tg.constant(_dense(indices, values)), dense_var)])
        np.testing.assert_allclose(sparse_var.numpy(), dense_var.numpy(), rtol=2e-6, atol=1e-7)
    for a, b in zip(sparse_opt.variables, dense_opt.variables):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=2e-6, atol=1e-7)


def test_adagrad_touches_only_the_gradient_rows():
    table = tg.Variable(np.array(INIT, np.float32))
    optimizer = O.Adagrad(0.1)
    optimizer.apply_gradients([(tg.IndexedSlices(tg.constant([[1.0, 1.0]]), tg.constant([2]), tg.constant([4, 2])),
                                table)])
    changed = np.any(table.numpy() != np.array(INIT, np.float32), axis=1)
    assert changed.tolist() == [False, False, True, False]
    accumulator = optimizer.get_slot(table, "accumulator").numpy()
    np.testing.assert_allclose(accumulator[:, 0], [0.1, 0.1, 1.1, 0.1], rtol=1e-6)


def test_embedding_gradient_from_a_tape():
    table = tg.Variable(np.array(INIT, np.float32))
    optimizer = O.SGD(0.5)
    with tg.GradientTape() as tape:
        loss = tg.reduce_sum(tg.gather(table, [1, 1, 3]))
    grad = tape.gradient(loss, table)
    assert isinstance(grad, tg.IndexedSlices)
    optimizer.apply_gradients([(grad, table)])
    expected = np.array(INIT, np.float32) - 0.5 * _dense([1, 1, 3], [[1.0, 1.0]] * 3)
    np.testing.assert_allclose(table.numpy(), expected)

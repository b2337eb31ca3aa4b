"""tg.IndexedSlices: the gradient of a gather along axis 0, as in TF, and how the tape sums,
densifies and returns it."""
import numpy as np
import pytest

import tracegraph as tg


def _params():
    return tg.constant(np.arange(12.).reshape(4, 3))


def _dense_gather_gradient(params, indices, weights):
    """NumPy reference: d/dparams of sum(weights * params[indices])."""
    grad = np.zeros_like(params)
    np.add.at(grad, np.asarray(indices).reshape(-1), np.asarray(weights).reshape(-1, *params.shape[1:]))
    return grad


def test_gather_gradient_is_indexed_slices():
    p = _params()
    with tg.GradientTape() as tape:
        tape.watch(p)
        y = tg.reduce_sum(tg.gather(p, [0, 2, 2]) ** 2)
    g = tape.gradient(y, p)
    assert isinstance(g, tg.IndexedSlices)
    np.testing.assert_array_equal(g.indices.numpy(), [0, 2, 2])
    np.testing.assert_array_equal(g.dense_shape.numpy(), [4, 3])
    gathered = p.numpy()[[0, 2, 2]]
    np.testing.assert_allclose(g.values.numpy(), 2 * gathered)
    np.testing.assert_allclose(tg.convert_to_tensor(g).numpy(),
                               _dense_gather_gradient(p.numpy(), [0, 2, 2], 2 * gathered))


def test_embedding_lookup_of_a_variable_with_nested_ids():
    table = tg.Variable(np.random.default_rng(0).normal(size=(5, 2)))
    ids = [[1, 4], [1, 0]]
    with tg.GradientTape() as tape:
        y = tg.reduce_sum(tg.gather(table, ids) * 3.0)
    g = tape.gradient(y, table)
    assert isinstance(g, tg.IndexedSlices)
    assert g.values.shape == (4, 2)
    np.testing.assert_allclose(tg.convert_to_tensor(g).numpy(),
                               _dense_gather_gradient(table.numpy(), ids, np.full((4, 2), 3.0)))


def test_two_gathers_concatenate_their_slices():
    p = _params()
    with tg.GradientTape() as tape:
        tape.watch(p)
        y = tg.reduce_sum(tg.gather(p, [1])) + tg.reduce_sum(tg.gather(p, [3, 1]))
    g = tape.gradient(y, p)
    assert isinstance(g, tg.IndexedSlices)
    assert sorted(g.indices.numpy().tolist()) == [1, 1, 3]
    np.testing.assert_allclose(tg.convert_to_tensor(g).numpy(),
                               _dense_gather_gradient(p.numpy(), [1, 3, 1], np.ones((3, 3))))


@pytest.mark.parametrize("gather_first", [True, False])
def test_another_use_of_the_source_sums_to_a_dense_gradient(gather_first):
    p = _params()
    with tg.GradientTape() as tape:
        tape.watch(p)
        if gather_first:
            y = tg.reduce_sum(tg.gather(p, [0, 0])) + tg.reduce_sum(p * p)
        else:
            squares = tg.reduce_sum(p * p)
            y = squares + tg.reduce_sum(tg.gather(p, [0, 0]))
    g = tape.gradient(y, p)
    assert isinstance(g, tg.Tensor)
    np.testing.assert_allclose(g.numpy(), 2 * p.numpy() + _dense_gather_gradient(p.numpy(), [0, 0], np.ones((2, 3))))


def test_gather_of_a_computed_tensor_densifies_for_the_next_rule():
    p = _params()
    with tg.GradientTape() as tape:
        tape.watch(p)
        y = tg.reduce_sum(tg.gather(tg.exp(p / 10.0), [2, 3, 2]))
    g = tape.gradient(y, p)
    assert isinstance(g, tg.Tensor)
    counts = _dense_gather_gradient(p.numpy(), [2, 3, 2], np.ones((3, 3)))
    np.testing.assert_allclose(g.numpy(), counts * np.exp(p.numpy() / 10) / 10)


def test_other_axes_give_dense_gradients_as_in_tf():
    p = _params()
    with tg.GradientTape() as tape:
        tape.watch(p)
        y = tg.reduce_sum(tg.gather(p, [0, 2], axis=1))
    assert isinstance(tape.gradient(y, p), tg.Tensor)


def test_gather_gradients_match_finite_differences_and_second_order():
    x = tg.constant(np.random.default_rng(1).normal(size=(4, 3)))
    tg.test.check_gradients(lambda p: tg.reduce_sum(tg.sin(tg.gather(p, [3, 0, 3]))), [x])

    def first_derivative(p):
        with tg.GradientTape() as tape:
            tape.watch(p)
            y = tg.reduce_sum(tg.gather(p, [1, 1, 2]) ** 3)
        return tg.reduce_sum(tg.convert_to_tensor(tape.gradient(y, p)) ** 2)

    tg.test.check_gradients(first_derivative, [x])


def test_indexed_slices_as_a_function_output():
    @tg.function(fallback="error")
    def gradient_of_lookup(p):
        with tg.GradientTape() as tape:
            tape.watch(p)
            y = tg.reduce_sum(tg.gather(p, [1, 3]) * 2.0)
        return tape.gradient(y, p)

    p = _params()
    g = gradient_of_lookup(p)
    assert isinstance(g, tg.IndexedSlices)
    np.testing.assert_allclose(tg.convert_to_tensor(g).numpy(),
                               _dense_gather_gradient(p.numpy(), [1, 3], np.full((2, 3), 2.0)))


def test_gather_inside_a_traced_loop_has_a_dense_loop_gradient():
    p = _params()

    @tg.function(fallback="error")
    def loss_gradient(params):
        with tg.GradientTape() as tape:
            tape.watch(params)
            total = tg.while_loop(lambda i, acc: i < 3,
                                  lambda i, acc: (i + 1, acc + tg.reduce_sum(tg.gather(params, [i]))),
                                  (tg.constant(0), tg.constant(0.0, tg.float64)))[1]
        return tape.gradient(total, params)

    g = tg.convert_to_tensor(loss_gradient(p))
    np.testing.assert_allclose(g.numpy(), _dense_gather_gradient(p.numpy(), [0, 1, 2], np.ones((3, 3))))


def test_spec_and_nest():
    slices = tg.IndexedSlices(tg.ones([2, 3]), tg.constant([0, 2], tg.int64), tg.constant([4, 3], tg.int64))
    assert slices.shape == tg.TensorShape([4, 3])
    flat = tg.nest.flatten(slices, expand_composites=True)
    assert len(flat) == 3
    rebuilt = tg.nest.pack_sequence_as(slices, flat, expand_composites=True)
    np.testing.assert_array_equal(tg.convert_to_tensor(rebuilt).numpy(), tg.convert_to_tensor(slices).numpy())
    assert "IndexedSlices(indices=" in repr(slices)


def test_bad_indices_are_rejected():
    with pytest.raises(TypeError, match="`indices` must be a 1-D integer tensor"):
        tg.IndexedSlices(tg.ones([2, 3]), tg.constant([[0.0]]))
    with pytest.raises(ValueError, match="without a `dense_shape`"):
        tg.convert_to_tensor(tg.IndexedSlices(tg.ones([2, 3]), tg.constant([0, 1])))


def test_nn_embedding_lookup_values_and_sparse_gradient():
    table = tg.Variable(np.random.default_rng(2).normal(size=(6, 3)))
    ids = [[0, 5, 5], [2, 0, 1]]
    np.testing.assert_allclose(tg.nn.embedding_lookup(table, ids).numpy(), table.numpy()[ids])
    with tg.GradientTape() as tape:
        y = tg.reduce_sum(tg.nn.embedding_lookup(table, ids) ** 2)
    g = tape.gradient(y, table)
    assert isinstance(g, tg.IndexedSlices)
    np.testing.assert_allclose(tg.convert_to_tensor(g).numpy(),
                               _dense_gather_gradient(table.numpy(), ids, 2 * table.numpy()[ids]))


def test_nn_embedding_lookup_sharded_and_max_norm():
    table = np.random.default_rng(3).normal(size=(6, 3)) * 3
    ids = [4, 1, 4]
    sharded = tg.nn.embedding_lookup([tg.constant(table[:3]), tg.constant(table[3:])], ids)  # TF's div shards
    np.testing.assert_allclose(sharded.numpy(), table[ids])
    clipped = tg.nn.embedding_lookup(tg.constant(table), ids, max_norm=1.0).numpy()
    norms = np.linalg.norm(table[ids], axis=1, keepdims=True)
    np.testing.assert_allclose(clipped, table[ids] / np.maximum(norms, 1.0))
    with pytest.raises(TypeError, match="`ids` must be integers"):
        tg.nn.embedding_lookup(tg.constant(table), [0.5])


def test_variable_sparse_updates_from_indexed_slices():
    start = np.arange(8.).reshape(4, 2)
    v = tg.Variable(start)
    delta = tg.IndexedSlices(tg.constant([[1., 1.], [2., 2.], [4., 4.]], tg.float64), tg.constant([1, 3, 1]),
                             tg.constant([4, 2]))
    expected = start.copy()
    np.add.at(expected, [1, 3, 1], [[1., 1.], [2., 2.], [4., 4.]])
    assert v.scatter_add(delta) is v
    np.testing.assert_array_equal(v.numpy(), expected)
    v.scatter_sub(delta)
    np.testing.assert_array_equal(v.numpy(), start)
    v.scatter_update(tg.IndexedSlices(tg.constant([[-1., -2.]], tg.float64), tg.constant([2])))
    np.testing.assert_array_equal(v.numpy()[2], [-1., -2.])
    with pytest.raises(TypeError, match="`sparse_delta` must be a tg.IndexedSlices"):
        v.scatter_add(tg.ones([1, 2], tg.float64))
    with pytest.raises(TypeError, match="dtype float64"):
        v.scatter_add(tg.IndexedSlices(tg.ones([1, 2]), tg.constant([0])))


def test_sgd_step_with_the_sparse_gradient_inside_a_function():
    table = tg.Variable(np.ones((5, 3)))

    @tg.function(fallback="error")
    def step(ids):
        with tg.GradientTape() as tape:
            loss = tg.reduce_sum(tg.nn.embedding_lookup(table, ids) ** 2)
        grad = tape.gradient(loss, table)
        table.scatter_sub(tg.IndexedSlices(grad.values * 0.1, grad.indices, grad.dense_shape))

    step(tg.constant([0, 4, 4]))
    expected = np.ones((5, 3))
    expected[0] -= 0.2
    expected[4] -= 0.4
    np.testing.assert_allclose(table.numpy(), expected)


def test_a_composite_source_gets_dense_component_gradients():
    s = tg.SparseTensor([[0, 1], [1, 0], [2, 3]], tg.constant([1., 2., 3.], tg.float64), [3, 4])
    with tg.GradientTape() as tape:
        tape.watch(s)
        y = tg.reduce_sum(tg.gather(s.values, [2, 2, 0]))
    g = tape.gradient(y, s)
    assert isinstance(g, tg.SparseTensor) and isinstance(g.values, tg.Tensor)
    np.testing.assert_array_equal(g.values.numpy(), [1., 0., 2.])

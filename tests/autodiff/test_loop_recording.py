"""What the gradient of a traced while_loop records per iteration: only the loop variables its backward pass
reads. A buffer the body only writes into (tensor_scatter_nd_update, a TensorArray) and a variable the body
overwrites are not recorded (recording a [T, ...] buffer each of T iterations costs O(T^2) memory), and
the gradients still match central differences, to second order."""
import numpy as np
import pytest

import tracegraph as tg

T, N = 5, 3
RNG = np.random.default_rng(7)
X = RNG.standard_normal((T, N))
W = np.array(0.7)


def scatter_rnn(x, w):
    """h <- tanh(w h + x[t]); `last` <- h (overwritten: never read); h written into row t of a buffer."""
    def body(t, h, last, buffer):
        h = tg.tanh(w * h + tg.gather(x, t))
        buffer = tg.tensor_scatter_nd_update(buffer, tg.reshape(t, [1, 1]), tg.expand_dims(h, 0))
        return t + 1, h, h, buffer

    start = [tg.constant(0), tg.zeros([N], tg.float64), tg.zeros([N], tg.float64), tg.zeros([T, N], tg.float64)]
    _, h, last, buffer = tg.while_loop(lambda t, *_: t < T, body, start)
    return tg.reduce_sum(tg.sin(buffer * w)) + tg.reduce_sum(h * last)


def tensor_array_rnn(x, w):
    """The same recurrence, its states written into a TensorArray of fixed size and element shape."""
    def body(t, h, states):
        h = tg.tanh(w * h + tg.gather(x, t))
        return t + 1, h, states.write(t, h)

    states = tg.TensorArray(tg.float64, size=T, element_shape=[N])
    _, h, states = tg.while_loop(lambda t, *_: t < T, body, [tg.constant(0), tg.zeros([N], tg.float64), states])
    return tg.reduce_sum(tg.sin(states.stack() * w)) + tg.reduce_sum(h * h)


def value_and_gradients(fn):
    @tg.function
    def run(x, w):
        with tg.GradientTape() as tape:
            tape.watch([x, w])
            y = fn(x, w)
        return y, tape.gradient(y, [x, w])
    return run


def central_differences(value, x, w, delta=1e-6):
    """d value / d x and d value / d w, numerically (value returns a float64 scalar tensor)."""
    dx = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[i] = delta
        dx[i] = (float(value(x + step, w)) - float(value(x - step, w))) / (2 * delta)
    dw = (float(value(x, w + delta)) - float(value(x, w - delta))) / (2 * delta)
    return dx, dw


def recordings(concrete):
    return [n for n in concrete.graph.all_nodes() if n.op.name == "while_loop_history"]


def recorded_shapes(node):
    body = node.attrs["body_graph"]
    return [body.inputs[k].spec.shape.as_list() for k in node.attrs["recorded"]]


@pytest.mark.parametrize("fn", [scatter_rnn, tensor_array_rnn])
def test_loop_with_a_buffer_gradients_match_finite_differences(fn):
    run = value_and_gradients(fn)
    _, (gx, gw) = run(tg.constant(X), tg.constant(W))
    dx, dw = central_differences(lambda x, w: run(tg.constant(x), tg.constant(w))[0], X, W)
    np.testing.assert_allclose(gx.numpy(), dx, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(float(gw), dw, rtol=1e-6)


@pytest.mark.parametrize("fn", [scatter_rnn, tensor_array_rnn])
def test_the_recording_holds_the_state_but_not_the_buffer(fn):
    concrete = value_and_gradients(fn).get_concrete_function(tg.constant(X), tg.constant(W))
    (recording,) = recordings(concrete)
    # the counter (gather's and the scatter's index) and h (tanh's and the product's gradients read it)
    assert recorded_shapes(recording) == [[], [N]]
    if fn is scatter_rnn:
        assert recording.attrs["recorded"] == (0, 1)  # not `last` (2), not the buffer (3)


def test_the_backward_loop_updates_its_buffers_row_by_row():
    """Each backward iteration touches one row of the [T, N] gradients: x's gradient (of `gather(x, t)`) is
    added into its accumulator by a scatter, with no dense zeros per iteration, and the buffer's gradient
    is read before its row is cleared, so both updates can be made in place (execute.py)."""
    concrete = value_and_gradients(scatter_rnn).get_concrete_function(tg.constant(X), tg.constant(W))
    (backward,) = [n for n in concrete.optimized_graph.all_nodes() if n.op.name == "while_loop"]
    body = backward.attrs["body_graph"]
    full = [n.op.name for n in body.nodes if any(v.spec.shape.as_list() == [T, N] for v in n.outputs)]
    assert sorted(full) == ["tensor_scatter_nd_add", "tensor_scatter_nd_update"]
    last_use = {}
    for k, node in enumerate(body.nodes):
        for v in node.inputs:
            last_use[id(v)] = k
    for k, node in enumerate(body.nodes):
        if node.op.name.startswith("tensor_scatter"):
            assert last_use[id(node.inputs[0])] == k  # the buffer dies at its update


def test_second_order_through_a_loop_with_a_buffer():
    @tg.function
    def gradient_in_w(x, w):
        with tg.GradientTape() as tape:
            tape.watch(w)
            y = scatter_rnn(x, w)
        return tape.gradient(y, w)

    @tg.function
    def second_derivative(x, w):
        with tg.GradientTape() as outer:
            outer.watch(w)
            g = gradient_in_w(x, w)
        return outer.gradient(g, w)

    x, delta = tg.constant(X), 1e-5
    numeric = (float(gradient_in_w(x, tg.constant(W + delta))) -
               float(gradient_in_w(x, tg.constant(W - delta)))) / (2 * delta)
    np.testing.assert_allclose(float(second_derivative(x, tg.constant(W))), numeric, rtol=1e-6)
    # The forward loop's recordings (at both orders) leave the buffer out. (The backward loop's recording
    # keeps the buffer's gradient: its own VJP rematerializes gather_nd(that gradient, t), and reads it.)
    forward = [r for r in recordings(second_derivative.get_concrete_function(x, tg.constant(W)))
               if r.attrs["n_vars"] == 4]
    assert forward and all(r.attrs["recorded"] == (0, 1) for r in forward)


def test_a_variable_of_unknown_shape_read_for_its_shape_only_is_recorded():
    """`zeros_like` of a loop variable whose shape is not fully known needs that iteration's value: the
    initial value might have another shape."""
    @tg.function(input_signature=[tg.TensorSpec([None], tg.float64)])
    def grad_of(x):
        def body(t, h, last):
            return t + 1, tg.sin(h) * 2.0, h

        with tg.GradientTape() as tape:
            tape.watch(x)
            _, h, last = tg.while_loop(lambda t, *_: t < 3, body, [tg.constant(0), x, x])
            y = tg.reduce_sum(h) + tg.reduce_sum(last)
        return tape.gradient(y, x)

    x = np.array([0.3, -1.2])
    h = x.copy()
    # y = sum(h3) + sum(h2): d/dx through h3 = f'(h2) f'(h1) f'(h0), through h2 = f'(h1) f'(h0)
    derivatives = []
    for _ in range(3):
        derivatives.append(2.0 * np.cos(h))
        h = 2.0 * np.sin(h)
    expected = derivatives[0] * derivatives[1] * derivatives[2] + derivatives[0] * derivatives[1]
    np.testing.assert_allclose(grad_of(tg.constant(x)).numpy(), expected, rtol=1e-12)
    (recording,) = recordings(grad_of.get_concrete_function())
    assert recording.attrs["recorded"] == (1, 2)  # h, and `last` for its shape; not the counter

"""The Numba backend's compiled depthwise convolutions (backends/.../numba/conv_kernels.py).

Each of the three kernels (forward, input gradient, filter gradient) against the op's NumPy
implementation (itself checked against a direct reference, TF's values and finite differences in
test_conv.py) in float64, for random shapes, strides, dilations, paddings (large explicit ones
included) and channel multipliers, in 1-D and 2-D; then the kernels in a traced train step on the
Numba backend against the direct reference and finite differences, and the cases left to NumPy.
"""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tracegraph as tg
from tracegraph.core.op import get_op
from tracegraph.ops.conv import out_size

pytest.importorskip("numba")
conv_kernels = pytest.importorskip("tracegraph_backends.numba.conv_kernels")


def rand(seed, shape, dtype=np.float64):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def reference_depthwise(x, w, strides, dilations, pads):
    """Direct 2-D depthwise convolution with explicit (before, after) pads: a loop over output positions."""
    padded = np.pad(x, [(0, 0), *pads, (0, 0)])
    out = [(padded.shape[1 + i] - (w.shape[i] - 1) * dilations[i] - 1) // strides[i] + 1 for i in range(2)]
    y = np.zeros((x.shape[0], *out, x.shape[-1] * w.shape[-1]))
    for o in np.ndindex(*out):
        for k in np.ndindex(*w.shape[:2]):
            patch = padded[:, o[0] * strides[0] + k[0] * dilations[0], o[1] * strides[1] + k[1] * dilations[1]]
            y[:, o[0], o[1]] += (patch[:, :, None] * w[k]).reshape(x.shape[0], -1)
    return y


class _Node:
    """The two things a DepthwiseKernel reads of a graph node: its op and attrs."""

    def __init__(self, op_name, attrs):
        self.op, self.attrs = get_op(op_name), attrs


def _kernels(attrs):
    return [conv_kernels.DepthwiseKernel(_Node(name, attrs)) for name in conv_kernels.DEPTHWISE_OPS]


@st.composite
def geometries(draw, n):
    kernel = tuple(draw(st.integers(1, 4)) for _ in range(n))
    strides = tuple(draw(st.integers(1, 3)) for _ in range(n))
    dilations = tuple(draw(st.integers(1, 3)) for _ in range(n))
    # from one short of the window (an empty VALID output) up
    in_sizes = tuple(draw(st.integers(max(1, (k - 1) * d), (k - 1) * d + 8)) for k, d in zip(kernel, dilations))
    padding = draw(st.sampled_from(["SAME", "VALID", "explicit"]))
    if padding == "explicit":
        padding = tuple((draw(st.integers(0, 5)), draw(st.integers(0, 5))) for _ in range(n))
    return kernel, in_sizes, {"strides": strides, "dilations": dilations, "padding": padding}


@st.composite
def depthwise_cases(draw):
    kernel, in_sizes, attrs = draw(geometries(draw(st.sampled_from([1, 2]))))
    channels, multiplier, batch = draw(st.integers(1, 5)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    seed = draw(st.integers(0, 2 ** 16))
    return rand(seed, (batch, *in_sizes, channels)), rand(seed + 1, (*kernel, channels, multiplier)), attrs


@settings(max_examples=60, deadline=None)
@given(depthwise_cases())
def test_the_three_kernels_equal_the_numpy_implementations(case):
    x, w, attrs = case
    forward, backprop_input, backprop_filter = _kernels(attrs)
    y = forward(np, x, w)
    want = forward.fallback(np, x, w)
    assert y.shape == want.shape
    np.testing.assert_allclose(y, want, rtol=1e-12, atol=1e-12)
    g = rand(7, y.shape)
    np.testing.assert_allclose(backprop_input(np, g, w, x), backprop_input.fallback(np, g, w, x),
                               rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(backprop_filter(np, x, g, w), backprop_filter.fallback(np, x, g, w),
                               rtol=1e-12, atol=1e-11)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from([1, 2]).flatmap(geometries), st.integers(1, 3), st.integers(1, 6), st.integers(0, 2 ** 16))
def test_the_window_sum_kernel_equals_the_numpy_input_gradient(geometry, in_channels, out_channels, seed):
    kernel, in_sizes, attrs = geometry
    out = [out_size(in_sizes[i], kernel[i], attrs["strides"][i], attrs["dilations"][i], attrs["padding"], i)
           for i in range(len(kernel))]
    g, w = rand(seed, (2, *out, out_channels)), rand(seed + 1, (*kernel, in_channels, out_channels))
    x_ref = np.zeros((0, *in_sizes, in_channels))  # a transposed convolution's reference: an empty batch
    window_sum = conv_kernels.WindowSumKernel(_Node("conv_backprop_input", attrs))
    got = window_sum(np, g, w, x_ref)
    assert got.shape == (2, *in_sizes, in_channels)
    np.testing.assert_allclose(got, window_sum.fallback(np, g, w, x_ref), rtol=1e-12, atol=1e-12)


def test_float32_within_rounding_and_other_dtypes_or_empty_arrays_run_on_numpy():
    attrs = {"strides": (2, 1), "dilations": (1, 2), "padding": "SAME"}
    forward, backprop_input, backprop_filter = _kernels(attrs)
    x, w = rand(1, (2, 9, 8, 3), np.float32), rand(2, (3, 3, 3, 2), np.float32)
    want = reference_depthwise(x.astype(np.float64), w.astype(np.float64), (2, 1), (1, 2), [(1, 1), (2, 2)])
    np.testing.assert_allclose(forward(np, x, w), want, rtol=1e-5, atol=1e-5)
    half = forward(np, x.astype(np.float16), w.astype(np.float16))
    assert half.dtype == np.float16
    np.testing.assert_allclose(half, want, rtol=2e-2, atol=2e-2)
    empty = np.zeros((0, 9, 8, 3), np.float32)
    assert forward(np, empty, w).shape == (0, 5, 8, 6)
    g = np.zeros((0, 5, 8, 6), np.float32)
    assert backprop_input(np, g, w, empty).shape == (0, 9, 8, 3)
    np.testing.assert_array_equal(backprop_filter(np, empty, g, w), np.zeros_like(w))


def _train_step(backend):
    def step(x, w):
        with tg.GradientTape() as tape:
            tape.watch([x, w])
            y = tg.nn.depthwise_conv2d(x, w, [1, 2, 1, 1], [[0, 0], [2, 1], [1, 0], [0, 0]], dilations=[1, 2])
            loss = tg.reduce_sum(y * tg.sin(y))
        return [y] + tape.gradient(loss, [x, w])
    return tg.function(step, backend=backend)


def test_a_traced_step_on_numba_runs_the_kernels_and_matches_reference_and_finite_differences():
    x, w = rand(3, (2, 7, 6, 3)), rand(4, (3, 2, 3, 2))
    step = _train_step("numba")
    y, dx, dw = (t.numpy() for t in step(x, w))
    np.testing.assert_allclose(y, reference_depthwise(x, w, (2, 1), (1, 2), [(2, 1), (1, 0)]),
                               rtol=1e-12, atol=1e-12)
    plan = step.get_concrete_function(x, w).compile()
    assert sum(isinstance(k, conv_kernels.DepthwiseKernel) for k in plan.kernels) == 3  # forward and both gradients

    def loss(x, w):
        y = step(x, w)[0].numpy()
        return float(np.sum(y * np.sin(y)))
    eps = 1e-6
    for array, gradient in ((x, dx), (w, dw)):
        for index in list(np.ndindex(array.shape))[::7]:
            plus, minus = array.copy(), array.copy()
            plus[index] += eps
            minus[index] -= eps
            args = (plus, w) if array is x else (x, plus)
            args_minus = (minus, w) if array is x else (x, minus)
            numeric = (loss(*args) - loss(*args_minus)) / (2 * eps)
            assert abs(numeric - gradient[index]) <= 1e-6 * (1 + abs(numeric))

"""One training step of a small MLP: forward, tape gradient and SGD update in one function.

The network is 8 -> 30 (relu) -> 1 with a mean-squared-error loss, trained by
plain SGD. In tracegraph (and TensorFlow, for `--peers`) the step is the
TF2 idiom: a `GradientTape` around the forward pass and `assign_sub` on every
Variable, so a traced step is one graph with the backward pass inside. The
NumPy baseline is the same step written by hand: forward, manual backward, and
in-place update.

Every implementation owns its parameters, started from the same values, so
their first steps must agree (loss and updated parameters).
"""
import numpy as np

import tracegraph as tg

from . import peers
from .base import (Implementation, NotApplicable, Workload, as_numpy, missing_op_notes, on_device,
                   tracegraph_implementation, to_tensors)

__all__ = ["MLPStep", "MLP_STEP", "make_train_step", "numpy_train_step"]

N_IN, N_HIDDEN, N_OUT = 8, 30, 1
LEARNING_RATE = 0.01


def _relu(tf, z):
    """tf.nn.relu where the library has it, else max(z, 0)."""
    relu = getattr(getattr(tf, "nn", None), "relu", None)
    return relu(z) if relu is not None else tf.maximum(z, 0.0)


def make_train_step(tf, variables, learning_rate=LEARNING_RATE):
    """The TF2 training step over `variables` = [W1, b1, W2, b2]; returns `train_step(x, y) -> loss`."""
    w1, b1, w2, b2 = variables

    def train_step(x, y):
        with tf.GradientTape() as tape:
            hidden = _relu(tf, tf.matmul(x, w1) + b1)
            prediction = tf.matmul(hidden, w2) + b2
            loss = tf.reduce_mean(tf.square(prediction - y))
        gradients = tape.gradient(loss, variables)
        for variable, gradient in zip(variables, gradients):
            variable.assign_sub(learning_rate * gradient)
        return loss
    return train_step


def numpy_train_step(x, y, params, learning_rate=LEARNING_RATE):
    """The same step written by hand in NumPy; updates `params` in place and returns the loss."""
    w1, b1, w2, b2 = params
    pre_activation = x @ w1 + b1
    hidden = np.maximum(pre_activation, 0)
    prediction = hidden @ w2 + b2
    error = prediction - y
    loss = np.mean(error * error)
    d_prediction = error * (2.0 / error.size)
    d_w2 = hidden.T @ d_prediction
    d_b2 = d_prediction.sum(axis=0)
    d_pre_activation = (d_prediction @ w2.T) * (pre_activation > 0)
    d_w1 = x.T @ d_pre_activation
    d_b1 = d_pre_activation.sum(axis=0)
    for param, gradient in zip(params, (d_w1, d_b1, d_w2, d_b2)):
        param -= learning_rate * gradient
    return loss


class MLPStep(Workload):
    """The training step at a given batch size; inputs are (x, y, W1, b1, W2, b2)."""

    name = "mlp_step"
    description = "8->30 relu->1, MSE loss, tape gradient + SGD assign_sub in one function"
    sizes = (32, 4096)
    quick_sizes = (32, 4096)
    probe_size = 32
    rtol, atol = 1e-4, 1e-5    # matrix products may sum in a different order

    def size_label(self, size):
        return f"batch {size}"

    def inputs(self, batch, rng):
        x = rng.standard_normal((batch, N_IN), dtype=np.float32)
        y = (np.sin(x[:, :1]) + 0.1 * rng.standard_normal((batch, 1))).astype(np.float32)
        w1 = (rng.standard_normal((N_IN, N_HIDDEN)) * np.sqrt(2.0 / N_IN)).astype(np.float32)
        b1 = (0.1 * rng.standard_normal(N_HIDDEN)).astype(np.float32)
        w2 = (rng.standard_normal((N_HIDDEN, N_OUT)) * np.sqrt(1.0 / N_HIDDEN)).astype(np.float32)
        b2 = np.full(N_OUT, 0.1, dtype=np.float32)
        return [x, y, w1, b1, w2, b2]

    def numpy(self, inputs):
        x, y, *initial = inputs
        params = [p.copy() for p in initial]
        return Implementation("numpy by hand", "numpy", lambda: numpy_train_step(x, y, params),
                              _reader(params))

    def tracegraph(self, inputs, backend=None):
        x, y, *initial = inputs
        with on_device(backend):
            variables = [tg.Variable(p) for p in initial]
        step = make_train_step(tg, variables)
        return tracegraph_implementation(step, to_tensors([x, y], backend), backend, _reader(variables))

    def peer(self, library, module, inputs):
        x, y, *initial = inputs
        if library == "jax":
            return [_jax_step(module, x, y, initial)]
        if library == "torch":
            params = [module.from_numpy(p.copy()).requires_grad_(True) for p in initial]
            step = _torch_train_step(module, params)
            tensors = [module.from_numpy(x), module.from_numpy(y)]
            return [peers.torch_implementation(module, step, tensors, _reader(params))]
        if library == "tensorflow":
            def variant():
                variables = [module.Variable(p) for p in initial]
                return make_train_step(module, variables), [module.constant(x), module.constant(y)], \
                    _reader(variables)
            return peers.tensorflow_implementations(module, variant)
        raise NotApplicable(f"no {library} formulation")

    def notes(self):
        return missing_op_notes(self.name, {"nn.relu": "maximum(z, 0.0)"})


def _reader(params):
    """to_numpy for a step: the loss and the parameters after the step."""
    return lambda loss: (as_numpy(loss), *[as_numpy(p) for p in params])


def _torch_train_step(torch, params):
    def train_step(x, y):
        w1, b1, w2, b2 = params
        prediction = torch.relu(x @ w1 + b1) @ w2 + b2
        loss = torch.mean(torch.square(prediction - y))
        gradients = torch.autograd.grad(loss, params)
        with torch.no_grad():
            for param, gradient in zip(params, gradients):
                param.sub_(LEARNING_RATE * gradient)
        return loss.detach()
    return train_step


def _jax_step(jax, x, y, initial):
    """jax.jit of a functional step; the parameters are threaded through a Python cell."""
    jnp = jax.numpy

    def loss_fn(params, x, y):
        w1, b1, w2, b2 = params
        prediction = jnp.maximum(x @ w1 + b1, 0) @ w2 + b2
        return jnp.mean(jnp.square(prediction - y))

    @jax.jit
    def step(params, x, y):
        loss, gradients = jax.value_and_grad(loss_fn)(params, x, y)
        return loss, tuple(p - LEARNING_RATE * g for p, g in zip(params, gradients))

    state = {"params": tuple(jax.device_put(p) for p in initial)}
    x, y = jax.device_put(x), jax.device_put(y)

    def call():
        loss, state["params"] = step(state["params"], x, y)
        return jax.block_until_ready(loss)
    return Implementation("jax.jit", "peer", call, lambda loss: (as_numpy(loss), *map(as_numpy, state["params"])))


MLP_STEP = MLPStep()

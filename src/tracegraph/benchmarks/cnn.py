"""One training step of a small CNN on 28x28 images: convolutions, a max pool, Adam.

The model of issue 15: Conv2D(16, 3x3, relu) -> MaxPooling2D(2x2) -> Conv2D(16, 3x3, relu) ->
GlobalAveragePooling2D -> Dense(10), trained on sparse categorical cross-entropy from logits
with Keras 3's Adam, on a batch of 64. In tracegraph and TensorFlow (for `--peers`) the step is
the TF2 idiom over a Keras model: a GradientTape around `model(x, training=True)` and the loss,
then `optimizer.apply_gradients`, so a traced step is one graph with the backward pass inside.
The NumPy baseline is the same step by hand: im2col convolutions, a reshaped max pool whose
gradient goes to every maximum of a window (ties are windows of zeros after the relu, where the
relu's own gradient is zero anyway), and Adam. PyTorch runs the loop its users write, eagerly
(`torch.compile` of a whole training step takes minutes to compile on a small CPU).

Every implementation starts from the same weights, so their first steps must agree (the loss
and every updated weight).

BLAS threads matter here more than anywhere else in the benchmark: the step's convolutions
are five matrix products of 10 to 50 MFLOP. On the 2-core machine of issue 15, with the other
core busy, OpenBLAS's default of one thread per core made those five products 2.7x slower at
the median (10.7 ms against 3.9 ms, and 44 ms against 4.4 ms at the 90th percentile) and the
whole step 2.5 to 7x slower, while on idle cores two threads were 1.6x faster (2.3 ms against
3.7 ms at best). tracegraph leaves the thread count to the user (OPENBLAS_NUM_THREADS=1 on
a shared machine); the table's header shows the setting of the run.
"""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

import tracegraph as tg
from tracegraph import keras

from . import peers
from .base import Implementation, NotApplicable, Workload, as_numpy, on_device, tracegraph_implementation

__all__ = ["CNNStep", "CNN_STEP", "make_model", "make_train_step", "numpy_train_step"]

SIDE, CLASSES, FILTERS, KERNEL = 28, 10, 16, 3
LEARNING_RATE, BETA_1, BETA_2, EPSILON = 0.001, 0.9, 0.999, 1e-7


def make_model(keras_module, weights):
    """The Keras model of the issue, holding copies of `weights` ([kernel, bias] per layer)."""
    layers = keras_module.layers
    model = keras_module.Sequential([
        keras_module.Input(shape=(SIDE, SIDE, 1)),
        layers.Conv2D(FILTERS, KERNEL, activation="relu"), layers.MaxPooling2D(),
        layers.Conv2D(FILTERS, KERNEL, activation="relu"), layers.GlobalAveragePooling2D(),
        layers.Dense(CLASSES)])
    model.set_weights([w.copy() for w in weights])
    return model


def make_train_step(keras_module, tape_type, model):
    """The TF2 training step of `model` with a new Adam; returns `train_step(x, y) -> loss`."""
    optimizer = keras_module.optimizers.Adam(learning_rate=LEARNING_RATE, beta_1=BETA_1, beta_2=BETA_2,
                                             epsilon=EPSILON)
    optimizer.build(model.trainable_variables)   # the slots exist before any tracing
    loss_fn = keras_module.losses.SparseCategoricalCrossentropy(from_logits=True)

    def train_step(x, y):
        with tape_type() as tape:
            loss = loss_fn(y, model(x, training=True))
        gradients = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(gradients, model.trainable_variables))
        return loss
    return train_step


# ----- the step by hand -----------------------------------------------------------------------

def _im2col(x):
    """[batch, h, w, c] -> the VALID 3x3 windows as rows [batch * (h-2) * (w-2), 9 * c]."""
    windows = sliding_window_view(x, (KERNEL, KERNEL), axis=(1, 2))   # [b, h-2, w-2, c, 3, 3]
    return windows.transpose(0, 1, 2, 4, 5, 3).reshape(-1, KERNEL * KERNEL * x.shape[-1])


def _conv_input_gradient(g, kernel):
    """The gradient of a VALID 3x3 convolution with respect to its input: the fully padded
    output gradient convolved with the flipped kernel, its channel axes swapped."""
    padded = np.pad(g, [(0, 0), (KERNEL - 1, KERNEL - 1), (KERNEL - 1, KERNEL - 1), (0, 0)])
    flipped = kernel[::-1, ::-1].transpose(0, 1, 3, 2).reshape(-1, kernel.shape[2])
    return (_im2col(padded) @ flipped).reshape(*g.shape[:1], g.shape[1] + 2, g.shape[2] + 2, kernel.shape[2])


def numpy_train_step(x, y, params, state):
    """The step by hand; updates `params` (and Adam's `state`) in place and returns the loss."""
    k1, b1, k2, b2, wd, bd = params
    batch = x.shape[0]
    cols1 = _im2col(x)
    c1 = (cols1 @ k1.reshape(-1, FILTERS) + b1).reshape(batch, SIDE - 2, SIDE - 2, FILTERS)
    a1 = np.maximum(c1, 0)
    tiles = a1.reshape(batch, (SIDE - 2) // 2, 2, (SIDE - 2) // 2, 2, FILTERS)
    pooled = tiles.max(axis=(2, 4))
    cols2 = _im2col(pooled)
    side2 = pooled.shape[1] - 2
    c2 = (cols2 @ k2.reshape(-1, FILTERS) + b2).reshape(batch, side2, side2, FILTERS)
    features = np.maximum(c2, 0).mean(axis=(1, 2))
    logits = features @ wd + bd
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probabilities = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_probabilities[np.arange(batch), y].mean()

    d_logits = np.exp(log_probabilities)
    d_logits[np.arange(batch), y] -= 1
    d_logits /= batch
    d_features = d_logits @ wd.T
    d_c2 = np.broadcast_to(d_features[:, None, None, :] / (side2 * side2), c2.shape) * (c2 > 0)
    d_c2_rows = d_c2.reshape(-1, FILTERS)
    d_pooled = _conv_input_gradient(d_c2, k2)
    d_a1 = ((tiles == pooled[:, :, None, :, None]) * d_pooled[:, :, None, :, None]).reshape(a1.shape)
    d_c1_rows = (d_a1 * (c1 > 0)).reshape(-1, FILTERS)
    gradients = (cols1.T @ d_c1_rows, d_c1_rows.sum(axis=0), cols2.T @ d_c2_rows, d_c2_rows.sum(axis=0),
                 features.T @ d_logits, d_logits.sum(axis=0))
    _adam(params, [g.reshape(p.shape) for p, g in zip(params, gradients)], state)
    return loss


def _adam(params, gradients, state):
    """Keras 3's Adam step, in place."""
    state["step"] += 1
    step = state["step"]
    alpha = LEARNING_RATE * np.sqrt(1 - BETA_2 ** step) / (1 - BETA_1 ** step)
    for param, gradient, m, v in zip(params, gradients, state["m"], state["v"]):
        m += (gradient - m) * (1 - BETA_1)
        v += (gradient * gradient - v) * (1 - BETA_2)
        param -= (m * np.float32(alpha) / (np.sqrt(v) + np.float32(EPSILON))).astype(param.dtype)


# ----- the workload ---------------------------------------------------------------------------

class CNNStep(Workload):
    """The training step at a given batch size; inputs are (x, y, then [kernel, bias] per layer)."""

    name = "cnn_step"
    description = "conv16-maxpool-conv16-gap-dense10 on 28x28x1, sparse CE, tape gradient + Adam"
    sizes = quick_sizes = (64,)
    probe_size = 64
    rtol, atol = 1e-3, 1e-4    # float32 convolutions summed in other orders; Adam's first step moves
                               # every weight by about +-1e-3, so a wrong gradient sign still shows

    def size_label(self, size):
        return f"batch {size}"

    def inputs(self, batch, rng):
        x = rng.random((batch, SIDE, SIDE, 1), dtype=np.float32)
        y = rng.integers(0, CLASSES, batch).astype(np.int32)
        shapes = [((KERNEL, KERNEL, 1, FILTERS), 9, 9 * FILTERS), ((KERNEL, KERNEL, FILTERS, FILTERS),
                                                                  9 * FILTERS, 9 * FILTERS),
                  ((FILTERS, CLASSES), FILTERS, CLASSES)]
        weights = []
        for shape, fan_in, fan_out in shapes:   # Glorot uniform kernels, zero biases: Keras's defaults
            limit = np.sqrt(6.0 / (fan_in + fan_out))
            weights += [rng.uniform(-limit, limit, shape).astype(np.float32), np.zeros(shape[-1], np.float32)]
        return [x, y, *weights]

    def numpy(self, inputs):
        x, y, *initial = inputs
        params = [p.copy() for p in initial]
        state = {"step": 0, "m": [np.zeros_like(p) for p in params], "v": [np.zeros_like(p) for p in params]}
        return Implementation("numpy by hand", "numpy", lambda: numpy_train_step(x, y, params, state),
                              lambda loss: (np.float32(loss), *[p.copy() for p in params]))

    def tracegraph(self, inputs, backend=None):
        x, y, *initial = inputs
        with on_device(backend):
            model = make_model(keras, initial)
        step = make_train_step(keras, tg.GradientTape, model)
        with on_device(backend):
            arguments = [tg.constant(x), tg.constant(y)]
        return tracegraph_implementation(step, arguments, backend, _reader(model))

    def peer(self, library, module, inputs):
        x, y, *initial = inputs
        if library == "tensorflow":
            def variant():
                model = make_model(module.keras, initial)
                return (make_train_step(module.keras, module.GradientTape, model),
                        [module.constant(x), module.constant(y)], _reader(model))
            return peers.tensorflow_implementations(module, variant)
        if library == "torch":
            return [_torch_loop(module, x, y, initial)]
        raise NotApplicable(f"no {library} formulation")


def _reader(model):
    """to_numpy for a step: the loss and the weights after the step."""
    return lambda loss: (as_numpy(loss), *[as_numpy(w) for w in model.weights])


def _torch_loop(torch, x, y, initial):
    """The step a PyTorch user writes: nn.Sequential (channels first), Adam, CrossEntropyLoss, eager."""
    nn = torch.nn
    model = nn.Sequential(nn.Conv2d(1, FILTERS, KERNEL), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(FILTERS, FILTERS, KERNEL), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                          nn.Linear(FILTERS, CLASSES))
    k1, b1, k2, b2, wd, bd = initial
    with torch.no_grad():
        for parameter, value in zip(model.parameters(), (k1.transpose(3, 2, 0, 1), b1, k2.transpose(3, 2, 0, 1),
                                                         b2, wd.T, bd)):
            parameter.copy_(torch.from_numpy(np.ascontiguousarray(value)))
    # PyTorch adds epsilon to the bias-corrected sqrt(v), Keras to the uncorrected one: scaled so, it makes
    # the same first step (the one checked), where a weight's gradient is small enough for epsilon to matter
    epsilon = EPSILON / np.sqrt(1 - BETA_2)
    optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE, betas=(BETA_1, BETA_2), eps=epsilon)
    loss_fn = nn.CrossEntropyLoss()
    images = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))
    labels = torch.from_numpy(y.astype(np.int64))

    def step():
        optimizer.zero_grad()
        loss = loss_fn(model(images), labels)
        loss.backward()
        optimizer.step()
        return loss.detach()

    def read(loss):
        k1, b1, k2, b2, wd, bd = [p.detach().numpy() for p in model.parameters()]
        return (as_numpy(loss), k1.transpose(2, 3, 1, 0).copy(), b1.copy(), k2.transpose(2, 3, 1, 0).copy(),
                b2.copy(), wd.T.copy(), bd.copy())
    return Implementation("torch eager", "peer", step, read)


CNN_STEP = CNNStep()

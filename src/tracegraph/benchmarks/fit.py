"""One epoch of Keras-style `fit` for the tutorial's regression MLP (8 -> 30 relu -> 1, SGD, MSE).

20640 rows in batches of 32 (645 steps), not shuffled, so every implementation sees the same
batches in the same order from the same initial weights and must end the epoch with the same
weights. tracegraph runs `keras.Sequential(...).fit`; TensorFlow (for `--peers`) runs its own
Keras 3 `fit` on the same model; PyTorch runs the hand-written loop its users write; the NumPy
baseline is that loop by hand. The time is one whole epoch: batch slicing, the step, metrics,
callbacks. A row's first call (tracing and compiling included) is reported apart.
"""
import time

import numpy as np

from tracegraph import keras

from .base import Implementation, NotApplicable, Workload, as_numpy, on_backend

__all__ = ["FitEpoch", "FIT_EPOCH", "numpy_epoch"]

N_IN, N_HIDDEN, BATCH, LEARNING_RATE = 8, 30, 32, 0.01


def _initial_weights(rng):
    return [(rng.standard_normal((N_IN, N_HIDDEN)) * np.sqrt(2.0 / N_IN)).astype(np.float32),
            np.zeros(N_HIDDEN, np.float32),
            (rng.standard_normal((N_HIDDEN, 1)) * np.sqrt(1.0 / N_HIDDEN)).astype(np.float32),
            np.zeros(1, np.float32)]


def numpy_epoch(x, y, params):
    """One epoch of minibatch SGD on the MSE, by hand; updates `params` in place."""
    w1, b1, w2, b2 = params
    for start in range(0, len(x), BATCH):
        xb, yb = x[start:start + BATCH], y[start:start + BATCH]
        pre_activation = xb @ w1 + b1
        hidden = np.maximum(pre_activation, 0)
        error = hidden @ w2 + b2 - yb
        d_prediction = error * (2.0 / error.size)
        d_pre_activation = (d_prediction @ w2.T) * (pre_activation > 0)
        for param, gradient in zip(params, (xb.T @ d_pre_activation, d_pre_activation.sum(axis=0),
                                            hidden.T @ d_prediction, d_prediction.sum(axis=0))):
            param -= LEARNING_RATE * gradient
    return params


def _keras_model(keras_module, weights):
    model = keras_module.Sequential([keras_module.Input(shape=(N_IN,)),
                                     keras_module.layers.Dense(N_HIDDEN, activation="relu"),
                                     keras_module.layers.Dense(1)])
    model.set_weights([w.copy() for w in weights])
    model.compile(optimizer=keras_module.optimizers.SGD(learning_rate=LEARNING_RATE), loss="mse")
    return model


class FitEpoch(Workload):
    """`model.fit(x, y, batch_size=32, epochs=1, shuffle=False, verbose=0)` on the housing-sized data."""

    name = "fit_epoch"
    description = "keras fit, one epoch: 8->30 relu->1, SGD, MSE, batch 32, 20640 rows (645 steps)"
    sizes = quick_sizes = (20640,)
    probe_size = 20640
    rtol, atol = 2e-3, 2e-4    # 645 float32 steps: the products may sum in a different order

    def size_label(self, size):
        return f"{size} rows"

    def inputs(self, size, rng):
        x = rng.standard_normal((size, N_IN), dtype=np.float32)
        y = (np.sin(x[:, :1]) + 0.1 * rng.standard_normal((size, 1))).astype(np.float32)
        return [x, y, *_initial_weights(rng)]

    def numpy(self, inputs):
        x, y, *initial = inputs
        params = [p.copy() for p in initial]
        return Implementation("numpy by hand", "numpy", lambda: numpy_epoch(x, y, params),
                              lambda result: tuple(p.copy() for p in result))

    def tracegraph(self, inputs, backend=None):
        x, y, *initial = inputs
        model = _keras_model(keras, initial)
        if backend is None:
            model.compile(optimizer=keras.optimizers.SGD(learning_rate=LEARNING_RATE), loss="mse",
                          run_eagerly=True)

        def epoch():
            with on_backend(backend):
                model.fit(x, y, batch_size=BATCH, epochs=1, shuffle=False, verbose=0)
            return model.weights
        if backend is None:
            return Implementation("tracegraph eager", "tracegraph", epoch, _weights_reader)
        with on_backend(backend):
            stages = _trace_and_compile_step(model, (x[:BATCH], y[:BATCH]))
        return Implementation(f"tracegraph {backend}", "tracegraph", epoch, _weights_reader, stages=stages)

    def peer(self, library, module, inputs):
        x, y, *initial = inputs
        if library == "tensorflow":
            model = _keras_model(module.keras, initial)

            def epoch():
                model.fit(x, y, batch_size=BATCH, epochs=1, shuffle=False, verbose=0)
                return model.weights
            return [Implementation("tensorflow keras fit", "peer", epoch, _weights_reader)]
        if library == "torch":
            return [_torch_loop(module, x, y, initial)]
        raise NotApplicable(f"no {library} formulation (Keras on JAX runs in its own process: bench/fit_epoch.py)")


def _trace_and_compile_step(model, batch):
    """Trace and compile the model's train step for full batches (what `fit`'s first step would do),
    timing each stage; fit then finds the step ready."""
    model._prepare(batch, training=True)
    step = model._step_function("train")
    start = time.perf_counter()
    concrete = step.get_concrete_function(batch)
    traced = time.perf_counter()
    concrete.compile()
    return {"trace_s": traced - start, "compile_s": time.perf_counter() - traced}


def _weights_reader(weights):
    return tuple(as_numpy(w) for w in weights)



def _torch_loop(torch, x, y, initial):
    """The training loop a PyTorch user writes: nn.Sequential, SGD, MSELoss, batches by slicing."""
    model = torch.nn.Sequential(torch.nn.Linear(N_IN, N_HIDDEN), torch.nn.ReLU(), torch.nn.Linear(N_HIDDEN, 1))
    with torch.no_grad():
        for parameter, value in zip(model.parameters(), (initial[0].T, initial[1], initial[2].T, initial[3])):
            parameter.copy_(torch.from_numpy(np.ascontiguousarray(value)))
    optimizer = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE)
    loss_fn = torch.nn.MSELoss()
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)

    def epoch():
        for start in range(0, len(xt), BATCH):
            optimizer.zero_grad()
            loss_fn(model(xt[start:start + BATCH]), yt[start:start + BATCH]).backward()
            optimizer.step()
        return model

    def read(trained):
        w1, b1, w2, b2 = [p.detach().numpy() for p in trained.parameters()]
        return (w1.T.copy(), b1.copy(), w2.T.copy(), b2.copy())
    return Implementation("torch loop", "peer", epoch, read)


FIT_EPOCH = FitEpoch()

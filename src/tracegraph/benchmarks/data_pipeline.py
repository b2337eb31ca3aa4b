"""An input pipeline: one epoch of `shuffle(1000) -> map(standardize) -> batch(32) -> prefetch` over
(x, y) of 20640 x 8 float32 rows (the California housing shape), iterated from Python.

tracegraph runs `tg.data` (the same code TF users write, `tf.data` for `--peers`); PyTorch runs the
DataLoader its users write (a TensorDataset with shuffle=True, each batch standardized as it arrives);
the NumPy baseline is a loop by hand over a permutation. The "tracegraph eager" row turns map fusion
off, so `standardize` runs once per element as tf.data runs it (dataset functions are always traced).
Every implementation shuffles differently (TF and tracegraph with a seeded 1000-element buffer,
the others with a global permutation), so the result compared is the epoch's rows sorted by their
label, plus the batch count: every row must come out exactly once, standardized.
The time is the whole epoch; building the pipeline (and tracing `standardize`) happens once, before.
"""

import time

import numpy as np

from tracegraph import data as tg_data

from .base import Implementation, NotApplicable, Workload, on_backend

__all__ = ["DataPipeline", "DATA_PIPELINE", "tracegraph_pipeline"]

FEATURES, BATCH, BUFFER = 8, 32, 1000


def _statistics(x):
    return x.mean(axis=0).astype(np.float32), x.std(axis=0).astype(np.float32)


def tracegraph_pipeline(data, x, y, seed=0, options=None):
    """The pipeline in TF's API (`data` is `tg.data` or `tf.data`)."""
    mean, std = _statistics(x)

    def standardize(features, label):
        return (features - mean) / std, label
    source = data.Dataset.from_tensor_slices((x, y))
    if options is not None:
        source = source.with_options(options)
    return source.shuffle(BUFFER, seed=seed).map(standardize).batch(BATCH).prefetch(data.AUTOTUNE)


def _epoch(dataset):
    return [(features, label) for features, label in dataset]


def _summary(batches):
    """The rows sorted by label, and the number of batches."""
    features = np.concatenate([np.asarray(_host(b[0])) for b in batches])
    labels = np.concatenate([np.asarray(_host(b[1])) for b in batches])
    order = np.argsort(labels, kind="stable")
    return features[order], labels[order], np.array(len(batches))


def _host(value):
    if hasattr(value, "detach"):
        return value.detach().numpy()
    return value.numpy() if hasattr(value, "numpy") else value


class DataPipeline(Workload):
    """`from_tensor_slices((x, y)).shuffle(1000).map(standardize).batch(32).prefetch(AUTOTUNE)`, one epoch."""

    name = "data_pipeline"
    description = "input pipeline, one epoch: shuffle(1000) -> map(standardize) -> batch(32) -> prefetch, " \
                  "20640 x 8 float32"
    sizes = quick_sizes = (20640,)
    probe_size = 20640
    rtol, atol = 1e-5, 1e-5

    def size_label(self, size):
        return f"{size} rows"

    def inputs(self, size, rng):
        x = (rng.standard_normal((size, FEATURES)) * 3 + 1).astype(np.float32)
        y = rng.permutation(size).astype(np.float32)   # distinct labels: the summary sorts by them
        return [x, y]

    def numpy(self, inputs):
        x, y = inputs
        mean, std = _statistics(x)
        rng = np.random.default_rng(0)

        def epoch():
            order = rng.permutation(len(x))
            return [((x[index] - mean) / std, y[index])
                    for index in (order[start:start + BATCH] for start in range(0, len(x), BATCH))]
        return Implementation("numpy by hand", "numpy", epoch, _summary)

    def tracegraph(self, inputs, backend=None):
        x, y = inputs
        with on_backend(backend):
            start = time.perf_counter()
            dataset = tracegraph_pipeline(tg_data, x, y)  # `map` traces its function here
            traced = time.perf_counter()
            next(iter(dataset))  # the first batch compiles the plans
            stages = {"trace_s": traced - start, "compile_s": time.perf_counter() - traced}

        def epoch():
            with on_backend(backend):
                return _epoch(dataset)
        if backend is None:
            # tf.data's functions are always traced (run_functions_eagerly does not apply to them, in TF
            # either); the "eager" row is the pipeline as tf.data runs it: the map once per element.
            options = tg_data.Options()
            options.experimental_optimization.map_fusion = False
            unfused = tracegraph_pipeline(tg_data, x, y, options=options)
            return Implementation("tracegraph eager", "tracegraph", lambda: _epoch(unfused), _summary,
                                  note="map per element (map_fusion off)")
        return Implementation(f"tracegraph {backend}", "tracegraph", epoch, _summary, stages=stages)

    def peer(self, library, module, inputs):
        x, y = inputs
        if library == "tensorflow":
            dataset = tracegraph_pipeline(module.data, x, y)
            return [Implementation("tensorflow tf.data", "peer", lambda: _epoch(dataset), _summary)]
        if library == "torch":
            return [_torch_loader(module, x, y)]
        raise NotApplicable(f"{library} has no input pipelines")


def _torch_loader(torch, x, y):
    """The loop a PyTorch user writes: a DataLoader over a TensorDataset (shuffle=True), each batch
    standardized as it arrives."""
    mean, std = (torch.from_numpy(s) for s in _statistics(x))
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.from_numpy(x), torch.from_numpy(y)),
                                         batch_size=BATCH, shuffle=True, generator=torch.Generator().manual_seed(0))
    return Implementation("torch DataLoader", "peer",
                          lambda: [((features - mean) / std, label) for features, label in loader], _summary)



DATA_PIPELINE = DataPipeline()

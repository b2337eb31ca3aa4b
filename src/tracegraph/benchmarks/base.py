"""What every benchmark workload provides, and the pieces shared by all of them.

A workload (scaled ELU, GELU, an MLP step, ...) makes its inputs once per size
and then hands out *implementations*: zero-argument callables that compute the
workload one way (NumPy eager, tracegraph eager, a traced function on some
backend, a peer library). Every implementation's first result is checked
against the NumPy baseline before it is timed, so a fast wrong answer shows.
"""
import contextlib
import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

import tracegraph as tg
from tracegraph.backend import get_backend

__all__ = ["Implementation", "Workload", "NotApplicable", "as_numpy", "compare_results",
           "tracegraph_implementation", "to_tensors", "on_device", "on_backend", "missing_op_notes", "format_size"]


class NotApplicable(Exception):
    """A peer library cannot express this workload (e.g. numexpr has no matrix product)."""


@dataclass
class Implementation:
    """One way of computing a workload, ready to call (inputs already converted and placed)."""

    name: str                       # the row label, e.g. "tracegraph numba"
    kind: str                       # "numpy", "tracegraph", "gpu" or "peer"
    call: Callable[[], object]      # computes the workload once; returns something `to_numpy` reads
    to_numpy: Callable[[object], tuple] = None
    note: str = ""
    stages: dict = field(default_factory=dict)   # seconds spent tracing/compiling before the first call

    def result_arrays(self, result):
        """The call's result as a tuple of NumPy arrays (copies, safe to keep)."""
        convert = self.to_numpy or (lambda r: tuple(as_numpy(v) for v in _flatten(r)))
        return convert(result)


class Workload:
    """Base class: a named computation measured at several sizes."""

    name = "abstract"
    description = ""
    sizes = ()          # the full run
    quick_sizes = ()    # `--quick`
    probe_size = 1000   # the size used for the compile-time measurement in a new process
    rtol, atol = 1e-5, 1e-6

    def size_label(self, size):
        """How the size prints in the table (e.g. "1e6")."""
        return format_size(size)

    def inputs(self, size, rng):
        """The input arrays (NumPy, float32) for one size; made once, shared by every implementation."""
        raise NotImplementedError

    def numpy(self, inputs):
        """The NumPy-eager baseline, written the natural NumPy way (fresh outputs every call)."""
        raise NotImplementedError

    def tracegraph(self, inputs, backend=None):
        """tracegraph eager (`backend=None`) or a `tg.function` on the named backend."""
        raise NotImplementedError

    def reference(self, inputs, baseline_result):
        """What every implementation must match: by default the NumPy baseline's result."""
        return baseline_result

    def peer(self, library, module, inputs):
        """The implementation in a peer library (raise NotApplicable if it cannot be expressed)."""
        raise NotApplicable(f"{library} is not set up for {self.name}")

    def notes(self):
        """Remarks about how this workload is written (e.g. a composite used for a missing op)."""
        return []


def missing_op_notes(workload_name, preferred_ops):
    """Notes for ops the workload would use that this tracegraph lacks (it then uses the composite).

    `preferred_ops` maps a dotted name under `tracegraph` ("nn.elu") to the composite used instead.
    """
    notes = []
    for dotted, composite in preferred_ops.items():
        owner = tg
        for part in dotted.split("."):
            owner = getattr(owner, part, None)
        if owner is None:
            notes.append(f"{workload_name}: tg.{dotted} is missing, so it is written as {composite} "
                         f"(in every library)")
    return notes


def format_size(size):
    """1000 -> "1e3", 1000000 -> "1e6", 4096 -> "4096"."""
    exponent = round(np.log10(size)) if size > 0 else 0
    if size >= 1000 and 10 ** exponent == size:
        return f"1e{exponent}"
    return str(size)


def as_numpy(value):
    """A NumPy copy of a tensor-like value from any of the libraries benchmarked."""
    if hasattr(value, "detach"):          # torch
        value = value.detach().cpu()
    if hasattr(value, "numpy") and callable(value.numpy):
        value = value.numpy()
    elif hasattr(value, "get") and callable(value.get):   # cupy
        value = value.get()
    return np.array(value, copy=True)


def _flatten(result):
    if isinstance(result, (tuple, list)):
        return [leaf for item in result for leaf in _flatten(item)]
    return [result]


def compare_results(expected, actual, rtol, atol):
    """(matches, worst |difference|, message) for two tuples of arrays."""
    if len(expected) != len(actual):
        return False, float("inf"), f"{len(actual)} outputs, expected {len(expected)}"
    worst = 0.0
    for want, got in zip(expected, actual):
        if got.shape != want.shape:
            return False, float("inf"), f"shape {got.shape}, expected {want.shape}"
        if got.dtype != want.dtype:
            return False, float("inf"), f"dtype {got.dtype}, expected {want.dtype}"
        difference = np.abs(got.astype(np.float64) - want.astype(np.float64))
        if difference.size:
            worst = max(worst, float(np.nanmax(difference)))
        if not np.allclose(got, want, rtol=rtol, atol=atol, equal_nan=True):
            return False, worst, f"off by up to {worst:.2g} (allowed: rtol {rtol:g}, atol {atol:g})"
    return True, worst, ""


def on_device(backend):
    """A context placing new tracegraph tensors and Variables where `backend` computes."""
    if backend is not None and get_backend(backend).device_type == "GPU":
        return tg.device("/gpu:0")
    return contextlib.nullcontext()


@contextlib.contextmanager
def on_backend(name):
    """Run what `tg.function` makes under backend `name` (None: leave the setting alone)."""
    if name is None:
        yield
        return
    previous = tg.config.get_backend()
    tg.config.set_backend(name)
    try:
        yield
    finally:
        tg.config.set_backend(previous)


def to_tensors(arrays, backend):
    """The arrays as tracegraph tensors on the backend's device (created once, outside any timing)."""
    with on_device(backend):
        return [tg.constant(a) for a in arrays]


def tracegraph_implementation(fn, args, backend, to_numpy=None):
    """tracegraph eager (`backend=None`) or `tg.function(fn, backend=...)`, traced and compiled now.

    Tracing and compiling are timed into `stages`; the returned call is the
    Function itself, as a user calls it (its per-call dispatch included).
    """
    if backend is None:
        return Implementation("tracegraph eager", "tracegraph", lambda: fn(*args), to_numpy)
    function = tg.function(fn, backend=backend)
    start = time.perf_counter()
    concrete = function.get_concrete_function(*args)
    traced = time.perf_counter()
    concrete.compile()
    compiled = time.perf_counter()
    stages = {"trace_s": traced - start, "compile_s": compiled - traced}
    device_type = get_backend(backend).device_type
    call = (lambda: function(*args)) if device_type == "CPU" else _synchronized(lambda: function(*args))
    kind = "tracegraph" if device_type == "CPU" else "gpu"
    label = f"tracegraph {backend}" + (" (GPU)" if device_type == "GPU" else "")
    return Implementation(label, kind, call, to_numpy, stages=stages)


def _synchronized(call):
    """Wrap a GPU call so that timing waits for the device to finish."""
    import cupy  # noqa: PLC0415 - only reached when the CuPy backend is available

    def run():
        result = call()
        cupy.cuda.get_current_stream().synchronize()
        return result
    return run

"""Peer libraries for `--peers`: numexpr, JAX, PyTorch, TensorFlow and Numba, each only if importable.

None of them is a dependency of tracegraph. Each is imported inside a
try/except; a library that is missing or fails to import is skipped with a
note. The workloads write their formulas in each library's terms and use the
helpers here for the library's way of compiling: `jax.jit`, `torch.compile`
(eager PyTorch where it does not work on this CPU), `tf.function`, plain
and with XLA (`jit_compile=True`), and `numba.njit` of a plain Python loop.
"""
import importlib
import os

from .base import Implementation, NotApplicable

__all__ = ["LIBRARIES", "import_peers", "peer_implementations", "jax_implementation",
           "torch_implementation", "tensorflow_implementations"]

LIBRARIES = ("numexpr", "jax", "torch", "tensorflow", "numba")


def import_peers(libraries=LIBRARIES):
    """({library: module} for those that import, [notes for those skipped])."""
    modules, notes = {}, []
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")   # TensorFlow's start-up chatter on stderr
    for library in libraries:
        try:
            modules[library] = importlib.import_module(library)
        except Exception as error:  # noqa: BLE001 - a broken install is as good as a missing one
            notes.append(f"{library}: skipped ({type(error).__name__}: {_first_line(error)})")
    if "jax" in modules:
        _configure_jax(modules["jax"])
    return modules, notes


def peer_implementations(workload, inputs, modules):
    """(implementations, notes) of `workload` in every imported peer library."""
    implementations, notes = [], []
    for library, module in modules.items():
        try:
            implementations.extend(workload.peer(library, module, inputs))
        except NotApplicable as reason:
            notes.append(f"{workload.name}: {library} skipped ({reason})")
        except Exception as error:  # noqa: BLE001 - a peer failing must not stop the benchmark
            notes.append(f"{workload.name}: {library} failed to set up ({type(error).__name__}: "
                         f"{_first_line(error)})")
    return implementations, notes


def jax_implementation(jax, fn, args, to_numpy=None):
    """`jax.jit(fn)` on device arrays; the call waits for the result (JAX dispatches asynchronously)."""
    arrays = [jax.device_put(a) for a in args]
    compiled = jax.jit(fn)

    def call():
        return jax.block_until_ready(compiled(*arrays))
    return Implementation("jax.jit", "peer", call, to_numpy)


def torch_implementation(torch, fn, args, to_numpy=None):
    """`torch.compile(fn)`, falling back to eager PyTorch (said in the row) if compiling fails here."""
    implementation = Implementation("torch.compile", "peer", None, to_numpy)
    current = {"fn": fn}
    try:
        current["fn"] = torch.compile(fn)
    except Exception as error:  # noqa: BLE001
        _fall_back_to_eager(implementation, error)

    def call():
        try:
            return current["fn"](*args)
        except Exception as error:  # noqa: BLE001 - torch.compile needs a working C++ toolchain
            if current["fn"] is fn:
                raise
            current["fn"] = fn
            _fall_back_to_eager(implementation, error)
            return fn(*args)
    implementation.call = call
    return implementation


def tensorflow_implementations(tf, make_variant):
    """`tf.function` plain and with XLA (`jit_compile=True`).

    `make_variant()` returns `(fn, args, to_numpy)`, called once per variant so
    that a workload with state (Variables) gives each variant its own.
    """
    implementations = []
    for name, options in (("tensorflow tf.function", {}), ("tensorflow XLA", {"jit_compile": True})):
        fn, args, to_numpy = make_variant()
        implementations.append(Implementation(name, "peer", _bind(tf.function(fn, **options), args), to_numpy))
    return implementations


def _bind(fn, args):
    return lambda: fn(*args)


def _fall_back_to_eager(implementation, error):
    implementation.name = "torch eager"
    implementation.note = f"torch.compile failed here ({type(error).__name__}), eager PyTorch"


def _configure_jax(jax):
    """JAX on the CPU only (no probing for accelerators), float32 as everywhere else."""
    try:
        jax.config.update("jax_platforms", "cpu")
    except Exception:  # noqa: BLE001 - older JAX: the default is fine
        pass


def _first_line(error):
    text = str(error).strip().splitlines()
    return text[0][:120] if text else ""

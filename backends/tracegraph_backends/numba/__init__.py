"""The Numba backend: fused elementwise nodes run as generated, compiled, multithreaded kernels,
while loops of scalar arithmetic as one compiled function each, and some convolution ops
(depthwise ones, a transposed convolution's sum of window products) as compiled loops (`conv_kernels`).

Everything else runs through the ops' shared `xp` implementations on NumPy.
numba is imported only when this backend is first used.
"""
import functools
import importlib.util
import os

import numpy as np

from tracegraph.backend import Backend
from tracegraph.execute import build_plan

from .conv_kernels import COMPILED_OPS

__all__ = ["NumbaBackend", "use_fork_safe_threading_layer"]

# OpenMP threads that spin while waiting lose a whole scheduler time slice (~16 ms here)
# whenever the other core is busy (measured: scaled_elu at 1e6 took 16 ms instead of 2 ms).
# Passive waiting costs microseconds at most. Set before numba starts its thread pool.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


@functools.cache
def use_fork_safe_threading_layer():
    """Run parallel kernels on TBB where it loads, unless the user chose a layer (NUMBA_THREADING_LAYER).

    A process that forks after a kernel ran on GNU OpenMP (numba's layer when TBB does not load) kills the
    child ("fork() called from a process already using GNU OpenMP"), and data loaders,
    multiprocessing pools and Spark workers fork. TBB survives fork and, unlike numba's
    `workqueue`, threads launching kernels concurrently. Takes effect if called before numba starts
    its thread pool (the first parallel kernel); without TBB numba's default stays.
    """
    if os.environ.get("NUMBA_THREADING_LAYER"):
        return
    from numba.core import config  # noqa: PLC0415 - imports numba
    from numba.np.ufunc import parallel  # noqa: PLC0415 - imports numba
    try:
        parallel._check_tbb_version_compatible()  # numba's own test: libtbb loads and is recent enough
    except ImportError:
        return
    config.THREADING_LAYER = "tbb"


class NumbaBackend(Backend):
    """Compiles fused nodes with Numba; the rest of the graph runs on NumPy."""

    name = "numba"

    def is_available(self):
        return importlib.util.find_spec("numba") is not None

    def xp(self):
        return np

    def kernel_cache(self):
        """The module managing compiled kernels on disk (`cache_info()`, `clear_cache()`, ...)."""
        from . import cache  # noqa: PLC0415 - imports numba
        return cache

    def compile(self, graph):
        return build_plan(graph, np, self.compile, kernel_for=self._kernel_for)

    def _kernel_for(self, node):
        """A compiled kernel for a fused node (None: NumPy, inline in the plan, where one cannot pay
        off) or for a while_loop of scalar arithmetic (None: its plan, for any other loop)."""
        if node.op.name == "while_loop":
            from .loop_kernels import compiled_loop_for  # noqa: PLC0415 - imports numba
            return compiled_loop_for(node, self.compile)
        if node.op.name in COMPILED_OPS:
            use_fork_safe_threading_layer()
            return COMPILED_OPS[node.op.name](node)
        if node.op.name != "fused_elementwise":
            return None
        use_fork_safe_threading_layer()
        from .kernels import FusedKernel, always_on_numpy  # noqa: PLC0415 - imports numba
        return None if always_on_numpy(node) else FusedKernel(node)

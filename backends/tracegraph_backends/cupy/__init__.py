"""The CuPy backend: arrays live on a CUDA GPU; fused nodes run as our generated CUDA C kernels.

Every other op runs through the ops' shared `xp` implementations with `xp = cupy`.
`is_available()` is False (never an exception) without CuPy or a CUDA device.
"""
import importlib.util

import numpy as np

from tracegraph.backend import Backend
from tracegraph.execute import build_plan

__all__ = ["CupyBackend"]


class CupyBackend(Backend):
    """Runs graphs on the GPU."""

    name = "cupy"
    device_type = "GPU"

    def is_available(self):
        return self.unavailable_reason() is None

    def unavailable_reason(self):
        if importlib.util.find_spec("cupy") is None:
            return "CuPy is not installed (pip install 'tracegraph[gpu]' installs cupy-cuda12x)"
        try:
            import cupy  # noqa: PLC0415
            count = cupy.cuda.runtime.getDeviceCount()
        except Exception as error:  # noqa: BLE001 - a missing driver or library means "not here"
            return f"CuPy cannot reach a CUDA device ({type(error).__name__}: {error})"
        return None if count > 0 else "CuPy finds no CUDA device"

    def xp(self):
        import cupy  # noqa: PLC0415
        return cupy

    def from_numpy(self, array):
        # string tensors (object arrays) stay on the host: CuPy has no arrays of objects, and string
        # ops run on the host anyway (their numeric results come back to the GPU)
        return array if getattr(array, "dtype", None) == object else self.xp().asarray(array)

    def to_numpy(self, array):
        return array.get() if hasattr(array, "get") else np.asarray(array)

    def compile(self, graph):
        return build_plan(graph, self.xp(), self.compile, kernel_for=self._kernel_for)

    def _kernel_for(self, node):
        name = node.op.name
        if name == "fused_elementwise":
            from .kernels import CudaFusedKernel  # noqa: PLC0415
            return CudaFusedKernel(node)
        if name == "const":
            device_value = self.from_numpy(node.attrs["value"]) if node.attrs["value"].dtype != object \
                else node.attrs["value"]
            return lambda xp: device_value
        return None

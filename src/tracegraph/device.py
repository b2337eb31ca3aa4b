"""Devices: where arrays live, and the `tg.device` context.

The CPU holds NumPy arrays; a CUDA GPU holds CuPy arrays. CuPy is imported only
when a GPU is asked for, so `import tracegraph` never imports it.
"""
import importlib.util
import re

import numpy as np

from .context import state

__all__ = ["device", "DeviceSpec", "device_of_array", "gpu_count"]

CPU_NAME = "/job:localhost/replica:0/task:0/device:CPU:0"


class DeviceSpec:
    """A parsed device name such as "/gpu:0" or "/job:localhost/device:CPU:0"."""

    def __init__(self, device_type, device_index=0):
        self.device_type = device_type.upper()
        self.device_index = device_index

    @classmethod
    def from_string(cls, spec):
        match = re.search(r"(?:device:)?(cpu|gpu)(?::(\d+))?\s*$", spec, re.IGNORECASE)
        if not match:
            raise ValueError(f"tg.device: cannot parse device name {spec!r}; use '/cpu:0' or '/gpu:0'")
        return cls(match.group(1), int(match.group(2) or 0))

    def to_string(self):
        return f"/job:localhost/replica:0/task:0/device:{self.device_type}:{self.device_index}"


class device:
    """Context manager placing eager ops and functions on a device: `with tg.device("/gpu:0"):`."""

    def __init__(self, device_name):
        self.spec = DeviceSpec.from_string(device_name) if device_name else None

    def __enter__(self):
        if self.spec is not None and self.spec.device_type == "GPU":
            available = gpu_count()
            if self.spec.device_index >= available:
                raise RuntimeError(f"tg.device: /gpu:{self.spec.device_index} was requested but this "
                                   f"machine has {available} usable GPU(s) (CuPy with a CUDA device is "
                                   f"needed: pip install 'tracegraph[gpu]')")
        self._saved = state.device
        state.device = self.spec
        return self

    def __exit__(self, *exc):
        state.device = self._saved
        return False


def device_of_array(array):
    """The TF-style device name of an array."""
    if type(array) is np.ndarray:
        return CPU_NAME
    dev = getattr(array, "device", None)
    index = getattr(dev, "id", 0)
    return f"/job:localhost/replica:0/task:0/device:GPU:{index}"


_gpu_count = None


def gpu_count():
    """How many CUDA devices CuPy can use (0 without CuPy or a driver; never raises)."""
    global _gpu_count
    if _gpu_count is None:
        _gpu_count = 0
        if importlib.util.find_spec("cupy") is not None:
            try:
                import cupy  # noqa: PLC0415
                _gpu_count = int(cupy.cuda.runtime.getDeviceCount())
            except Exception:  # noqa: BLE001 - any CUDA/driver failure means no GPU
                _gpu_count = 0
    return _gpu_count

"""`tg.config`: global switches and device discovery."""
from .backend import default_backend_name, get_backend as backend_called
from .config_state import flags
from .context import state
from .device import gpu_count
from . import config_experimental as experimental

__all__ = ["run_functions_eagerly", "functions_run_eagerly", "experimental_run_functions_eagerly",
           "explain_gradients", "gradients_explained", "set_backend", "get_backend",
           "list_physical_devices", "list_logical_devices", "PhysicalDevice", "LogicalDevice", "experimental",
           "LogicalDeviceConfiguration", "set_logical_device_configuration", "get_logical_device_configuration",
           "set_visible_devices", "get_visible_devices"]


def run_functions_eagerly(run_eagerly):
    """Run every `tg.function` as plain Python, op by op (for debugging); False restores tracing.

    Python side effects then happen on every call, and breakpoints and prints
    inside the function see concrete values.
    """
    flags.run_functions_eagerly = bool(run_eagerly)


def functions_run_eagerly():
    """Whether `run_functions_eagerly(True)` is in force."""
    return flags.run_functions_eagerly


def experimental_run_functions_eagerly(run_eagerly):
    """TF's former name of `run_functions_eagerly`."""
    run_functions_eagerly(run_eagerly)


def set_backend(name):
    """Make `name` ("numpy", "numba", "cupy", ...) the backend of traced functions that name none.

    None restores the default (the fastest backend available). Applies to
    concrete functions compiled afterwards, in this thread.
    """
    if name is not None:
        backend_called(name)  # unknown or unavailable: raise now, not at the next call
    state.backend = name


def get_backend():
    """The name of the backend traced functions use by default."""
    return default_backend_name()


def explain_gradients(enabled):
    """When on, a `None` gradient comes with a warning that says why it is None."""
    flags.explain_gradients = bool(enabled)


def gradients_explained():
    return flags.explain_gradients


class _Device:
    """A named device of a type ("CPU", "GPU"): equal to a device of the same class, name and type."""

    def __init__(self, name, device_type):
        self.name, self.device_type = name, device_type

    def __repr__(self):
        return f"{type(self).__name__}(name='{self.name}', device_type='{self.device_type}')"

    def __eq__(self, other):
        return isinstance(other, type(self)) and (self.name, self.device_type) == (other.name, other.device_type)

    def __hash__(self):
        return hash((self.name, self.device_type))


class PhysicalDevice(_Device):
    """A device the machine has (TF's `tf.config.PhysicalDevice`)."""


def list_physical_devices(device_type=None):
    """The CPU, and the CUDA GPUs CuPy can reach (none without CuPy or a driver)."""
    devices = [PhysicalDevice("/physical_device:CPU:0", "CPU")]
    devices += [PhysicalDevice(f"/physical_device:GPU:{i}", "GPU") for i in range(gpu_count())]
    if device_type is None:
        return devices
    return [d for d in devices if d.device_type == device_type.upper()]


class LogicalDevice(_Device):
    """A device the runtime places work on (TF's `tf.config.LogicalDevice`): a physical device, or one
    of the logical devices `set_logical_device_configuration` split it into."""


LogicalDeviceConfiguration = experimental.VirtualDeviceConfiguration
set_logical_device_configuration = experimental.set_virtual_device_configuration
get_logical_device_configuration = experimental.get_virtual_device_configuration

#: The physical devices `set_visible_devices` left visible, by type (all of a type not named here).
_visible = {}


def set_visible_devices(devices, device_type=None):
    """Make only `devices` (a PhysicalDevice or a list) visible: of `device_type`, or of their types.

    Hiding every CPU is refused (the CPU runs the host side of every program).
    """
    devices = [devices] if isinstance(devices, PhysicalDevice) else list(devices)
    types = {device_type.upper()} if device_type else {d.device_type for d in devices} or {"CPU", "GPU"}
    if "CPU" in types and not any(d.device_type == "CPU" for d in devices):
        raise ValueError("set_visible_devices: the CPU cannot be hidden (no CPU devices would be available)")
    for kind in types:
        _visible[kind] = [d for d in devices if d.device_type == kind]


def get_visible_devices(device_type=None):
    """The physical devices not hidden by `set_visible_devices` (of `device_type` if given)."""
    return [d for d in list_physical_devices(device_type) if d in _visible.get(d.device_type, [d])]


def list_logical_devices(device_type=None):
    """The logical devices: each visible physical device once, or as many times as its logical device
    configuration says (`/device:CPU:0`, `/device:CPU:1`, ...)."""
    experimental.mark_devices_initialized()
    found = []
    for kind in ("CPU", "GPU"):
        count = sum(experimental.logical_device_count(d) for d in get_visible_devices(kind))
        found += [LogicalDevice(f"/device:{kind}:{i}", kind) for i in range(count)]
    if device_type is None:
        return found
    return [d for d in found if d.device_type == device_type.upper()]

"""`tg.config.experimental`: switches that TF keeps under `tf.config.experimental`, AutoGraph's,
tiered execution's, and logical (virtual) device configuration."""
from .config_state import flags

__all__ = ["enable_autograph", "autograph_enabled", "set_tiered_execution", "tiered_execution_enabled",
           "VirtualDeviceConfiguration", "set_virtual_device_configuration", "get_virtual_device_configuration",
           "set_memory_growth", "get_memory_growth"]

_tiered_execution = True


def enable_autograph(enabled):
    """Turn AutoGraph's source conversion on (the default) or off for every `tg.function`.

    Off, a traced function runs its Python code as written: a Python `if` or
    `while` on a tensor then cannot be traced (the function falls back to eager
    with a warning). `tg.function(autograph=False)` does the same for one function.
    TF has no such global switch (only the per-function argument); it is here for debugging.
    """
    flags.autograph = bool(enabled)


def autograph_enabled():
    """Whether `enable_autograph(False)` is not in force."""
    return flags.autograph


def set_tiered_execution(enabled):
    """Let new concrete functions answer at once (True, the default) or wait for the compiler (False).

    On, the first calls of a new trace on a compiling CPU backend (Numba) run
    the graph on NumPy's plan (tier 0) while its kernels compile on a background
    thread; the compiled plan (tier 1) replaces it when ready. The tiers agree
    within the kernels' documented accuracy, not bit for bit. Off, the first call
    compiles (or loads from the disk cache) and every call runs the compiled plan.
    `tg.function(..., experimental_tiered_execution=False)` does the same for one function.
    The compiled string-hashing and lookup kernels (`tg.strings.to_hash_bucket_fast`, the Keras
    lookup and hashing layers, feature columns) follow the same switch: on, they load in the
    background while the Python path answers; off, the first large call loads them.
    """
    global _tiered_execution
    _tiered_execution = bool(enabled)


def tiered_execution_enabled():
    """Whether `set_tiered_execution(False)` is not in force."""
    return _tiered_execution


# ----- logical (virtual) devices: one physical device split into several ----------------------------------

#: The logical device configuration of each physical device (by name) that has one.
_logical_configurations = {}
#: Set once logical devices were listed or used: TF refuses to change them afterwards.
_devices_initialized = False
_memory_growth = {}


class VirtualDeviceConfiguration:
    """One logical device carved out of a physical one (TF's `LogicalDeviceConfiguration`).

    On a CPU every logical device shares the machine's memory and cores; a
    `MirroredStrategy` runs one replica per logical device, each on its own thread.
    `memory_limit` (MB) is recorded for GPUs and not enforced.
    """

    def __init__(self, memory_limit=None, experimental_priority=None, experimental_device_ordinal=None):
        self.memory_limit = memory_limit
        self.experimental_priority = experimental_priority
        self.experimental_device_ordinal = experimental_device_ordinal

    def __repr__(self):
        return (f"LogicalDeviceConfiguration(memory_limit={self.memory_limit}, experimental_priority="
                f"{self.experimental_priority}, experimental_device_ordinal={self.experimental_device_ordinal})")

    def __eq__(self, other):
        return isinstance(other, VirtualDeviceConfiguration) and repr(self) == repr(other)

    def __hash__(self):
        return hash(repr(self))


def set_virtual_device_configuration(device, logical_devices):
    """Split the physical `device` into `logical_devices` (a list of `LogicalDeviceConfiguration`).

    Must happen before logical devices are listed or a strategy is made (a RuntimeError
    afterwards, as in TF); None removes the split.
    """
    if _devices_initialized:
        raise RuntimeError("Virtual devices cannot be modified after being initialized")
    if logical_devices is None:
        _logical_configurations.pop(device.name, None)
        return
    logical_devices = list(logical_devices)
    if not all(isinstance(c, VirtualDeviceConfiguration) for c in logical_devices):
        raise ValueError("set_logical_device_configuration: expected a list of LogicalDeviceConfiguration, "
                         f"got {logical_devices!r}")
    if _memory_growth.get(device.name):
        raise ValueError("Cannot set virtual device configuration on a device with memory growth enabled")
    _logical_configurations[device.name] = logical_devices


def get_virtual_device_configuration(device):
    """The list of `LogicalDeviceConfiguration`s set for `device`, or None."""
    found = _logical_configurations.get(device.name)
    return None if found is None else list(found)


def logical_device_count(device):
    """How many logical devices the physical `device` appears as (1 without a configuration)."""
    return len(_logical_configurations.get(device.name) or [None])


def mark_devices_initialized():
    """Freeze the logical device configuration (listing devices or making a strategy does this)."""
    global _devices_initialized
    _devices_initialized = True


def set_memory_growth(device, enable):
    """Let a GPU's memory pool grow on demand; a CPU has no such setting (ValueError, as in TF)."""
    if _logical_configurations.get(device.name):
        raise ValueError("Cannot set memory growth on device when virtual devices configured")
    if device.device_type != "GPU":
        raise ValueError("Cannot set memory growth on non-GPU and non-Pluggable devices")
    _memory_growth[device.name] = bool(enable)


def get_memory_growth(device):
    """Whether memory growth was enabled for `device` (KeyError for a CPU, as in TF)."""
    if device.device_type != "GPU":
        raise KeyError(device)
    return _memory_growth.get(device.name, False)

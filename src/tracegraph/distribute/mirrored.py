"""`MirroredStrategy`: one replica per device of this machine, each on a thread of its own.

Variables made in its scope keep a copy per replica; each step's gradients are summed over the
replicas by a thread collective, so the copies stay equal. On a CPU-only machine the devices are
the logical CPUs `tg.config.set_logical_device_configuration` made (the CPU alone otherwise);
with CuPy and several GPUs, the GPUs (each replica's thread then works under `tg.device`).
"""
import concurrent.futures

from .. import config
from ..context import state
from ..device import DeviceSpec
from ..variable import construct_variable
from .collectives import ThreadGroup
from .errors import CollectiveTimeoutError
from .replica_context import ReplicaContext, local
from .strategy import CommunicationOptions, Strategy, StrategyExtended, _local_args, environment_timeout
from .values import distributed_variable_class

__all__ = ["MirroredStrategy", "OneDeviceStrategy"]


def _default_devices():
    gpus = config.list_logical_devices("GPU")
    return [d.name for d in gpus] if gpus else [d.name for d in config.list_logical_devices("CPU")]


def _canonical(name):
    spec = DeviceSpec.from_string(name)
    return spec.to_string()


class MirroredExtended(StrategyExtended):
    """Replicas on threads: a ThreadGroup for collectives, variables with a copy per replica."""

    def __init__(self, strategy, devices, options):
        timeout = options.timeout_seconds
        super().__init__(strategy, devices, ThreadGroup(len(devices), timeout) if len(devices) > 1 else None,
                         options=options)
        self._pool = concurrent.futures.ThreadPoolExecutor(max(1, len(devices) - 1),
                                                           thread_name_prefix="tg-replica")
        # Parsed once, not on every step: a GPU replica's thread works under its device (None: the CPU's).
        specs = [DeviceSpec.from_string(d) for d in devices]
        self._gpu_specs = [spec if spec.device_type == "GPU" else None for spec in specs]

    def create_variable(self, cls, args, kwargs):
        if self.num_local_replicas == 1:
            return construct_variable(cls, *args, **kwargs)
        return distributed_variable_class(cls, self.num_local_replicas)(*args, **kwargs)

    def call_for_each_replica(self, fn, args=(), kwargs=None):
        kwargs = kwargs or {}
        n = self.num_local_replicas
        contexts = [ReplicaContext(self._strategy, i, i) for i in range(n)]
        if n == 1:
            return [self._run_one(fn, args, kwargs, contexts[0], None)]
        if hasattr(fn, "get_concrete_function"):  # a tg.function: trace once, here, before the replicas call it
            saved, local.replica = local.replica, contexts[0]
            try:
                fn.get_concrete_function(*_local_args(args, 0), **_local_args(kwargs, 0))
            finally:
                local.replica = saved
        self._group.reset()
        backend = state.backend
        futures = [self._pool.submit(self._run_one, fn, args, kwargs, contexts[i], backend) for i in range(1, n)]
        results, errors = [None] * n, []
        try:
            results[0] = self._run_one(fn, args, kwargs, contexts[0], backend)
        except BaseException as error:  # noqa: BLE001 - re-raised below, after the other replicas stopped
            errors.append(error)
        for i, future in enumerate(futures, 1):
            try:
                results[i] = future.result()
            except BaseException as error:  # noqa: BLE001 - re-raised below
                errors.append(error)
        if errors:
            first = next((e for e in errors if not _is_group_break(e)), errors[0])
            raise first
        return results

    def _run_one(self, fn, args, kwargs, context, backend):
        saved = local.replica, state.backend, state.device
        local.replica = context
        if backend is not None:
            state.backend = backend
        device = self._gpu_specs[context.local_replica_id]
        if device is not None:
            state.device = device
        try:
            return fn(*_local_args(args, context.local_replica_id), **_local_args(kwargs, context.local_replica_id))
        except BaseException:
            if self._group is not None:
                self._group.abort()  # the other replicas would wait for this one in their next collective
            raise
        finally:
            local.replica, state.backend, state.device = saved


def _is_group_break(error):
    """Whether `error` is a replica's notice that the group broke (another replica failed first)."""
    return isinstance(error, CollectiveTimeoutError)  # raised only by ThreadGroup when its barrier breaks


class MirroredStrategy(Strategy):
    """Synchronous training on the devices of one machine (TF's `tf.distribute.MirroredStrategy`).

    `devices`: names such as `["/cpu:0", "/cpu:1"]` or `["GPU:0", "GPU:1"]`; by default every logical GPU,
    else every logical CPU. `cross_device_ops` is accepted for TF compatibility (the sum is computed
    in replica order on the host, so every replica gets the same values).
    """

    def __init__(self, devices=None, cross_device_ops=None, communication_options=None):
        config.experimental.mark_devices_initialized()
        devices = _default_devices() if devices is None else list(devices)
        if not devices:
            raise ValueError("MirroredStrategy: `devices` must not be empty")
        names = [_canonical(d) for d in devices]
        if len(set(names)) != len(names):
            raise ValueError(f"MirroredStrategy: duplicate devices in {devices}")
        available = {_canonical(d.name) for d in config.list_logical_devices()}
        missing = [d for d, n in zip(devices, names) if n not in available]
        if missing:
            raise ValueError(f"MirroredStrategy: no such device(s) {missing}; the logical devices are "
                             f"{sorted(available)} (split the CPU with tg.config.set_logical_device_configuration)")
        options = communication_options or CommunicationOptions(timeout_seconds=environment_timeout())
        super().__init__(MirroredExtended(self, names, options))


class OneDeviceStrategy(MirroredStrategy):
    """One replica on `device` (TF's `tf.distribute.OneDeviceStrategy`): the strategy API without replication."""

    def __init__(self, device):
        super().__init__([device])


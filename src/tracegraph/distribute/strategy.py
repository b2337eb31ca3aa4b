"""`tg.distribute.Strategy`, the machinery every strategy shares, and the default strategy (one replica).

A strategy is a set of replicas running the same program in lockstep: its `extended` object
(`StrategyExtended`) holds the replica group (threads or MPI workers), makes variables in its scope,
runs a function on every replica, splits batches and reduces values. Subclasses only choose the
devices, the group and how replicas are started.
"""
import contextlib
import os

import numpy as np

from .. import nest
from ..convert import convert_to_tensor
from ..variable import Variable, construct_variable, variable_creator_scope
from . import collectives
from .input import DistributedDataset, DistributedDatasetsFromFunction, ValueContext, split_rows
from .reduce_op import ReduceOp, as_reduce_op
from .replica_context import ReplicaContext, current_replica_id, get_strategy, local, set_default_strategy
from .values import DistributedValues, PerReplica

__all__ = ["Strategy", "StrategyExtended", "CommunicationOptions", "CommunicationImplementation",
           "create_variable"]


class CommunicationImplementation:
    """Which collective implementation to use (TF's names; MPI serves every multi-worker choice)."""
    AUTO, RING, NCCL = "AUTO", "RING", "NCCL"


class CommunicationOptions:
    """Options of collectives (TF's `tf.distribute.experimental.CommunicationOptions`).

    `bytes_per_pack`: the largest fused bucket (0: the default, 4 MB). `timeout_seconds`: how long a
    collective may wait for the other replicas before it raises, naming the workers that stopped
    answering (None: the `TRACEGRAPH_COLLECTIVE_TIMEOUT` environment variable, else 300 s).
    """

    def __init__(self, bytes_per_pack=0, timeout_seconds=None, implementation=CommunicationImplementation.AUTO):
        if bytes_per_pack < 0:
            raise ValueError(f"bytes_per_pack must be non-negative, got {bytes_per_pack}")
        self.bytes_per_pack = int(bytes_per_pack) or collectives.DEFAULT_BYTES_PER_PACK
        self.timeout_seconds = timeout_seconds
        self.implementation = implementation


def environment_timeout():
    """The collective timeout the `TRACEGRAPH_COLLECTIVE_TIMEOUT` environment variable gives (seconds), or None."""
    value = os.environ.get("TRACEGRAPH_COLLECTIVE_TIMEOUT")
    return float(value) if value else None


class StrategyExtended:
    """What a strategy does, for strategies and integrations (TF's `strategy.extended`)."""

    def __init__(self, strategy, devices, group=None, num_workers=1, worker_index=0, options=None):
        self._strategy = strategy
        self.worker_devices = tuple(devices)
        self._group = group
        self._group_id = collectives.register_group(group) if group is not None else None
        self._num_workers = num_workers
        self._worker_index = worker_index
        self._options = options or CommunicationOptions()

    @property
    def num_local_replicas(self):
        """How many replicas run in this process."""
        return len(self.worker_devices)

    @property
    def num_replicas_in_sync(self):
        """How many replicas run in lockstep, over every worker."""
        return self.num_local_replicas * self._num_workers

    @property
    def should_checkpoint(self):
        """Whether this worker writes checkpoints (the chief, worker 0)."""
        return self._worker_index == 0

    should_save_summary = should_checkpoint

    @property
    def worker_index(self):
        """This worker's index (its MPI rank; 0 in one process)."""
        return self._worker_index

    @property
    def num_workers(self):
        """How many processes (workers) take part."""
        return self._num_workers

    # ----- variables -------------------------------------------------------------------------------

    def create_variable(self, cls, args, kwargs):
        """A Variable of class `cls` made in this strategy's scope."""
        return construct_variable(cls, *args, **kwargs)

    def broadcast_variables(self, variables):
        """Give every worker worker 0's values of `variables` (fused buckets); no-op on one worker."""

    @contextlib.contextmanager
    def synchronized_on_read(self, variables):
        """Within the block, ON_READ `variables` (metrics' state) read as their aggregate over every replica."""
        yield

    # ----- running replicas ------------------------------------------------------------------------

    def call_for_each_replica(self, fn, args=(), kwargs=None):
        """`fn(*args, **kwargs)` on every local replica (PerReplica arguments give each its own value);
        returns the results in replica order (a list)."""
        kwargs = kwargs or {}
        with _in_replica(ReplicaContext(self._strategy, self._worker_index)):
            return [fn(*_local_args(args, 0), **_local_args(kwargs, 0))]

    def all_reduce_tensors(self, tensors, reduce_op):
        """The tensors reduced over every replica (fused buckets; a graph node each while tracing)."""
        if self.num_replicas_in_sync == 1 or self._group_id is None:
            return list(tensors)
        return collectives.all_reduce_tensors(self._group_id, tensors, reduce_op, self._options.bytes_per_pack)

    def all_gather_tensor(self, value, axis):
        """The replicas' `value`s concatenated along `axis` (eager)."""
        array = np.asarray(value)
        if self._group is None or self.num_replicas_in_sync == 1:
            return convert_to_tensor(array)
        parts = self._group.all_gather(array, current_replica_id())
        return convert_to_tensor(np.concatenate(parts, axis=axis))

    # ----- data ------------------------------------------------------------------------------------

    def split_batch(self, batch):
        """This worker's part of a global batch, split across its local replicas (PerReplica if several);
        a batch that is PerReplica already (from a distributed dataset) as it is."""
        if isinstance(batch, PerReplica):
            return batch
        mine = split_rows(batch, self._num_workers)[self._worker_index] if self._num_workers > 1 else batch
        if self.num_local_replicas == 1:
            return mine
        return PerReplica(split_rows(mine, self.num_local_replicas))

    def run_step(self, step, batch):
        """A Keras step on a global batch: split, run on every replica, and the logs averaged over the
        local replicas (workers' batch logs stay local; epoch logs are reduced from the metrics' state)."""
        results = self.call_for_each_replica(step, (self.split_batch(batch),))
        if len(results) == 1:
            return results[0]
        return nest.map_structure(lambda *values: convert_to_tensor(np.mean([np.asarray(v) for v in values],
                                                                            axis=0)), *results)

    def run_step_gathering_rows(self, step, batch):
        """A Keras predict step on a global batch: split, run on every replica, and the replicas' output rows
        concatenated in order, so every worker returns the outputs of the whole batch."""
        results = self.call_for_each_replica(step, (self.split_batch(batch),))
        mine = nest.map_structure(lambda *parts: np.concatenate([np.asarray(p) for p in parts]), *results)
        if self._num_workers == 1:
            return mine
        # Every output has this worker's rows: their counts are gathered once, for all outputs.
        count = len(nest.flatten(mine)[0])
        rows = [int(n[0]) for n in self._group.all_gather(np.array([count], np.int64), current_replica_id())]
        return nest.map_structure(lambda array: self._gather_rows(array, rows), mine)

    def _gather_rows(self, array, rows):
        """Every worker's `array` (`rows[w]` rows on worker w) concatenated in worker order, padded to the most
        rows for the all-gather, which moves arrays of one shape."""
        padded = np.zeros((max(rows),) + array.shape[1:], array.dtype)
        padded[:len(array)] = array
        parts = self._group.all_gather(padded, current_replica_id())
        return np.concatenate([part[:n] for part, n in zip(parts, rows)])


def _local_args(structure, replica):
    return nest.map_structure(lambda v: v.values[replica] if isinstance(v, DistributedValues) else v, structure)


@contextlib.contextmanager
def _in_replica(context):
    saved = local.replica
    local.replica = context
    try:
        yield context
    finally:
        local.replica = saved


class Strategy:
    """A way to run a program on several replicas in lockstep (TF's `tf.distribute.Strategy`)."""

    def __init__(self, extended):
        self._extended = extended

    @property
    def extended(self):
        """The strategy's machinery (`worker_devices`, `should_checkpoint`, ...)."""
        return self._extended

    @property
    def num_replicas_in_sync(self):
        """How many replicas run in lockstep (over every worker)."""
        return self._extended.num_replicas_in_sync

    @contextlib.contextmanager
    def scope(self):
        """Variables made in this block (layers' weights, optimizer slots, metrics, a plain `tg.Variable`)
        belong to the strategy."""
        local.scopes.append(self)
        try:
            with variable_creator_scope(self._make_variable):
                yield self
        finally:
            local.scopes.pop()

    def _make_variable(self, next_creator, **kwargs):
        """`tg.Variable(...)` in the scope: made as the strategy makes its variables (mirrored, or broadcast
        from worker 0), as TF's strategies do through their variable creator."""
        return self._extended.create_variable(Variable, (), kwargs)

    def run(self, fn, args=(), kwargs=None, options=None):
        """`fn(*args, **kwargs)` on every replica; PerReplica arguments give each replica its own value.
        Returns the result (one replica) or a structure of PerReplica values."""
        results = self._extended.call_for_each_replica(fn, args, kwargs)
        if len(results) == 1:
            return results[0]
        return nest.map_structure(lambda *values: PerReplica(values), *results)

    def experimental_local_results(self, value):
        """The values of `value` on this worker's replicas, as a tuple."""
        if isinstance(value, DistributedValues):
            return value.values
        return (value,)

    def reduce(self, reduce_op, value, axis=None):
        """`value` (PerReplica or a tensor) reduced over every replica and, with `axis`, along `axis` too.

        On several workers every worker must call it (it is a collective)."""
        reduce_op = as_reduce_op(reduce_op)
        parts = [np.asarray(v) for v in self.experimental_local_results(value)]
        if not isinstance(value, DistributedValues):
            parts = parts * self._extended.num_local_replicas
        dtype = parts[0].dtype
        if axis is not None:
            count = sum(p.shape[axis] for p in parts)
            parts = [p.sum(axis=axis) for p in parts]
        else:
            count = len(parts)
        total = np.sum(parts, axis=0, dtype=dtype)  # in replica order, as every collective sums
        if self._extended.num_workers > 1:
            group = self._extended._group
            total = group.all_reduce(np.ascontiguousarray(total).reshape(-1), 0).reshape(total.shape)
            count = int(group.all_reduce(np.array([count], np.int64), 0)[0])
        if reduce_op == ReduceOp.MEAN:
            total = total / count if dtype.kind == "f" else total // count
        return convert_to_tensor(np.asarray(total, dtype=dtype))

    def gather(self, value, axis):
        """The replicas' values concatenated along `axis` (on several workers, a collective)."""
        parts = [np.asarray(v) for v in self.experimental_local_results(value)]
        local_part = np.concatenate(parts, axis=axis)
        if self._extended.num_workers > 1:
            local_part = np.concatenate(self._extended._group.all_gather(local_part, 0), axis=axis)
        return convert_to_tensor(local_part)

    def experimental_distribute_dataset(self, dataset, options=None):
        """A dataset of PerReplica batches: each global batch of `dataset` split over the replicas, each
        worker reading its shard (see `tg.distribute.experimental.AutoShardPolicy`)."""
        return DistributedDataset(self, dataset, options)

    def distribute_datasets_from_function(self, dataset_fn, options=None):
        """A dataset of PerReplica batches from `dataset_fn(input_context)`, called once per worker; its
        batches are per-replica batches (use `input_context.get_per_replica_batch_size`)."""
        return DistributedDatasetsFromFunction(self, dataset_fn, options)

    def experimental_distribute_values_from_function(self, value_fn):
        """PerReplica values: `value_fn(ValueContext)` for each local replica."""
        ext = self._extended
        values = [value_fn(ValueContext(ext.worker_index * ext.num_local_replicas + i, self.num_replicas_in_sync))
                  for i in range(ext.num_local_replicas)]
        return values[0] if len(values) == 1 else PerReplica(values)

    def __repr__(self):
        return f"<tg.distribute.{type(self).__name__} with {self.num_replicas_in_sync} replica(s)>"


class _DefaultStrategy(Strategy):
    """The strategy in force outside any scope: one replica, on this thread, nothing to synchronise."""

    def __init__(self):
        super().__init__(StrategyExtended(self, [_cpu_name(0)]))

    @contextlib.contextmanager
    def scope(self):
        yield self


def _cpu_name(index):
    return f"/job:localhost/replica:0/task:0/device:CPU:{index}"


set_default_strategy(_DefaultStrategy())


def create_variable(cls, *args, **kwargs):
    """A Variable of class `cls` as the strategy in force makes it (mirrored in a MirroredStrategy's scope,
    broadcast from worker 0 in a MultiWorkerMirroredStrategy's); Keras layers, optimizers and metrics
    make their variables through this."""
    return get_strategy().extended.create_variable(cls, args, kwargs)

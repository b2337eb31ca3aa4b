"""Distributed input: splitting global batches over replicas, sharding datasets over workers.

Each worker reads its shard and each local replica gets its part of the worker's batch:

- `AutoShardPolicy.FILE`: the dataset's file reader reads every `num_workers`-th file, starting
  at the worker's index; each batch the worker reads is split into `num_workers` steps (so a step
  handles a global batch's worth of rows over all workers, as TF rebatches).
- `DATA` (the fallback of `AUTO` when the pipeline reads no files): every worker reads every
  global batch and keeps its slice of the rows. Shuffles must be seeded so workers agree.
- `OFF`: every worker reads everything; each batch is split into `num_workers` steps.
"""
import copy
import enum

import numpy as np

from .. import nest
from ..convert import convert_to_tensor
from ..tensor import Tensor
from .values import PerReplica

__all__ = ["InputContext", "ValueContext", "InputOptions", "InputReplicationMode", "AutoShardPolicy",
           "DistributedDataset", "DistributedDatasetsFromFunction", "split_rows"]


class AutoShardPolicy(enum.IntEnum):
    """How a dataset is divided over workers (TF's `tf.data.experimental.AutoShardPolicy`)."""
    OFF = -1
    AUTO = 0
    FILE = 1
    DATA = 2
    HINT = 3


class InputReplicationMode(enum.Enum):
    """How `distribute_datasets_from_function` makes its pipelines: one per worker (TF's names)."""
    PER_WORKER = "PER_WORKER"
    PER_REPLICA = "PER_REPLICA"


class InputOptions:
    """Options of distributed datasets (TF's `tf.distribute.InputOptions`). `experimental_auto_shard_policy`
    is tracegraph's: the policy TF reads from `tf.data.Options().experimental_distribute`."""

    def __init__(self, experimental_fetch_to_device=None, experimental_replication_mode=InputReplicationMode.PER_WORKER,
                 experimental_place_dataset_on_device=False, experimental_per_replica_buffer_size=1,
                 experimental_auto_shard_policy=AutoShardPolicy.AUTO):
        self.experimental_fetch_to_device = experimental_fetch_to_device
        self.experimental_replication_mode = experimental_replication_mode
        self.experimental_place_dataset_on_device = experimental_place_dataset_on_device
        self.experimental_per_replica_buffer_size = experimental_per_replica_buffer_size
        self.experimental_auto_shard_policy = AutoShardPolicy(experimental_auto_shard_policy)


class InputContext:
    """What a worker's input function needs to know (TF's `tf.distribute.InputContext`)."""

    def __init__(self, num_input_pipelines=1, input_pipeline_id=0, num_replicas_in_sync=1):
        self.num_input_pipelines = num_input_pipelines
        self.input_pipeline_id = input_pipeline_id
        self.num_replicas_in_sync = num_replicas_in_sync

    def get_per_replica_batch_size(self, global_batch_size):
        """`global_batch_size` divided by the number of replicas (ValueError if it does not divide)."""
        if global_batch_size % self.num_replicas_in_sync:
            raise ValueError(f"The `global_batch_size` {global_batch_size} is not divisible by "
                             f"`num_replicas_in_sync` {self.num_replicas_in_sync}")
        return global_batch_size // self.num_replicas_in_sync

    def __str__(self):
        return f"tg.distribute.InputContext(input pipeline id {self.input_pipeline_id}, " \
               f"total: {self.num_input_pipelines})"


class ValueContext:
    """The replica a value function makes a value for (TF's `tf.distribute.experimental.ValueContext`)."""

    def __init__(self, replica_id_in_sync_group=0, num_replicas_in_sync=1):
        self.replica_id_in_sync_group = replica_id_in_sync_group
        self.num_replicas_in_sync = num_replicas_in_sync


def _rows(value):
    return np.asarray(value) if isinstance(value, (Tensor, np.ndarray)) else value


def split_rows(batch, parts):
    """`batch` (a structure of arrays or tensors with a common first dimension) as `parts` structures,
    rows divided as evenly as possible (the first parts get one more)."""
    originals = nest.flatten(batch)
    leaves = [_rows(v) for v in originals]
    n = next((len(v) for v in leaves if isinstance(v, np.ndarray) and v.ndim), 0)
    bounds = [i * (n // parts) + min(i, n % parts) for i in range(parts + 1)]

    def part(original, rows, i):
        if not (isinstance(rows, np.ndarray) and rows.ndim):
            return original
        piece = rows[bounds[i]:bounds[i + 1]]
        return convert_to_tensor(piece) if isinstance(original, Tensor) else piece
    return [nest.pack_sequence_as(batch, [part(o, r, i) for o, r in zip(originals, leaves)]) for i in range(parts)]


def _shard_files(dataset, num_shards, index):
    """A copy of the pipeline whose file reader reads every `num_shards`-th file, or None when no reader
    of files is found."""
    names = getattr(dataset, "_names", None)
    if isinstance(names, list):
        if len(names) < num_shards:
            raise ValueError(f"AutoShardPolicy.FILE: the dataset reads {len(names)} file(s), fewer than the "
                             f"{num_shards} workers; use AutoShardPolicy.DATA or more files")
        sharded = copy.copy(dataset)
        sharded._names = names[index::num_shards]
        return sharded
    inputs = list(getattr(dataset, "_inputs", ()))
    for position, source in enumerate(inputs):
        replaced = _shard_files(source, num_shards, index)
        if replaced is not None:
            result = copy.copy(dataset)
            inputs[position] = replaced
            result._inputs = tuple(inputs)
            if getattr(dataset, "_input", None) is source:
                result._input = replaced
            return result
    return None


def _policy(dataset, options):
    found = getattr(getattr(getattr(dataset, "options", lambda: None)(), "experimental_distribute", None),
                    "auto_shard_policy", None)
    if found is not None:
        return AutoShardPolicy(found)
    return options.experimental_auto_shard_policy if options is not None else AutoShardPolicy.AUTO


class DistributedDataset:
    """Batches of `dataset` as each replica's share (TF's `tf.distribute.DistributedDataset`)."""

    def __init__(self, strategy, dataset, options=None):
        self._strategy = strategy
        ext = strategy.extended
        self._dataset, self._worker_split = dataset, ext.num_workers > 1
        policy = _policy(dataset, options)
        if ext.num_workers > 1 and policy in (AutoShardPolicy.AUTO, AutoShardPolicy.FILE):
            sharded = _shard_files(dataset, ext.num_workers, ext.worker_index)
            if sharded is None and policy == AutoShardPolicy.FILE:
                raise ValueError("AutoShardPolicy.FILE: the dataset reads no files (it does not start from a "
                                 "TextLineDataset/CsvDataset of file names); use AutoShardPolicy.DATA")
            if sharded is not None:
                self._dataset, policy = sharded, AutoShardPolicy.FILE
        self._policy = AutoShardPolicy.DATA if policy in (AutoShardPolicy.AUTO, AutoShardPolicy.HINT) else policy

    def _worker_batches(self):
        ext = self._strategy.extended
        for batch in self._dataset:
            if not self._worker_split:
                yield batch
            elif self._policy == AutoShardPolicy.DATA:
                yield split_rows(batch, ext.num_workers)[ext.worker_index]
            else:
                yield from split_rows(batch, ext.num_workers)

    def __iter__(self):
        local = self._strategy.extended.num_local_replicas
        for batch in self._worker_batches():
            yield batch if local == 1 else PerReplica(split_rows(batch, local))

    @property
    def element_spec(self):
        """The element spec of the underlying dataset (per-replica batches share it)."""
        return self._dataset.element_spec


class DistributedDatasetsFromFunction:
    """Per-replica batches from a dataset each worker makes with `dataset_fn(InputContext)`."""

    def __init__(self, strategy, dataset_fn, options=None):
        ext = strategy.extended
        context = InputContext(ext.num_workers, ext.worker_index, strategy.num_replicas_in_sync)
        self._dataset = dataset_fn(context)
        self._local = ext.num_local_replicas

    def __iter__(self):
        iterator = iter(self._dataset)
        while True:
            values = []
            for _ in range(self._local):
                try:
                    values.append(next(iterator))
                except StopIteration:
                    return
            yield values[0] if self._local == 1 else PerReplica(values)

    @property
    def element_spec(self):
        """The element spec of the worker's dataset."""
        return self._dataset.element_spec

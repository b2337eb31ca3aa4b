"""Where the running code stands: in a strategy's scope (cross-replica context), inside one replica
(`strategy.run`), or outside any strategy (the default strategy's single replica).

The state is per thread: `MirroredStrategy` runs each replica on a thread of its own, and
a replica's reads of a mirrored variable resolve to its own copy through `current_replica_id`.
"""
import threading

from .. import nest
from .reduce_op import as_reduce_op

__all__ = ["ReplicaContext", "get_replica_context", "get_cross_replica_context", "in_cross_replica_context",
           "get_strategy", "has_strategy", "current_replica_id"]


class _Local(threading.local):
    def __init__(self):
        super().__init__()
        self.scopes = []          # strategies whose scope() is entered, innermost last
        self.replica = None       # the ReplicaContext of the replica running on this thread


local = _Local()
_default = {}  # "strategy": the default strategy, installed when strategy.py is imported (it defines the class)


def set_default_strategy(strategy):
    """Install the process's default strategy (strategy.py calls this once)."""
    _default["strategy"] = strategy


class ReplicaContext:
    """The context of code running in one replica (TF's `tf.distribute.ReplicaContext`)."""

    def __init__(self, strategy, replica_id_in_sync_group, local_replica_id=0):
        self._strategy = strategy
        self._replica_id = replica_id_in_sync_group
        self.local_replica_id = local_replica_id

    @property
    def strategy(self):
        """The strategy this replica belongs to."""
        return self._strategy

    @property
    def replica_id_in_sync_group(self):
        """This replica's index among all replicas (across workers), from 0."""
        return self._replica_id

    @property
    def num_replicas_in_sync(self):
        """How many replicas run in lockstep."""
        return self._strategy.num_replicas_in_sync

    @property
    def devices(self):
        """The device this replica runs on (a one-element tuple)."""
        return (self._strategy.extended.worker_devices[self.local_replica_id],)

    def all_reduce(self, reduce_op, value):
        """`value` (a tensor or a structure of them) combined over all replicas; every replica gets the
        result. Inside a traced function this is a node of the graph (one per fused bucket)."""
        reduce_op = as_reduce_op(reduce_op)
        flat = nest.flatten(value)
        reduced = self._strategy.extended.all_reduce_tensors(flat, reduce_op)
        return nest.pack_sequence_as(value, reduced)

    def all_gather(self, value, axis):
        """The replicas' `value`s concatenated along `axis` (in replica order), on every replica."""
        return nest.map_structure(lambda v: self._strategy.extended.all_gather_tensor(v, axis), value)

    def __repr__(self):
        return f"<tg.distribute.ReplicaContext replica {self._replica_id} of {self.num_replicas_in_sync}>"


def current_replica_id():
    """The local index of the replica running on this thread (0 outside `strategy.run`)."""
    replica = local.replica
    return 0 if replica is None else replica.local_replica_id


def get_strategy():
    """The strategy of the current scope or replica, else the default strategy (one replica)."""
    if local.replica is not None:
        return local.replica.strategy
    if local.scopes:
        return local.scopes[-1]
    return _default["strategy"]


def has_strategy():
    """Whether a non-default strategy is in force (its scope entered, or one of its replicas running)."""
    return get_strategy() is not _default["strategy"]


def in_cross_replica_context():
    """True inside a strategy's `scope()` but outside `strategy.run` (TF's meaning)."""
    return local.replica is None and bool(local.scopes)


def get_replica_context():
    """The current ReplicaContext; None in cross-replica context; the default strategy's replica
    context outside any strategy."""
    if local.replica is not None:
        return local.replica
    if local.scopes:
        return None
    return ReplicaContext(_default["strategy"], 0)


def get_cross_replica_context():
    """The strategy in cross-replica context (inside its scope, outside `run`), else None; the
    default strategy outside any scope."""
    if local.replica is not None:
        return None
    return local.scopes[-1] if local.scopes else _default["strategy"]

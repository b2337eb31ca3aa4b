"""Distributed values: `PerReplica` (one value per replica) and variables with a copy per replica.

A variable made in a `MirroredStrategy`'s scope keeps one array per replica. Every read and write
of a variable goes through its `_array` attribute (graph plans included), so the copy is chosen
there, by the replica running on the current thread: one traced function serves every replica.
"""
from ..variable import VariableAggregation, VariableSynchronization
from .replica_context import ReplicaContext, current_replica_id, local

__all__ = ["DistributedValues", "PerReplica", "DistributedVariable", "distributed_variable_class"]


class DistributedValues:
    """Values that differ by replica (TF's `tf.distribute.DistributedValues`)."""

    def __init__(self, values):
        self._values = tuple(values)

    @property
    def values(self):
        """The replicas' values, in replica order (a tuple)."""
        return self._values

    def _local(self):
        return self._values[current_replica_id()]

    def __repr__(self):
        inner = ",\n".join(f"  {i}: {str(v)}" for i, v in enumerate(self._values))
        return f"{type(self).__name__}:{{\n{inner}\n}}"


class PerReplica(DistributedValues):
    """A value per replica: the result of `strategy.run`, a batch of a distributed dataset."""


class DistributedVariable:
    """Mixin over a Variable class: one array per replica (`_components`).

    In a replica, reads and writes use that replica's array. Outside `strategy.run` (cross-replica
    context) a write sets every replica's array; a read gives replica 0's, or for ON_READ variables
    (metrics) the aggregate of all replicas' (their sum, or their mean).
    """

    _num_replicas = 1  # set on each generated class

    @property
    def _array(self):
        components = self.__dict__["_components"]
        if local.replica is not None:
            return components[local.replica.local_replica_id]
        if len(components) > 1 and self.__dict__.get("_synchronization") == VariableSynchronization.ON_READ:
            total = components[0]
            for c in components[1:]:
                total = total + c
            return total / len(components) if self._aggregation == VariableAggregation.MEAN else total
        return components[0]

    @_array.setter
    def _array(self, array):
        components = self.__dict__.get("_components")
        if components is None:  # Variable.__init__: arrays are never changed in place, so they can be shared
            self.__dict__["_components"] = [array] * self._num_replicas
        elif local.replica is not None:
            components[local.replica.local_replica_id] = array
        elif self._synchronization == VariableSynchronization.ON_READ and \
                self._aggregation == VariableAggregation.SUM:
            components[:] = [array] + [array * 0] * (len(components) - 1)  # the sum stays the value written
        else:
            components[:] = [array] * len(components)

    @property
    def values(self):
        """The replicas' arrays, in replica order."""
        return tuple(self.__dict__["_components"])

    def __repr__(self):
        """As TF prints it: `MirroredVariable:{ 0: <tg.Variable ...>, 1: ... }` (SyncOnReadVariable for metrics)."""
        saved, lines = local.replica, []
        try:
            for i in range(len(self.__dict__["_components"])):
                local.replica = ReplicaContext(None, i, i)
                lines.append(f"  {i}: {super().__repr__()}")
        finally:
            local.replica = saved
        kind = "SyncOnReadVariable" if self._synchronization == VariableSynchronization.ON_READ else "MirroredVariable"
        return kind + ":{\n" + ",\n".join(lines) + "\n}"

    __str__ = __repr__


_classes = {}


def distributed_variable_class(cls, num_replicas):
    """A subclass of the Variable class `cls` holding `num_replicas` arrays (made once per pair)."""
    key = (cls, num_replicas)
    if key not in _classes:
        _classes[key] = type(f"Mirrored{cls.__name__}", (DistributedVariable, cls),
                             {"_num_replicas": num_replicas, "__module__": __name__,
                              "__doc__": f"A `{cls.__name__}` with a copy per replica (see DistributedVariable)."})
    return _classes[key]

"""`tg.distribute`: training on several replicas in lockstep (TF's `tf.distribute`).

`MirroredStrategy` runs replicas on the devices of one machine (threads); `MultiWorkerMirroredStrategy`
runs one replica per process, the processes launched by MPI (`mpiexec -n 4 python train.py`).
Both keep the program unchanged: make the model in `strategy.scope()` and call `fit`.
"""
from . import experimental
from .errors import CollectiveTimeoutError, WorkerLostError
from .input import DistributedDataset, InputContext, InputOptions, InputReplicationMode
from .mirrored import MirroredStrategy, OneDeviceStrategy
from .multi_worker import MultiWorkerMirroredStrategy
from .reduce_op import ReduceOp
from .replica_context import (ReplicaContext, get_cross_replica_context, get_replica_context, get_strategy,
                              has_strategy, in_cross_replica_context)
from .strategy import Strategy, StrategyExtended, create_variable
from .training import all_reduce_sum_gradients, scale_loss_for_distribution
from .values import DistributedValues, PerReplica

__all__ = ["MirroredStrategy", "OneDeviceStrategy", "MultiWorkerMirroredStrategy", "Strategy", "StrategyExtended", "ReduceOp",
           "ReplicaContext", "get_strategy", "has_strategy", "get_replica_context", "get_cross_replica_context",
           "in_cross_replica_context", "DistributedDataset", "InputContext", "InputOptions", "InputReplicationMode", "DistributedValues",
           "PerReplica", "experimental", "CollectiveTimeoutError", "WorkerLostError", "create_variable",
           "all_reduce_sum_gradients", "scale_loss_for_distribution"]

"""What a training step does differently under a strategy with several replicas (Keras' hooks).

As in TF's Keras: each replica's loss is divided by the number of replicas and the optimizer sums
the replicas' gradients, so a step equals one step on the global batch.
"""
from ..ops import arithmetic
from .reduce_op import ReduceOp
from .replica_context import get_strategy, local
from .values import DistributedVariable

__all__ = ["scale_loss_for_distribution", "all_reduce_sum_gradients"]


def scale_loss_for_distribution(loss):
    """`loss` divided by the number of replicas in sync (unchanged with one)."""
    replicas = get_strategy().num_replicas_in_sync
    return loss if replicas == 1 else arithmetic.multiply(loss, 1.0 / replicas)


def all_reduce_sum_gradients(grads, variables=()):
    """Inside a replica of several, the gradients summed over every replica (fused buckets; None stays).

    With several replicas on threads, each `variables` entry must have a copy per replica, or every
    replica would apply the summed update to the same variable."""
    replica = local.replica
    if replica is None or replica.strategy.num_replicas_in_sync == 1:
        return grads
    if replica.strategy.extended.num_local_replicas > 1:
        shared = [v.name for v in variables if not isinstance(v, DistributedVariable)]
        if shared:
            raise ValueError(f"Variables {shared} were not made in the strategy's scope by Keras (layers, "
                             "optimizers, metrics) or tg.distribute.create_variable(tg.Variable, ...): each of the "
                             f"{replica.strategy.extended.num_local_replicas} replicas would apply the update to it")
    return replica.strategy.extended.all_reduce_tensors(list(grads), ReduceOp.SUM)

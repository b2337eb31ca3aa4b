"""`MultiWorkerMirroredStrategy`: one replica per process, the processes joined by MPI.

Launch the same program with `mpiexec -n 4 python train.py` (or `srun`, or the Kubernetes MPI
operator); run without a launcher it is a single worker. Variables made in its scope take worker 0's
initial values; each step all-reduces the gradients in fused buckets; a worker that dies or hangs
makes the others raise `WorkerLostError` naming it, after `timeout_seconds`.
"""
from .. import config
from ..variable import VariableAggregation, VariableSynchronization, construct_variable
from .collectives import all_reduce_arrays_in_buckets, broadcast_arrays
from .mpi import MPIGroup, mpi_world_size
from .strategy import CommunicationOptions, Strategy, StrategyExtended, environment_timeout

__all__ = ["MultiWorkerMirroredStrategy", "DEFAULT_TIMEOUT_SECONDS"]

#: The collective timeout when neither CommunicationOptions nor TRACEGRAPH_COLLECTIVE_TIMEOUT gives one.
DEFAULT_TIMEOUT_SECONDS = 300.0


class MultiWorkerExtended(StrategyExtended):
    """Workers as MPI processes: variables broadcast from worker 0, collectives over MPI."""

    def create_variable(self, cls, args, kwargs):
        variable = construct_variable(cls, *args, **kwargs)
        if self._group is not None and variable.synchronization != VariableSynchronization.ON_READ:
            variable._assign_array(self._group.broadcast(variable._array.reshape(-1), 0, 0)
                                   .reshape(variable._array.shape))
        return variable

    def broadcast_variables(self, variables):
        if self._group is None:
            return
        variables = [v for v in variables if v.synchronization != VariableSynchronization.ON_READ]
        values = broadcast_arrays(self._group, [v._array for v in variables],
                                  bytes_per_pack=self._options.bytes_per_pack)
        for variable, value in zip(variables, values):
            variable._assign_array(value)

    def synchronized_on_read(self, variables):
        return _Aggregated(self, [v for v in variables if v.synchronization == VariableSynchronization.ON_READ])


class _Aggregated:
    """Within the block, the ON_READ variables hold their sum (or mean) over the workers; restored after."""

    def __init__(self, extended, variables):
        self._extended, self._variables = extended, variables

    def __enter__(self):
        self._saved = [v._array for v in self._variables]
        if self._extended._group is None or not self._variables:
            return self
        sums = all_reduce_arrays_in_buckets(self._extended._group, self._saved, self._extended._options.bytes_per_pack)
        for variable, total in zip(self._variables, sums):
            variable._assign_array(total / self._extended.num_workers if variable.aggregation == VariableAggregation.MEAN
                                   else total)
        return self

    def __exit__(self, *exc):
        for variable, value in zip(self._variables, self._saved):
            variable._assign_array(value)
        return False


class MultiWorkerMirroredStrategy(Strategy):
    """Synchronous data-parallel training over processes (TF's `tf.distribute.MultiWorkerMirroredStrategy`).

    Every process started by the MPI launcher is one worker with one replica (on its CPU). The chief
    (worker 0) writes checkpoints; `communication_options.timeout_seconds` bounds every collective
    (default: the `TRACEGRAPH_COLLECTIVE_TIMEOUT` environment variable, else 300 s).
    """

    def __init__(self, communication_options=None, cluster_resolver=None):
        config.experimental.mark_devices_initialized()
        options = communication_options or CommunicationOptions()
        if options.timeout_seconds is None:
            from_environment = environment_timeout()
            options.timeout_seconds = DEFAULT_TIMEOUT_SECONDS if from_environment is None else from_environment
        size = mpi_world_size()
        group = MPIGroup(options.timeout_seconds) if size > 1 else None
        rank = group.rank if group is not None else 0
        device = f"/job:worker/replica:0/task:{rank}/device:CPU:0"
        super().__init__(MultiWorkerExtended(self, [device], group, num_workers=size, worker_index=rank,
                                             options=options))

    @property
    def cluster_resolver(self):
        """The worker's place in the cluster: `task_type` ("worker"), `task_id` (its rank)."""
        return _ClusterResolver(self.extended.worker_index, self.extended.num_workers)


class _ClusterResolver:
    def __init__(self, task_id, num_workers):
        self.task_type, self.task_id, self.num_workers = "worker", task_id, num_workers

    def __repr__(self):
        return f"<ClusterResolver task_type='worker' task_id={self.task_id} of {self.num_workers}>"

"""`map`: a traced function over every element, optionally on a thread pool.

Before a `batch` over an index plan, a row-wise map (see `functions.is_row_wise`) joins the plan
and runs once per block of rows: the same values, without a call per element.
"""
import collections
import concurrent.futures

from .base import Dataset, register
from .error_skipping import stream_ignoring_errors
from .functions import StructuredFunction
from .options import parallelism

__all__ = ["MapDataset"]


@register("map")
class MapDataset(Dataset):
    """`map_func` applied to each element."""

    _tf_name = "_MapDataset"

    def __init__(self, dataset, map_func, num_parallel_calls=None, deterministic=None):
        self._input, self._inputs = dataset, (dataset,)
        self._function = StructuredFunction(map_func, dataset.element_spec, "map")
        self._element_spec = self._function.output_spec
        self._workers = None if num_parallel_calls is None else parallelism(num_parallel_calls)
        self._deterministic = deterministic
        if self._workers is not None:
            self._tf_name = "_ParallelMapDataset"

    def _cardinality(self):
        return self._input._cardinality()

    def _plan(self):
        fusion = self.options().experimental_optimization.map_fusion
        plan = self._input._plan()
        if plan is None or fusion is False:
            return None
        rows = self._function.batched()
        return None if rows is None else plan.with_map(rows)

    def _stream(self):
        call = self._function.call_components
        if self._workers is None or self._workers == 1:
            return (call(components) for components in self._input._stream())
        deterministic = self._deterministic
        if deterministic is None:
            deterministic = self.options().deterministic is not False
        return parallel_map(call, self._input._stream(), self._workers, deterministic)

    def _stream_ignoring_errors(self, report):
        """One pass for `ignore_errors()`, element by element: an element whose function raises is
        dropped (the error goes to `report`), and so are those the input skips."""
        call = self._function.call_components
        for components in stream_ignoring_errors(self._input, report):
            try:
                result = call(components)
            except Exception as error:  # noqa: BLE001 - TF's ignore_errors drops an element whatever its error
                report(error)
                continue
            yield result


def parallel_map(call, stream, workers, deterministic):
    """`call` over `stream` on `workers` threads, at most `2 * workers` elements in flight; in input
    order when `deterministic`, else as they finish."""
    with concurrent.futures.ThreadPoolExecutor(workers, thread_name_prefix="tg.data.map") as pool:
        pending = collections.deque()
        for components in stream:
            pending.append(pool.submit(call, components))
            if len(pending) >= 2 * workers:
                yield from _collect(pending, deterministic)
        while pending:
            yield from _collect(pending, deterministic)


def _collect(pending, deterministic):
    """The next finished element: the oldest one when deterministic, else any (all that are done)."""
    if deterministic:
        yield pending.popleft().result()
        return
    done, _ = concurrent.futures.wait(pending, return_when=concurrent.futures.FIRST_COMPLETED)
    for future in [f for f in pending if f in done]:
        pending.remove(future)
        yield future.result()

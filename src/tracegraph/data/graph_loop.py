"""`for element in dataset` inside a `tg.function`: one `while_loop` over an iterator, as TF does.

AutoGraph hands a dataset loop to `Dataset._autograph_for_loop`. While tracing, the loop becomes
three stateful nodes around a `tg.while_loop`: `dataset_iterator_open` starts a new pass of the
dataset each time the function runs (so a shuffled dataset reshuffles per call, as in TF),
`dataset_iterator_has_next` (the loop's condition) pulls the next element, `dataset_iterator_get_next`
(in the body) hands its components to the graph, and `dataset_iterator_close` ends the pass.
The body is traced once, like any loop body: Python side effects in it run once, at trace time.
The dataset itself is not in the graph (it is found by a key), so such a function cannot be
saved and loaded without its Python source.
"""
import itertools
import threading
import weakref

import numpy as np

from .base import register
from .structure import DatasetSpec, flat_specs, pack_in_order
from .. import nest
from ..autograph.conditionals import and_, is_tensor
from ..context import state
from ..convert import convert_to_tensor
from ..core.dispatch import bind
from ..core.op import Op
from ..dtypes import bool as bool_dtype, int32, int64
from ..errors import FailedPreconditionError
from ..ops.control_flow import while_loop
from ..spec import TensorSpec

__all__ = ["dataset_for_loop"]

# key -> dataset. The graph that iterates a dataset holds it (see `_keep_alive`); this table only finds it.
_DATASETS = weakref.WeakValueDictionary()
_ITERATORS = {}        # handle -> [stream, the pulled element or None]
_LOCK = threading.Lock()
_KEYS = itertools.count(1)
_HANDLES = itertools.count(1)


def _open(xp, *, dataset):
    handle = next(_HANDLES)
    found = _DATASETS.get(dataset)
    if found is None:
        raise FailedPreconditionError("dataset iterator: the dataset this graph iterates is not in this process "
                                      "(a tg.function that loops over a dataset cannot be saved and loaded "
                                      "without its Python source)")
    with _LOCK:
        _ITERATORS[handle] = [found._stream(), None]
    return np.array(handle, np.int64)


def _has_next(xp, handle):
    entry = _entry(handle)
    if entry[1] is None:
        entry[1] = next(entry[0], None)
    return np.array(entry[1] is not None)


def _get_next(xp, handle, *, specs):
    entry = _entry(handle)
    components, entry[1] = entry[1], None
    if components is None:
        raise FailedPreconditionError("dataset iterator: get_next after the end of the dataset")
    return tuple(np.asarray(c) for c in components)


def _close(xp, handle):
    with _LOCK:
        _ITERATORS.pop(int(handle), None)
    return ()


def _entry(handle):
    try:
        return _ITERATORS[int(handle)]
    except KeyError:
        raise FailedPreconditionError("dataset iterator: the iterator was closed") from None


_OPEN = Op("dataset_iterator_open", infer=lambda *, dataset: TensorSpec([], int64), impl=_open, stateful=True)
_HAS_NEXT = Op("dataset_iterator_has_next", infer=lambda handle: TensorSpec([], bool_dtype), impl=_has_next,
               stateful=True)
_GET_NEXT = Op("dataset_iterator_get_next", impl=_get_next, stateful=True, multiple_outputs=True,
               infer=lambda handle, *, specs: tuple(TensorSpec(shape, dtype) for dtype, shape in specs))
_CLOSE = Op("dataset_iterator_close", infer=lambda handle: (), impl=_close, stateful=True, multiple_outputs=True)


@register("graph_for_loop")
def dataset_for_loop(dataset, body, values, extra_test):
    """Run a converted `for` over `dataset`: a Python loop eagerly, one while_loop while tracing."""
    if state.graph is None:
        for element in dataset:
            if extra_test is not None and not extra_test(*values):
                break
            values = tuple(body(element, *values))
        return values
    specs = flat_specs(dataset.element_spec)
    if any(isinstance(s, DatasetSpec) for s in specs):
        raise TypeError("for x in dataset inside tg.function: elements that are datasets (windows) cannot be "
                        "iterated in a graph; flat_map them into tensors first")
    key = next(_KEYS)
    _DATASETS[key] = dataset
    _keep_alive(state.graph, dataset)
    attrs = {"specs": tuple((s.dtype, tuple(s.shape.as_list()) if s.shape.rank is not None else None)
                            for s in specs)}
    handle = bind(_OPEN, [], {"dataset": key})
    values = tuple(_as_loop_value(v) for v in values)

    def has_next():
        return bind(_HAS_NEXT, [handle])

    def test(count, *loop_values):
        if extra_test is None:
            return has_next()
        keep_going = extra_test(*loop_values)
        if not is_tensor(keep_going):
            return has_next() if keep_going else convert_to_tensor(False)
        return and_(lambda: keep_going, has_next)

    def step(count, *loop_values):
        components = bind(_GET_NEXT, [handle], attrs)
        element = pack_in_order(dataset.element_spec, iter(components))
        after = tuple(body(element, *loop_values))
        return (count + 1,) + tuple(_like(new, old) for new, old in zip(after, loop_values))

    result = while_loop(test, step, (convert_to_tensor(0, dtype=int32),) + values)
    bind(_CLOSE, [handle])
    return tuple(result[1:])


def _keep_alive(graph, dataset):
    """Tie the dataset's life to the graph being traced (a graph's attrs are plain data, so it is kept
    beside them): it lives as long as the concrete function that iterates it."""
    graph.__dict__.setdefault("_iterated_datasets", []).append(dataset)


def _as_loop_value(value):
    if value is None:
        raise ValueError("for x in dataset inside tg.function: a variable the loop assigns is None before "
                         "the loop; give it a tensor value first (the loop is a tg.while_loop)")
    if is_tensor(value) or nest.is_nested(value):
        return value
    try:
        return convert_to_tensor(value)
    except (TypeError, ValueError):
        raise TypeError(f"for x in dataset inside tg.function: the loop variable {value!r:.60} must be a "
                        f"tensor (the loop is a tg.while_loop)") from None


def _like(new, old):
    """A body's Python number result as a tensor of the loop variable's dtype."""
    if is_tensor(old) and not is_tensor(new) and not nest.is_nested(new):
        return convert_to_tensor(new, dtype=old.dtype)
    return new

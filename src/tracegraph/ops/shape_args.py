"""Shape-like arguments of ops: a reshape target, tile multiples, a broadcast shape, slice bounds.

Such an argument is an op attribute when its value is known now: Python ints,
lists, NumPy arrays, TensorShapes, eager tensors. Inside a traced function it
may be a symbolic tensor (`tg.shape(x)` of a tensor with unknown dimensions);
then a `*_dynamic` primitive takes it as an input tensor, and its shape rule
gets a hint: the entries known while tracing. As TF's
`tensor_util.constant_value_as_shape` does, the hint is read off how the shape
tensor was computed: `tg.shape(x)` knows x's static dims, and stacking,
concatenating, indexing and casting such pieces (or constants) keeps what each
piece knows. So `tg.zeros(tg.shape(x))` with x of shape (None, 3) has the
static shape (None, 3).
"""
import operator

import numpy as np

from . import join_split
from .. import dtypes
from ..convert import convert_to_tensor, is_tensor_like
from ..shape import TensorShape
from ..tensor import EagerTensor, SymbolicTensor

__all__ = ["static_value", "static_ints", "shape_argument", "shape_hint", "known_entries",
           "constant_value_as_shape", "fully_known", "check_shape_tensor", "dynamic_rank", "hinted_dims",
           "array_ints"]


def static_value(value):
    """`value` as Python data (an int or a nested list) if it is known now, else None.

    Known: Python numbers and lists of them, NumPy arrays, TensorShapes (None
    for unknown dims), eager tensors. A symbolic tensor anywhere makes it None.
    """
    if isinstance(value, TensorShape):
        return value.as_list()
    if is_tensor_like(value):
        t = convert_to_tensor(value)
        return t.numpy().tolist() if isinstance(t, EagerTensor) else None
    if isinstance(value, (np.ndarray, np.generic)):
        return value.tolist()
    if isinstance(value, (list, tuple)):
        items = [static_value(v) for v in value]
        if any(i is None and v is not None for i, v in zip(items, value)):
            return None
        return items
    return value


def static_ints(value):
    """A 1-D shape-like argument as a tuple of ints if known now, else None (a scalar gives a 1-tuple).

    TypeError for an entry that is not an integer: a float is never truncated.
    """
    known = static_value(value)
    if known is None:
        return None
    entries = known if isinstance(known, list) else [known]
    try:
        return tuple(operator.index(d) for d in entries)
    except TypeError:
        bad = next(d for d in entries if not hasattr(d, "__index__"))
        raise TypeError(f"expected integers, but {entries} has the entry {bad!r} of type "
                        f"{type(bad).__name__}") from None


def shape_argument(op_name, value):
    """A 1-D int32/int64 tensor from a shape-like argument that may hold symbolic tensors."""
    if isinstance(value, (list, tuple)):
        parts = [convert_to_tensor(v) if is_tensor_like(v) else v for v in value]
        dtype = next((p.dtype for p in parts if is_tensor_like(p)), dtypes.int32)
        parts = [p if is_tensor_like(p) else convert_to_tensor(-1 if p is None else p, dtype=dtype)
                 for p in parts]
        for p in parts:
            if p.shape.rank != 0:
                raise ValueError(f"{op_name}: each entry of a shape list must be a scalar, got one of "
                                 f"shape {p.shape}")
        result = join_split.stack(parts) if parts else convert_to_tensor(np.zeros([0], np.int32))
    else:
        result = convert_to_tensor(value)
    check_shape_tensor(op_name, result.spec)
    return result


def shape_hint(value):
    """The entries of a shape-like argument known while tracing, as a tuple (None where unknown).

    `value` is a list (of ints and scalar tensors) or a 1-D integer tensor; the
    entries are kept as given (a reshape's -1 stays -1). None if the number of
    entries is unknown.
    """
    if isinstance(value, (list, tuple)):
        return tuple(_known_scalar(v) for v in value)
    if isinstance(value, SymbolicTensor):
        return known_entries(value)
    known = static_value(value)  # eager tensors, arrays, TensorShapes
    if not isinstance(known, list):
        return None
    return tuple(d if isinstance(d, int) and not isinstance(d, bool) else None for d in known)


def known_entries(tensor):
    """The entries of a 1-D integer tensor known while tracing (None where unknown), as a tuple.

    None if the tensor's length is unknown (or it is not a 1-D int32/int64 tensor,
    which an op then rejects as a shape). An eager tensor is known entirely; a
    symbolic one as far as the ops that computed it tell (see the module docstring).
    """
    if tensor.shape.rank != 1 or tensor.dtype not in (dtypes.int32, dtypes.int64):
        return None
    if isinstance(tensor, EagerTensor):
        return tuple(int(d) for d in tensor.numpy().tolist())
    known = _known_value(tensor.graph, tensor.value, 0)
    return None if known is None else tuple(known)


def constant_value_as_shape(value):
    """A shape argument (a 1-D integer tensor or a list) as a TensorShape of what is known while
    tracing, like TF's `tensor_util.constant_value_as_shape`.

    Unknown and negative entries are unknown dims; an unknown length is an unknown rank.
    """
    if isinstance(value, TensorShape):
        return value
    hint = shape_hint(value)
    if hint is None:
        return TensorShape(None)
    return TensorShape([d if d is not None and d >= 0 else None for d in hint])


def fully_known(hint):
    """Whether a hint (see `shape_hint`) knows every entry."""
    return hint is not None and None not in hint


def _known_scalar(value):
    """The value of one entry of a shape list, if known while tracing; else None."""
    if isinstance(value, SymbolicTensor):
        if value.shape.rank != 0 or not value.dtype.is_integer:
            return None
        return _known_value(value.graph, value.value, 0)
    known = static_value(value)
    return int(known) if isinstance(known, (int, np.integer)) and not isinstance(known, bool) else None


# ----- what is known of a shape tensor computed while tracing ---------------------------------

# Shape computations are short; the limit only guards against walking far through unrelated code.
_MAX_DEPTH = 32


def _known_value(graph, value, depth):
    """What is known now of an integer scalar (an int or None) or vector (a list, None entries
    unknown; None if even its length is unknown), `value` being a value of the traced `graph`."""
    shape = value.spec.shape
    fallback = [None] * shape[0] if shape.rank == 1 and shape[0] is not None else None
    if shape.rank not in (0, 1) or not value.spec.dtype.is_integer or depth > _MAX_DEPTH:
        return fallback
    graph, node = _producer(graph, value)
    rule = None if node is None else _RULES.get(node.op.name)
    known = None if rule is None else rule(graph, node, depth + 1)
    return fallback if known is None else known


def _producer(graph, value):
    """(graph, node) producing `value`; a value captured from an enclosing graph is followed there."""
    while True:
        find = getattr(graph, "producer_of", None)
        node = None if find is None else find(value)
        if node is not None:
            return graph, node
        outer = next((o for o, inner in getattr(graph, "outer_captures", ()) if inner is value), None)
        if outer is None or graph.parent is None:
            return graph, None
        graph, value = graph.parent, outer


def _from_const(graph, node, depth):
    array = node.attrs["value"]
    items = array.tolist()
    return [int(d) for d in items] if isinstance(items, list) else int(items)


def _from_shape(graph, node, depth):
    dims = node.inputs[0].spec.shape
    return None if dims.rank is None else dims.as_list()


def _from_stack(graph, node, depth):
    if node.attrs["axis"] != 0 or any(v.spec.shape.rank != 0 for v in node.inputs):
        return None
    return [_known_value(graph, v, depth) for v in node.inputs]


def _from_concat(graph, node, depth):
    if node.attrs["axis"] != 0:
        return None
    result = []
    for v in node.inputs:
        piece = _known_value(graph, v, depth)
        if not isinstance(piece, list):
            return None
        result += piece
    return result


def _from_getitem(graph, node, depth):
    """An entry or a slice of a vector, with constant (or known) indices."""
    key = node.attrs["key"]
    if len(key) != 1 or key[0][0] not in ("index", "tensor", "slice"):
        return None
    vector = _known_value(graph, node.inputs[0], depth)
    if not isinstance(vector, list):
        return None

    def bound(b):  # a Python int, None (absent) or a ("tensor", k) placeholder
        if isinstance(b, tuple):
            known = _known_value(graph, node.inputs[1 + b[1]], depth)
            return known if isinstance(known, int) else _UNKNOWN
        return b

    kind = key[0][0]
    if kind == "slice":
        start, stop, step = (bound(b) for b in key[0][1:])
        if _UNKNOWN in (start, stop, step) or step == 0:
            return None
        return vector[slice(start, stop, step)]
    index = key[0][1] if kind == "index" else bound(key[0])
    if index is _UNKNOWN or not -len(vector) <= index < len(vector):
        return None
    return vector[index]


_UNKNOWN = object()


def _passed_through(graph, node, depth):
    """The value of an op that keeps the integer entries: identity, an integer cast, a reshape."""
    source = node.inputs[0]
    if not source.spec.dtype.is_integer:
        return None
    known = _known_value(graph, source, depth)
    if node.outputs[0].spec.shape.rank == 0:  # a 1-element vector made a scalar
        return known[0] if isinstance(known, list) and len(known) == 1 else known
    return [known] if source.spec.shape.rank == 0 else known


_RULES = {
    "const": _from_const,
    "shape": _from_shape,
    "stack": _from_stack,
    "concat": _from_concat,
    "getitem": _from_getitem,
    "cast": _passed_through,
    "identity": _passed_through,
    "reshape": _passed_through,
    "expand_dims": _passed_through,
}


def check_shape_tensor(op_name, spec, arg="shape"):
    """TypeError/ValueError unless `spec` is a 1-D int32/int64 tensor (or of unknown rank)."""
    if spec.dtype not in (dtypes.int32, dtypes.int64):
        raise TypeError(f"{op_name}: `{arg}` must be an int32 or int64 tensor, got {spec.dtype.name}")
    if spec.shape.rank not in (1, None):
        raise ValueError(f"{op_name}: `{arg}` must be 1-D, got shape {spec.shape}")


def dynamic_rank(shape_spec, hint):
    """The result rank of a dynamic-shape op: from the hint or the shape tensor's length."""
    if hint is not None:
        return len(hint)
    return shape_spec.shape[0] if shape_spec.shape.rank == 1 else None


def hinted_dims(shape_spec, hint):
    """The result dims of a dynamic-shape op as far as the hint knows them; None if the rank is unknown."""
    n = dynamic_rank(shape_spec, hint)
    if n is None:
        return None
    return [None] * n if hint is None else [d if d is not None and d >= 0 else None for d in hint]


def array_ints(array):
    """A 1-D integer array (NumPy or CuPy) as a tuple of Python ints."""
    return tuple(int(d) for d in array.tolist())

"""Indexing: NumPy-style `tensor[...]` (strided slices), and its gradient.

A key is encoded as plain data so it can be an op attribute: a tuple whose
items are `("index", i)`, `("slice", start, stop, step)`, `("newaxis",)`,
`("ellipsis",)` or `("tensor", k)` for a scalar integer tensor passed as the
k-th extra input. Boolean-mask and integer-list keys go to `boolean_mask` and
`gather`, as NumPy users expect.
"""
import numpy as np

from .dispatch import bind
from .op import Op
from .rules import spec_of
from ..convert import convert_to_tensor, is_tensor_like
from ..errors import IndexOutOfRangeError

__all__ = ["getitem"]


def encode_key(key):
    """Split a user key into (plain-data items, scalar index tensors)."""
    if not isinstance(key, tuple):
        key = (key,)
    items, tensors = [], []
    for k in key:
        if k is None:
            items.append(("newaxis",))
        elif k is Ellipsis:
            items.append(("ellipsis",))
        elif isinstance(k, slice):
            items.append(("slice", _bound(k.start, tensors), _bound(k.stop, tensors), _bound(k.step, tensors)))
        elif is_tensor_like(k):
            t = convert_to_tensor(k)
            if t.shape.rank != 0 or not t.dtype.is_integer:
                raise TypeError(f"Only integers, slices, ellipsis, tg.newaxis and scalar integer "
                                f"tensors are valid indices, got a {t.dtype.name} tensor of shape {t.shape}")
            tensors.append(t)
            items.append(("tensor", len(tensors) - 1))
        elif isinstance(k, (int, np.integer)) and not isinstance(k, bool):
            items.append(("index", int(k)))
        else:
            raise TypeError(f"Only integers, slices, ellipsis, tg.newaxis and scalar integer tensors "
                            f"are valid indices, got {k!r}")
    if sum(1 for i in items if i[0] == "ellipsis") > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    return tuple(items), tensors


def _bound(value, tensors):
    if value is None or isinstance(value, (int, np.integer)):
        return None if value is None else int(value)
    if is_tensor_like(value):
        tensors.append(convert_to_tensor(value))
        return ("tensor", len(tensors) - 1)
    raise TypeError(f"slice bounds must be integers or scalar integer tensors, got {value!r}")


def decode_key(items, index_values):
    """The NumPy index tuple for `items`, with tensor placeholders filled from `index_values`."""
    def value(v):
        return int(index_values[v[1]]) if isinstance(v, tuple) else v
    key = []
    for item in items:
        kind = item[0]
        if kind == "index":
            key.append(item[1])
        elif kind == "tensor":
            key.append(int(index_values[item[1]]))
        elif kind == "slice":
            key.append(slice(value(item[1]), value(item[2]), value(item[3])))
        else:
            key.append(None if kind == "newaxis" else Ellipsis)
    return tuple(key)


def _expanded(items, rank):
    """Items with the ellipsis expanded to full slices (rank must be known)."""
    consumed = sum(1 for i in items if i[0] in ("index", "tensor", "slice"))
    if consumed > rank:
        raise IndexError(f"too many indices: {consumed} for a tensor of rank {rank}")
    out, filled = [], False
    for item in items:
        if item[0] == "ellipsis":
            out.extend([("slice", None, None, None)] * (rank - consumed))
            filled = True
        else:
            out.append(item)
    if not filled:
        out.extend([("slice", None, None, None)] * (rank - consumed))
    return out


def _getitem_infer(x, *index_specs, key):
    if x.shape.rank is None:
        return spec_of(None, x.dtype)
    dims, axis = [], 0
    for item in _expanded(key, x.shape.rank):
        kind = item[0]
        if kind == "newaxis":
            dims.append(1)
            continue
        n = x.shape[axis]
        axis += 1
        if kind == "index":
            if n is not None and not -n <= item[1] < n:
                raise IndexOutOfRangeError(f"index {item[1]} is out of bounds for axis {axis - 1} "
                                           f"with size {n} (tensor shape {x.shape})")
        elif kind == "slice":
            dims.append(_slice_length(item, n))
    return spec_of(dims, x.dtype)


def _slice_length(item, n):
    _, start, stop, step = item
    if any(isinstance(v, tuple) for v in (start, stop, step)) or n is None:
        return None
    if step == 0:
        raise ValueError("slice step cannot be zero")
    return len(range(*slice(start, stop, step).indices(n)))


def _getitem_impl(xp, x, *index_values, key):
    try:
        return x[decode_key(key, index_values)]
    except IndexError as error:
        raise IndexOutOfRangeError(f"{error} (tensor shape {tuple(x.shape)})") from None


def _getitem_grad(ctx, g):
    x, *indices = ctx.inputs
    return (bind(_getitem_grad_op, [g, x, *indices], {"key": ctx.attrs["key"]}),) + (None,) * len(indices)


def _scatter_into_zeros(xp, g, x, *index_values, key):
    out = xp.zeros(x.shape, dtype=g.dtype)
    out[decode_key(key, index_values)] = g
    return out


_getitem = Op("getitem", infer=_getitem_infer, impl=_getitem_impl, grad=_getitem_grad)

_getitem_grad_op = Op(
    "getitem_grad",
    infer=lambda g, x, *idx, key: spec_of(x.shape, g.dtype),
    impl=_scatter_into_zeros,
    grad=lambda ctx, gg: (bind(_getitem, [gg, *ctx.inputs[2:]], {"key": ctx.attrs["key"]}),)
    + (None,) * (len(ctx.inputs) - 1),
)


def getitem(tensor, key):
    """`tensor[key]` with NumPy semantics for ints, slices, `...`, `tg.newaxis`.

    A boolean tensor key selects like `tg.boolean_mask`; a list or 1-D integer
    tensor key gathers along the first axis.
    """
    x = convert_to_tensor(tensor)
    if isinstance(key, list) or (is_tensor_like(key) and convert_to_tensor(key).shape.rank not in (0, None)):
        return _advanced_index(x, key)
    items, tensors = encode_key(key)
    if x.shape.rank is None and any(i[0] == "ellipsis" for i in items):
        raise ValueError("indexing with `...` needs a tensor of known rank")
    return bind(_getitem, [x, *tensors], {"key": items})


def _advanced_index(x, key):
    key = convert_to_tensor(key)
    if key.dtype.is_bool:
        return boolean_mask(x, key)
    if not key.dtype.is_integer:
        raise TypeError(f"index tensors must be bool or integer, got {key.dtype.name}")
    return gather(x, key)

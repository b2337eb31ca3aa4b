"""Shape manipulation: reshape, transpose, expand/squeeze, stack/unstack, concat, shape queries.

These move or view data without computing on it; gradients move the incoming
gradient back the same way.
"""
import numpy as np

from .dispatch import bind
from .op import Op
from .rules import normalize_axis, same_dtype, spec_of
from .. import dtypes
from ..convert import convert_to_tensor
from ..shape import TensorShape

__all__ = ["reshape", "transpose", "expand_dims", "squeeze", "stack", "unstack", "concat",
           "shape", "size", "rank", "expand_dims_for_reduction", "count_reduced"]


# ----- reshape -------------------------------------------------------------------------------

def _reshape_infer(x, shape):
    if shape.count(-1) > 1:
        raise ValueError(f"reshape: at most one dimension may be -1, got {list(shape)}")
    total = x.shape.num_elements()
    known = int(np.prod([d for d in shape if d != -1], dtype=np.int64))
    if -1 in shape:
        if total is None:
            return spec_of([None if d == -1 else d for d in shape], x.dtype)
        if known == 0 or total % known:
            raise ValueError(f"reshape: cannot reshape a tensor with {total} elements to shape "
                             f"{list(shape)}")
        return spec_of([total // known if d == -1 else d for d in shape], x.dtype)
    if total is not None and total != known:
        raise ValueError(f"reshape: cannot reshape a tensor with {total} elements to shape "
                         f"{list(shape)} ({known} elements)")
    return spec_of(shape, x.dtype)


_reshape = Op("reshape", infer=_reshape_infer,
              impl=lambda xp, x, shape: xp.reshape(x, shape),
              grad=lambda ctx, g: (reshape_like(g, ctx.inputs[0]),))

_reshape_like = Op("reshape_like", infer=lambda x, ref: spec_of(ref.shape, x.dtype),
                   impl=lambda xp, x, ref: xp.reshape(x, ref.shape),
                   grad=lambda ctx, g: (reshape_like(g, ctx.inputs[0]), None))


def reshape(tensor, shape, name=None):
    """The same elements in a new shape; one dimension may be -1 (inferred)."""
    x = convert_to_tensor(tensor)
    if hasattr(shape, "numpy") and not isinstance(shape, (list, tuple)):
        shape = shape.numpy().tolist()
    if isinstance(shape, TensorShape):
        shape = shape.as_list()
    shape = tuple(-1 if d is None else int(d) for d in (shape if isinstance(shape, (list, tuple)) else [shape]))
    if any(d < -1 for d in shape):
        raise ValueError(f"reshape: invalid dimension in shape {list(shape)}")
    return bind(_reshape, [x], {"shape": shape})


def reshape_like(x, ref):
    """`x` reshaped to the (run-time) shape of `ref`."""
    if x.shape == ref.shape and x.shape.is_fully_defined():
        return x
    return bind(_reshape_like, [x, ref])


# ----- transpose -----------------------------------------------------------------------------

def _transpose_infer(x, perm):
    if x.shape.rank is not None and sorted(perm) != list(range(x.shape.rank)):
        raise ValueError(f"transpose: perm {list(perm)} is not a permutation of the "
                         f"{x.shape.rank} axes of a tensor of shape {x.shape}")
    if x.shape.rank is None:
        return spec_of([None] * len(perm), x.dtype)
    return spec_of([x.shape[p] for p in perm], x.dtype)


_transpose = Op("transpose", infer=_transpose_infer,
                impl=lambda xp, x, perm: xp.transpose(x, perm),
                grad=lambda ctx, g: (transpose(g, tuple(np.argsort(ctx.attrs["perm"]).tolist())),))


def transpose(a, perm=None, conjugate=False, name=None):
    """Permute the axes of `a`; by default reverse them."""
    x = convert_to_tensor(a)
    if perm is None:
        if x.shape.rank is None:
            raise ValueError("transpose: the default perm needs a tensor of known rank")
        perm = tuple(range(x.shape.rank - 1, -1, -1))
    if hasattr(perm, "numpy"):
        perm = perm.numpy().tolist()
    perm = tuple(int(p) % x.shape.rank if x.shape.rank else int(p) for p in perm)
    result = bind(_transpose, [x], {"perm": perm})
    if conjugate and x.dtype.is_complex:
        from .unary_math import conj  # noqa: PLC0415
        result = conj(result)
    return result


# ----- expand_dims / squeeze -----------------------------------------------------------------

def _expand_infer(x, axes):
    if x.shape.rank is None:
        return spec_of(None, x.dtype)
    dims = list(x.shape.as_tuple())
    for a in axes:
        dims.insert(a, 1)
    return spec_of(dims, x.dtype)


def _squeeze_infer(x, axes):
    for a in axes:
        if x.shape.rank is not None and x.shape[a] not in (1, None):
            raise ValueError(f"squeeze: cannot squeeze axis {a} of size {x.shape[a]} (shape {x.shape})")
    return spec_of([d for i, d in enumerate(x.shape.as_tuple()) if i not in axes], x.dtype)


_expand_dims = Op("expand_dims", infer=_expand_infer,
                  impl=lambda xp, x, axes: xp.expand_dims(x, axes) if axes else x,
                  grad=lambda ctx, g: (reshape_like(g, ctx.inputs[0]),))
_squeeze = Op("squeeze", infer=_squeeze_infer,
              impl=lambda xp, x, axes: xp.squeeze(x, axes) if axes else x,
              grad=lambda ctx, g: (reshape_like(g, ctx.inputs[0]),))


def expand_dims(input, axis, name=None):  # noqa: A002 - TF's argument name
    """Insert a dimension of size 1 at `axis` (negative counts from the end of the result)."""
    x = convert_to_tensor(input)
    rank = x.shape.rank
    axis = int(axis)
    if rank is not None and not -rank - 1 <= axis <= rank:
        raise ValueError(f"expand_dims: axis {axis} is out of range for a tensor of rank {rank}")
    if axis < 0:
        axis += rank + 1
    return bind(_expand_dims, [x], {"axes": (axis,)})


def squeeze(input, axis=None, name=None):  # noqa: A002 - TF's argument name
    """Remove dimensions of size 1 (all of them, or those in `axis`)."""
    x = convert_to_tensor(input)
    if x.shape.rank is None:
        raise ValueError("squeeze: needs a tensor of known rank")
    if axis is None:
        if any(d is None for d in x.shape.as_tuple()):
            raise ValueError(f"squeeze: with unknown dimensions ({x.shape}) `axis` must be given")
        axes = tuple(i for i, d in enumerate(x.shape.as_tuple()) if d == 1)
    else:
        axes = normalize_axis("squeeze", tuple(axis) if isinstance(axis, (list, tuple)) else (axis,),
                              x.shape.rank)
    return bind(_squeeze, [x], {"axes": tuple(sorted(set(axes)))})


def expand_dims_for_reduction(g, x, axis):
    """Put back the axes a reduction without keepdims removed, so `g` broadcasts against `x`."""
    rank = x.shape.rank
    if rank is None:
        raise ValueError("gradient of a reduction needs an input of known rank")
    axes = tuple(range(rank)) if axis is None else tuple(axis)
    return bind(_expand_dims, [g], {"axes": axes}) if axes else g


# ----- stack / unstack / concat --------------------------------------------------------------

def _stack_infer(*xs, axis):
    dtype = same_dtype("stack", *xs)
    shape = xs[0].shape
    for s in xs[1:]:
        if not shape.is_compatible_with(s.shape):
            raise ValueError(f"stack: all tensors must have one shape, got {xs[0].shape} and {s.shape}")
        shape = shape.merge_with(s.shape)
    if shape.rank is None:
        return spec_of(None, dtype)
    dims = list(shape.as_tuple())
    dims.insert(axis, len(xs))
    return spec_of(dims, dtype)


def _unstack_infer(x, axis, num):
    dims = list(x.shape.as_tuple())
    del dims[axis]
    return tuple(spec_of(dims, x.dtype) for _ in range(num))


def _concat_infer(*xs, axis):
    dtype = same_dtype("concat", *xs)
    ranks = {s.shape.rank for s in xs} - {None}
    if len(ranks) > 1:
        raise ValueError(f"concat: tensors must have one rank, got shapes {[str(s.shape) for s in xs]}")
    if not ranks:
        return spec_of(None, dtype)
    rank = ranks.pop()
    dims = []
    for i in range(rank):
        col = [s.shape[i] if s.shape.rank is not None else None for s in xs]
        if i == axis:
            dims.append(None if None in col else sum(col))
            continue
        known = {d for d in col if d is not None}
        if len(known) > 1:
            raise ValueError(f"concat: dimension {i} differs: shapes {[str(s.shape) for s in xs]}")
        dims.append(known.pop() if known else None)
    return spec_of(dims, dtype)


def _concat_grad(ctx, g):
    axis = ctx.attrs["axis"]
    from .indexing import split_like  # noqa: PLC0415 - indexing imports array_ops
    return tuple(split_like(g, list(ctx.inputs), axis))


_stack = Op("stack", infer=_stack_infer, impl=lambda xp, *xs, axis: xp.stack(xs, axis=axis),
            grad=lambda ctx, g: tuple(unstack(g, axis=ctx.attrs["axis"])))
_unstack = Op("unstack", infer=_unstack_infer, multiple_outputs=True,
              impl=lambda xp, x, axis, num: tuple(xp.moveaxis(x, axis, 0)),
              grad=lambda ctx, *gs: (_stack_grads(ctx, gs),))
_concat = Op("concat", infer=_concat_infer, impl=lambda xp, *xs, axis: xp.concatenate(xs, axis=axis),
             grad=_concat_grad)


def _stack_grads(ctx, gs):
    from .creation import zeros_like  # noqa: PLC0415 - creation is independent, but keep local
    filled = [g if g is not None else zeros_like(o) for g, o in zip(gs, ctx.outputs)]
    return stack(filled, axis=ctx.attrs["axis"])


def stack(values, axis=0, name="stack"):
    """Stack a list of same-shaped tensors along a new axis."""
    from ..convert import operands_to_tensors  # noqa: PLC0415
    values = operands_to_tensors(*values) if values else []
    if not values:
        raise ValueError("stack: `values` must be a non-empty list")
    rank = values[0].shape.rank
    axis = normalize_axis("stack", axis, None if rank is None else rank + 1)
    return bind(_stack, values, {"axis": axis})


def unstack(value, num=None, axis=0, name="unstack"):
    """Split a tensor along `axis` into a list of tensors with that axis removed."""
    x = convert_to_tensor(value)
    if x.shape.rank is None:
        raise ValueError("unstack: needs a tensor of known rank")
    axis = normalize_axis("unstack", axis, x.shape.rank)
    n = x.shape[axis]
    if num is None:
        if n is None:
            raise ValueError(f"unstack: cannot infer num from shape {x.shape}; pass `num`")
        num = n
    elif n is not None and n != num:
        raise ValueError(f"unstack: num={num} but axis {axis} has size {n}")
    return list(bind(_unstack, [x], {"axis": axis, "num": num})) if num else []


def concat(values, axis, name="concat"):
    """Join tensors along an existing axis."""
    from ..convert import operands_to_tensors  # noqa: PLC0415
    values = operands_to_tensors(*values)
    rank = values[0].shape.rank
    axis = normalize_axis("concat", axis, rank)
    if len(values) == 1:
        return values[0]
    return bind(_concat, values, {"axis": axis})


# ----- shape queries -------------------------------------------------------------------------

_shape = Op("shape", infer=lambda x, out_type: spec_of([x.shape.rank], out_type),
            impl=lambda xp, x, out_type: xp.asarray(x.shape, dtype=out_type.numpy_dtype))
_size = Op("size", infer=lambda x, out_type: spec_of([], out_type),
           impl=lambda xp, x, out_type: xp.asarray(x.size, dtype=out_type.numpy_dtype))
_count = Op("count_reduced", infer=lambda x, axis: spec_of([], x.dtype),
            impl=lambda xp, x, axis: xp.asarray(
                int(np.prod([x.shape[a] for a in (range(x.ndim) if axis is None else axis)])), dtype=x.dtype))


def shape(input, out_type=dtypes.int32, name=None):  # noqa: A002 - TF's argument name
    """The shape of `input` as a 1-D integer tensor."""
    x = convert_to_tensor(input)
    if x.shape.is_fully_defined():
        return convert_to_tensor(np.asarray(x.shape.as_list(), dtype=dtypes.as_dtype(out_type).numpy_dtype))
    return bind(_shape, [x], {"out_type": dtypes.as_dtype(out_type)})


def size(input, out_type=dtypes.int32, name=None):  # noqa: A002 - TF's argument name
    """The number of elements of `input` as a scalar integer tensor."""
    x = convert_to_tensor(input)
    n = x.shape.num_elements()
    if n is not None:
        return convert_to_tensor(np.asarray(n, dtype=dtypes.as_dtype(out_type).numpy_dtype))
    return bind(_size, [x], {"out_type": dtypes.as_dtype(out_type)})


def rank(input, name=None):  # noqa: A002 - TF's argument name
    """The rank of `input` as a scalar int32 tensor."""
    x = convert_to_tensor(input)
    if x.shape.rank is None:
        raise ValueError("rank: unknown rank")
    return convert_to_tensor(np.asarray(x.shape.rank, dtype=np.int32))


def count_reduced(x, axis):
    """How many elements of `x` a reduction over `axis` combines, as a scalar of x's dtype."""
    shape_ = x.shape
    if shape_.rank is not None:
        dims = shape_.as_tuple() if axis is None else [shape_[a] for a in axis]
        if all(d is not None for d in dims):
            return convert_to_tensor(np.asarray(int(np.prod(dims, dtype=np.int64)), dtype=x.dtype.numpy_dtype))
    return bind(_count, [x], {"axis": axis})

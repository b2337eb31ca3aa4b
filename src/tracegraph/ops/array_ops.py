"""One tensor's shape: reshape, transpose, expand_dims/squeeze, and shape queries.

These move data without computing on it; gradients move the incoming gradient
back the same way. Joining and splitting tensors is in `join_split`; tiling,
padding and broadcasting in `tiling`.

A reshape target is an attribute when it is known now and an input tensor of a
`reshape_dynamic` primitive when it is computed while tracing (see `shape_args`).
"""
import numpy as np

from . import cast as cast_ops, shape_args, unary_math
from .. import dtypes
from ..convert import convert_to_tensor
from ..core.dispatch import bind
from ..core.op import Op
from ..core.rules import normalize_axis, spec_of
from ..errors import InvalidArgumentError
from ..shape import shape_ints

__all__ = ["reshape", "transpose", "expand_dims", "squeeze", "shape", "shape_n", "size", "rank",
           "identity_n", "expand_dims_for_reduction", "count_reduced"]


# ----- reshape --------------------------------------------------------------------------------

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
                             f"{list(shape)}: {total} is not a multiple of {known}")
        return spec_of([total // known if d == -1 else d for d in shape], x.dtype)
    if total is not None and total != known:
        raise ValueError(f"reshape: cannot reshape a tensor with {total} elements to shape "
                         f"{list(shape)} ({known} elements)")
    return spec_of(shape, x.dtype)


def _reshape_dynamic_infer(x, shape, hint):
    shape_args.check_shape_tensor("reshape", shape)
    dims = shape_args.hinted_dims(shape, hint)
    if dims is not None:
        dims = _infer_one_unknown(x, dims)
    return spec_of(dims, x.dtype)


def _infer_one_unknown(x, dims):
    """Fill in a single unknown dim (-1 or not known while tracing) from the number of elements,
    as TF's shape rule does: the element count decides it at run time, too."""
    total = x.shape.num_elements()
    unknown = [i for i, d in enumerate(dims) if d is None]
    known = int(np.prod([d for d in dims if d is not None], dtype=np.int64))
    if total is None or len(unknown) > 1:
        return dims
    if not unknown:
        if known != total:
            raise ValueError(f"reshape: cannot reshape a tensor with {total} elements to shape {dims} "
                             f"({known} elements)")
        return dims
    if known == 0:
        return dims
    if total % known:
        raise ValueError(f"reshape: cannot reshape a tensor with {total} elements to shape "
                         f"{[d if d is not None else -1 for d in dims]}: {total} is not a multiple of {known}")
    return [total // known if d is None else d for d in dims]


def _reshape_dynamic_impl(xp, x, shape, hint):
    dims = shape_args.array_ints(shape)
    try:
        return xp.reshape(x, dims)
    except ValueError:
        raise InvalidArgumentError(f"reshape: cannot reshape a tensor with {x.size} elements to shape "
                                   f"{list(dims)}") from None


_reshape = Op("reshape", infer=_reshape_infer,
              impl=lambda xp, x, shape: xp.reshape(x, shape),
              grad=lambda ctx, g: (reshape_like(g, ctx.inputs[0]),))

_reshape_dynamic = Op("reshape_dynamic", infer=_reshape_dynamic_infer, impl=_reshape_dynamic_impl,
                      grad=lambda ctx, g: (reshape_like(g, ctx.inputs[0]), None))

_reshape_like = Op("reshape_like", infer=lambda x, ref: spec_of(ref.shape, x.dtype),
                   impl=lambda xp, x, ref: xp.reshape(x, ref.shape),
                   grad=lambda ctx, g: (reshape_like(g, ctx.inputs[0]), None))


def reshape(tensor, shape, name=None):
    """The same elements in a new shape; one dimension may be -1 (inferred).

    `shape` may be a list, a TensorShape, or an integer tensor; while tracing it
    may be computed (e.g. from `tg.shape`): the result's static shape then has
    the entries known while tracing (see `shape_args.shape_hint`), and the rest
    are known at run time.
    """
    x = convert_to_tensor(tensor)
    dims = shape_args.static_value(shape)
    if dims is None:
        hint = shape_args.shape_hint(shape)
        if not shape_args.fully_known(hint):
            return bind(_reshape_dynamic, [x, shape_args.shape_argument("reshape", shape)], {"hint": hint})
        dims = list(hint)  # computed while tracing, but every entry is known: a static reshape
    dims = [-1 if d is None else d for d in (dims if isinstance(dims, list) else [dims])]
    dims = shape_ints("reshape", dims, inferred_allowed=True)
    return bind(_reshape, [x], {"shape": dims})


def reshape_like(x, ref):
    """`x` reshaped to the (run-time) shape of `ref`."""
    if x.shape == ref.shape and x.shape.is_fully_defined():
        return x
    return bind(_reshape_like, [x, ref])


# ----- transpose ------------------------------------------------------------------------------

def _transpose_infer(x, perm):
    if x.shape.rank is not None and sorted(perm) != list(range(x.shape.rank)):
        raise ValueError(f"transpose: perm {list(perm)} is not a permutation of the "
                         f"{x.shape.rank} axes of a tensor of shape {x.shape}")
    if x.shape.rank is None:
        return spec_of([None] * len(perm), x.dtype)
    return spec_of([x.shape[p] for p in perm], x.dtype)


_transpose = Op("transpose", infer=_transpose_infer,
                impl=lambda xp, x, perm: x.transpose(perm),  # the method: np.transpose costs 3x more
                grad=lambda ctx, g: (transpose(g, tuple(np.argsort(ctx.attrs["perm"]).tolist())),))


def transpose(a, perm=None, conjugate=False, name="transpose"):
    """Permute the axes of `a`; by default reverse them. `conjugate` also conjugates complex values."""
    x = convert_to_tensor(a)
    rank = x.shape.rank
    if perm is None:
        if rank is None:
            raise ValueError("transpose: the default perm needs a tensor of known rank")
        perm = tuple(range(rank - 1, -1, -1))
    perm = shape_args.static_ints(perm)
    if perm is None:
        raise ValueError("transpose: `perm` must be known when the function is traced")
    perm = tuple(p % rank if rank and -rank <= p < 0 else p for p in perm)
    result = bind(_transpose, [x], {"perm": perm})
    if conjugate and x.dtype.is_complex:
        result = unary_math.conj(result)
    return result


# ----- expand_dims / squeeze ------------------------------------------------------------------

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
    if x.shape.rank is None:
        return spec_of(None, x.dtype)
    return spec_of([d for i, d in enumerate(x.shape.as_tuple()) if i not in axes], x.dtype)


def _squeeze_impl(xp, x, axes):
    for a in axes:
        if x.shape[a] != 1:
            raise InvalidArgumentError(f"squeeze: cannot squeeze axis {a} of size {x.shape[a]} "
                                       f"(shape {tuple(x.shape)})")
    return xp.squeeze(x, axes) if axes else x


_expand_dims = Op("expand_dims", infer=_expand_infer,
                  impl=lambda xp, x, axes: xp.expand_dims(x, axes) if axes else x,
                  grad=lambda ctx, g: (reshape_like(g, ctx.inputs[0]),))
_squeeze = Op("squeeze", infer=_squeeze_infer, impl=_squeeze_impl,
              grad=lambda ctx, g: (reshape_like(g, ctx.inputs[0]),))


def expand_dims(input, axis, name=None):  # noqa: A002 - TF's argument name
    """Insert a dimension of size 1 at `axis` (negative counts from the end of the result)."""
    x = convert_to_tensor(input)
    rank = x.shape.rank
    axis = int(axis)
    if rank is not None and not -rank - 1 <= axis <= rank:
        raise ValueError(f"expand_dims: axis {axis} is out of range for a tensor of rank {rank}")
    if axis < 0:
        if rank is None:
            raise ValueError("expand_dims: a negative axis needs a tensor of known rank")
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


# ----- shape queries --------------------------------------------------------------------------

_shape = Op("shape", infer=lambda x, out_type: spec_of([x.shape.rank], out_type),
            impl=lambda xp, x, out_type: xp.asarray(x.shape, dtype=out_type.numpy_dtype))
_size = Op("size", infer=lambda x, out_type: spec_of([], out_type),
           impl=lambda xp, x, out_type: xp.asarray(x.size, dtype=out_type.numpy_dtype))
_rank = Op("rank", infer=lambda x: spec_of([], dtypes.int32),
           impl=lambda xp, x: xp.asarray(x.ndim, dtype=np.int32))
_count = Op("count_reduced", infer=lambda x, axis: spec_of([], x.dtype),
            impl=lambda xp, x, axis: xp.asarray(
                int(np.prod([x.shape[a] for a in (range(x.ndim) if axis is None else axis)])), dtype=x.dtype),
            grad=lambda ctx, g: (None,))


def _int_out_type(op_name, out_type):
    out_type = dtypes.as_dtype(out_type)
    if out_type not in (dtypes.int32, dtypes.int64):
        raise TypeError(f"{op_name}: out_type must be int32 or int64, got {out_type.name}")
    return out_type


def shape(input, out_type=dtypes.int32, name=None):  # noqa: A002 - TF's argument name
    """The shape of `input` as a 1-D integer tensor."""
    x = convert_to_tensor(input)
    out_type = _int_out_type("shape", out_type)
    if x.shape.is_fully_defined():
        return convert_to_tensor(np.asarray(x.shape.as_list(), dtype=out_type.numpy_dtype))
    return bind(_shape, [x], {"out_type": out_type})


def shape_n(input, out_type=dtypes.int32, name=None):  # noqa: A002 - TF's argument name
    """The shapes of a list of tensors, as a list of 1-D integer tensors."""
    return [shape(x, out_type) for x in input]


def size(input, out_type=dtypes.int32, name=None):  # noqa: A002 - TF's argument name
    """The number of elements of `input` as a scalar integer tensor."""
    x = convert_to_tensor(input)
    out_type = _int_out_type("size", out_type)
    n = x.shape.num_elements()
    if n is not None:
        return convert_to_tensor(np.asarray(n, dtype=out_type.numpy_dtype))
    return bind(_size, [x], {"out_type": out_type})


def rank(input, name=None):  # noqa: A002 - TF's argument name
    """The rank of `input` as a scalar int32 tensor."""
    x = convert_to_tensor(input)
    if x.shape.rank is None:
        return bind(_rank, [x])
    return convert_to_tensor(np.asarray(x.shape.rank, dtype=np.int32))


def identity_n(input, name=None):  # noqa: A002 - TF's argument name
    """A list of tensors passed through unchanged (each a node of its own in a graph)."""
    return [cast_ops.identity(x) for x in input]


def count_reduced(x, axis):
    """How many elements of `x` a reduction over `axis` combines, as a scalar of x's dtype."""
    shape_ = x.shape
    if shape_.rank is not None:
        dims = shape_.as_tuple() if axis is None else [shape_[a] for a in axis]
        if all(d is not None for d in dims):
            return convert_to_tensor(np.asarray(int(np.prod(dims, dtype=np.int64)), dtype=x.dtype.numpy_dtype))
    return bind(_count, [x], {"axis": axis})

"""Shape manipulation: reshape, transpose, expand/squeeze, stack/unstack, concat/split,
tile, pad, broadcast_to, reverse, repeat, meshgrid, and shape queries.

These move or copy data without computing on it; gradients move the incoming
gradient back the same way.

Shape-like arguments (a reshape target, tile multiples, a broadcast shape) are
op attributes when their values are known now: Python ints, lists, NumPy
arrays, eager tensors. Inside a traced function they may be symbolic tensors
(`tg.shape(x)` of a tensor with unknown dimensions); then a `*_dynamic`
primitive takes them as an input tensor and its shape rule knows the rank but
not the sizes.
"""
import numpy as np

from . import cast as cast_ops
from .broadcast import unbroadcast
from .dispatch import bind
from .op import Op
from .rules import broadcast_shapes, normalize_axis, same_dtype, spec_of
from .. import dtypes
from ..convert import convert_to_tensor, is_tensor_like, operands_to_tensors
from ..errors import InvalidArgumentError
from ..shape import TensorShape, as_shape
from ..tensor import EagerTensor

__all__ = ["reshape", "transpose", "expand_dims", "squeeze", "stack", "unstack", "concat", "split",
           "tile", "pad", "broadcast_to", "broadcast_static_shape", "broadcast_dynamic_shape",
           "reverse", "shape", "shape_n", "size", "rank", "identity_n", "repeat", "meshgrid",
           "expand_dims_for_reduction", "count_reduced"]


# ----- shape-like arguments ------------------------------------------------------------------

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
    """A 1-D shape-like argument as a tuple of ints if known now, else None (a scalar gives a 1-tuple)."""
    known = static_value(value)
    if known is None:
        return None
    return tuple(int(d) for d in (known if isinstance(known, list) else [known]))


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
        result = stack(parts) if parts else convert_to_tensor(np.zeros([0], np.int32))
    else:
        result = convert_to_tensor(value)
    _check_shape_tensor(op_name, result.spec)
    return result


def shape_hint(value):
    """The entries of a shape-like list that are known now (None elsewhere); None if not a list."""
    if not isinstance(value, (list, tuple)):
        return None
    hint = []
    for v in value:
        known = static_value(v)
        hint.append(int(known) if isinstance(known, (int, np.integer)) else None)
    return tuple(hint)


def _check_shape_tensor(op_name, spec, arg="shape"):
    if spec.dtype not in (dtypes.int32, dtypes.int64):
        raise TypeError(f"{op_name}: `{arg}` must be an int32 or int64 tensor, got {spec.dtype.name}")
    if spec.shape.rank not in (1, None):
        raise ValueError(f"{op_name}: `{arg}` must be 1-D, got shape {spec.shape}")


def _dynamic_rank(shape_spec, hint):
    """The result rank of a dynamic-shape op: from the hint or the shape tensor's length."""
    if hint is not None:
        return len(hint)
    return shape_spec.shape[0] if shape_spec.shape.rank == 1 else None


def _array_ints(array):
    """A 1-D integer array (NumPy or CuPy) as a tuple of Python ints."""
    return tuple(int(d) for d in array.tolist())


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
                             f"{list(shape)}: {total} is not a multiple of {known}")
        return spec_of([total // known if d == -1 else d for d in shape], x.dtype)
    if total is not None and total != known:
        raise ValueError(f"reshape: cannot reshape a tensor with {total} elements to shape "
                         f"{list(shape)} ({known} elements)")
    return spec_of(shape, x.dtype)


def _reshape_dynamic_infer(x, shape, hint):
    _check_shape_tensor("reshape", shape)
    n = _dynamic_rank(shape, hint)
    if n is None:
        return spec_of(None, x.dtype)
    dims = [None] * n if hint is None else [d if d is not None and d >= 0 else None for d in hint]
    return spec_of(dims, x.dtype)


def _reshape_dynamic_impl(xp, x, shape, hint):
    dims = _array_ints(shape)
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
    may be computed (e.g. from `tg.shape`), and the result's sizes are then
    known only at run time.
    """
    x = convert_to_tensor(tensor)
    dims = static_value(shape)
    if dims is None:
        return bind(_reshape_dynamic, [x, shape_argument("reshape", shape)], {"hint": shape_hint(shape)})
    dims = tuple(-1 if d is None else int(d) for d in (dims if isinstance(dims, list) else [dims]))
    if any(d < -1 for d in dims):
        raise ValueError(f"reshape: invalid dimension in shape {list(dims)}")
    return bind(_reshape, [x], {"shape": dims})


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


def transpose(a, perm=None, conjugate=False, name="transpose"):
    """Permute the axes of `a`; by default reverse them. `conjugate` also conjugates complex values."""
    x = convert_to_tensor(a)
    rank = x.shape.rank
    if perm is None:
        if rank is None:
            raise ValueError("transpose: the default perm needs a tensor of known rank")
        perm = tuple(range(rank - 1, -1, -1))
    perm = static_ints(perm)
    if perm is None:
        raise ValueError("transpose: `perm` must be known when the function is traced")
    perm = tuple(p % rank if rank and -rank <= p < 0 else p for p in perm)
    result = bind(_transpose, [x], {"perm": perm})
    if conjugate and x.dtype.is_complex:
        from . import unary_math  # noqa: PLC0415 - unary_math is a sibling family
        result = unary_math.conj(result)
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


def _unstack_impl(xp, x, axis, num):
    if x.shape[axis] != num:
        raise InvalidArgumentError(f"unstack: num={num} but axis {axis} has size {x.shape[axis]} "
                                   f"(shape {tuple(x.shape)})")
    return tuple(xp.moveaxis(x, axis, 0))


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


def _concat_impl(xp, *xs, axis):
    try:
        return xp.concatenate(xs, axis=axis)
    except ValueError:
        raise InvalidArgumentError(f"concat: shapes {[tuple(x.shape) for x in xs]} do not fit together "
                                   f"along axis {axis}") from None


def _concat_grad(ctx, g):
    from . import indexing  # noqa: PLC0415 - indexing imports this module
    return tuple(indexing.split_like(g, list(ctx.inputs), ctx.attrs["axis"]))


_stack = Op("stack", infer=_stack_infer, impl=lambda xp, *xs, axis: xp.stack(xs, axis=axis),
            grad=lambda ctx, g: tuple(unstack(g, num=len(ctx.inputs), axis=ctx.attrs["axis"])))
_unstack = Op("unstack", infer=_unstack_infer, multiple_outputs=True, impl=_unstack_impl,
              grad=lambda ctx, *gs: (stack(list(gs), axis=ctx.attrs["axis"]),))
_concat = Op("concat", infer=_concat_infer, impl=_concat_impl, grad=_concat_grad)


def stack(values, axis=0, name="stack"):
    """Stack a list of same-shaped tensors along a new axis."""
    values = operands_to_tensors(*values) if len(values) else []
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
    if x.shape.rank == 0:
        raise ValueError("unstack: cannot unstack a scalar")
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
    values = operands_to_tensors(*values) if len(values) else []
    if not values:
        raise ValueError("concat: `values` must be a non-empty list")
    rank = values[0].shape.rank
    if rank == 0:
        raise ValueError("concat: cannot concatenate scalars (use tg.stack instead)")
    axis = normalize_axis("concat", axis, rank)
    if axis < 0:
        raise ValueError("concat: a negative axis needs tensors of known rank")
    if len(values) == 1:
        return values[0]
    return bind(_concat, values, {"axis": axis})


# ----- split ---------------------------------------------------------------------------------

def _split_sizes(n, num, sizes):
    """The piece sizes along the split axis; None entries where not yet known."""
    if sizes is None:
        return [None if n is None else n // num] * num
    if -1 in sizes and n is not None:
        rest = n - sum(s for s in sizes if s != -1)
        return [rest if s == -1 else s for s in sizes]
    return [None if s == -1 else s for s in sizes]


def _split_infer(x, axis, num, sizes):
    if x.shape.rank is None:
        return tuple(spec_of(None, x.dtype) for _ in range(num))
    dims = x.shape.as_list()
    specs = []
    for size in _split_sizes(dims[axis], num, sizes):
        piece = list(dims)
        piece[axis] = size
        specs.append(spec_of(piece, x.dtype))
    return tuple(specs)


def _split_impl(xp, x, axis, num, sizes):
    n = x.shape[axis]
    _check_split(n, num, sizes, axis, InvalidArgumentError)
    pieces = _split_sizes(n, num, sizes)
    return tuple(xp.split(x, np.cumsum(pieces)[:-1].tolist(), axis=axis))


def _check_split(n, num, sizes, axis, error):
    if n is None:
        return
    if sizes is None:
        if n % num:
            raise error(f"split: dimension {axis} of size {n} cannot be split into {num} equal pieces")
        return
    if -1 in sizes:
        rest = n - sum(s for s in sizes if s != -1)
        if rest < 0:
            raise error(f"split: sizes {list(sizes)} add up to more than dimension {axis} of size {n}")
    elif sum(sizes) != n:
        raise error(f"split: sizes {list(sizes)} add up to {sum(sizes)}, but dimension {axis} has "
                    f"size {n}")


_split = Op("split", infer=_split_infer, impl=_split_impl, multiple_outputs=True,
            grad=lambda ctx, *gs: (concat(list(gs), ctx.attrs["axis"]),))


def split(value, num_or_size_splits, axis=0, num=None, name="split"):
    """Split `value` along `axis`: into `num_or_size_splits` equal pieces (an int) or into
    pieces of the given sizes (a list; one size may be -1, meaning "the rest")."""
    x = convert_to_tensor(value)
    if x.shape.rank is None:
        raise ValueError("split: needs a tensor of known rank")
    axis = normalize_axis("split", static_ints(axis)[0], x.shape.rank)
    known = static_value(num_or_size_splits)
    if known is None:
        raise ValueError("split: `num_or_size_splits` must be known when the function is traced")
    if isinstance(known, list):
        sizes = tuple(int(s) for s in known)
        count = len(sizes)
        if num is not None and num != count:
            raise ValueError(f"split: num={num} but {count} sizes were given")
        if sizes.count(-1) > 1 or any(s < -1 for s in sizes):
            raise ValueError(f"split: sizes must be >= 0 with at most one -1, got {list(sizes)}")
    else:
        sizes, count = None, int(known)
        if count <= 0:
            raise ValueError(f"split: the number of pieces must be positive, got {count}")
    _check_split(x.shape[axis], count, sizes, axis, ValueError)
    return list(bind(_split, [x], {"axis": axis, "num": count, "sizes": sizes}))


# ----- tile ----------------------------------------------------------------------------------

def _tiled_dims(x, multiples):
    if x.shape.rank is None:
        return [0 if m == 0 else None for m in multiples]
    if len(multiples) != x.shape.rank:
        raise ValueError(f"tile: `multiples` must have one entry per dimension of the input of shape "
                         f"{x.shape}, got {list(multiples)}")
    return [0 if m == 0 else None if d is None or m is None else d * m
            for d, m in zip(x.shape.as_list(), multiples)]


def _tile_dynamic_infer(x, multiples, hint):
    _check_shape_tensor("tile", multiples, arg="multiples")
    n = _dynamic_rank(multiples, hint)
    if n is None:
        return spec_of(None, x.dtype)
    return spec_of(_tiled_dims(x, hint if hint is not None else [None] * n), x.dtype)


def _untile_impl(xp, g, x):
    if x.size == 0:
        return xp.zeros(x.shape, dtype=g.dtype)
    interleaved = []
    for gn, xn in zip(g.shape, x.shape):
        interleaved += [gn // xn, xn]
    return g.reshape(interleaved).sum(axis=tuple(range(0, 2 * x.ndim, 2)))


def _tile_like_impl(xp, x, ref):
    return xp.tile(x, tuple(r // n if n else 1 for r, n in zip(ref.shape, x.shape)))


_tile = Op("tile", infer=lambda x, multiples: spec_of(_tiled_dims(x, multiples), x.dtype),
           impl=lambda xp, x, multiples: xp.tile(x, multiples),
           grad=lambda ctx, g: (bind(_untile, [g, ctx.inputs[0]]),))
_tile_dynamic = Op("tile_dynamic", infer=_tile_dynamic_infer,
                   impl=lambda xp, x, multiples, hint: xp.tile(x, _array_ints(multiples)),
                   grad=lambda ctx, g: (bind(_untile, [g, ctx.inputs[0]]), None))
# The adjoint of tile: sum the tiles of `g` into one copy shaped like `x`.
_untile = Op("untile", infer=lambda g, x: spec_of(x.shape, g.dtype), impl=_untile_impl,
             grad=lambda ctx, gg: (bind(_tile_like, [gg, ctx.inputs[0]]), None))
# Tile `x` as often as fits the shape of `ref` (the adjoint of untile).
_tile_like = Op("tile_like", infer=lambda x, ref: spec_of(ref.shape, x.dtype), impl=_tile_like_impl,
                grad=lambda ctx, g: (bind(_untile, [g, ctx.inputs[0]]), None))


def tile(input, multiples, name=None):  # noqa: A002 - TF's argument name
    """Repeat `input` `multiples[i]` times along each dimension i."""
    x = convert_to_tensor(input)
    known = static_ints(multiples)
    if known is None:
        return bind(_tile_dynamic, [x, shape_argument("tile", multiples)], {"hint": shape_hint(multiples)})
    if any(m < 0 for m in known):
        raise ValueError(f"tile: multiples must be >= 0, got {list(known)}")
    return bind(_tile, [x], {"multiples": known})


# ----- pad -----------------------------------------------------------------------------------

_PAD_MODES = ("CONSTANT", "REFLECT", "SYMMETRIC")


def _pad_infer(x, value, paddings, mode):
    same_dtype("pad", x, value)
    if value.shape.rank not in (0, None):
        raise ValueError(f"pad: `constant_values` must be a scalar, got shape {value.shape}")
    if x.shape.rank is None:
        return spec_of([None] * len(paddings), x.dtype)
    if len(paddings) != x.shape.rank:
        raise ValueError(f"pad: `paddings` must have one [before, after] pair per dimension of the "
                         f"input of shape {x.shape}, got {len(paddings)} pairs")
    dims = []
    for axis, (n, (before, after)) in enumerate(zip(x.shape.as_list(), paddings)):
        _check_pad_amount(axis, n, before, after, mode)
        dims.append(None if n is None else n + before + after)
    return spec_of(dims, x.dtype)


def _check_pad_amount(axis, n, before, after, mode):
    if before < 0 or after < 0:
        raise ValueError(f"pad: paddings must be >= 0, got [{before}, {after}] for dimension {axis}")
    if n is None or mode == "CONSTANT":
        return
    limit = n - 1 if mode == "REFLECT" else n
    if before > limit or after > limit:
        raise ValueError(f"pad: {mode} paddings of dimension {axis} (size {n}) must be at most {limit}, "
                         f"got [{before}, {after}]")


def _pad_impl(xp, x, value, paddings, mode):
    if not any(b or a for b, a in paddings):
        return x
    if mode != "CONSTANT":
        return xp.pad(x, paddings, mode=mode.lower())
    out = xp.empty(tuple(n + b + a for n, (b, a) in zip(x.shape, paddings)), dtype=x.dtype)
    out[...] = value
    out[tuple(slice(b, b + n) for n, (b, _) in zip(x.shape, paddings))] = x
    return out


def _fold_infer(g, paddings, mode):
    if g.shape.rank is None:
        return spec_of([None] * len(paddings), g.dtype)
    return spec_of([None if n is None else n - b - a for n, (b, a) in zip(g.shape.as_list(), paddings)],
                   g.dtype)


def _fold_impl(xp, g, paddings, mode):
    out = g
    for axis, (before, after) in enumerate(paddings):
        if before or after:
            out = _fold_axis(xp, out, axis, before, after, mode)
    return out


def _fold_axis(xp, g, axis, before, after, mode):
    """Sum the padded borders of `g` along `axis` back onto the elements they copied."""
    lead = (slice(None),) * axis
    n = g.shape[axis] - before - after
    inner = g[lead + (slice(before, before + n),)].copy()
    if mode == "CONSTANT":
        return inner
    shift = 1 if mode == "REFLECT" else 0
    if before:
        # padded position i mirrors element before - 1 - i + shift; all distinct, so += is exact
        sources = xp.arange(before - 1 + shift, shift - 1, -1)
        inner[lead + (sources,)] += g[lead + (slice(0, before),)]
    if after:
        sources = xp.arange(n - 1 - shift, n - 1 - shift - after, -1)
        inner[lead + (sources,)] += g[lead + (slice(before + n, before + n + after),)]
    return inner


def _zero_scalar(dtype):
    return convert_to_tensor(np.zeros((), dtype=dtype.numpy_dtype))


_pad = Op("pad", infer=_pad_infer, impl=_pad_impl,
          grad=lambda ctx, g: (bind(_pad_fold, [g], dict(ctx.attrs)), None))
# The adjoint of pad: the border gradients go back to the elements the border copied.
_pad_fold = Op("pad_grad", infer=_fold_infer, impl=_fold_impl,
               grad=lambda ctx, gg: (bind(_pad, [gg, _zero_scalar(gg.dtype)], dict(ctx.attrs)),))


def pad(tensor, paddings, mode="CONSTANT", constant_values=0, name=None):
    """Pad `tensor` with `paddings[i] = [before, after]` elements along each dimension i.

    `mode` is "CONSTANT" (fill with `constant_values`), "REFLECT" (mirror,
    excluding the edge) or "SYMMETRIC" (mirror, including the edge). The
    gradient with respect to `constant_values` is None, as in TF.
    """
    x = convert_to_tensor(tensor)
    mode = str(mode).upper()
    if mode not in _PAD_MODES:
        raise ValueError(f"pad: mode must be one of {', '.join(_PAD_MODES)}, got {mode!r}")
    known = static_value(paddings)
    if known is None:
        raise ValueError("pad: `paddings` must be known when the function is traced")
    if not (isinstance(known, list) and all(isinstance(p, list) and len(p) == 2 for p in known)):
        raise ValueError(f"pad: `paddings` must have shape [rank, 2], got {known!r}")
    value = convert_to_tensor(constant_values, dtype_hint=x.dtype)
    if value.dtype != x.dtype:
        raise TypeError(f"pad: `constant_values` is {value.dtype.name} but the tensor is {x.dtype.name}")
    attrs = {"paddings": tuple((int(b), int(a)) for b, a in known), "mode": mode}
    return bind(_pad, [x, value], attrs)


# ----- broadcast_to --------------------------------------------------------------------------

def _broadcast_to_dims(x, target):
    """The result dims of broadcasting `x` to `target` (None entries: unknown); checks what it can."""
    if x.shape.rank is None:
        return list(target)
    if x.shape.rank > len(target):
        raise ValueError(f"broadcast_to: cannot broadcast a tensor of shape {x.shape} to shape "
                         f"{list(target)}: the target has fewer dimensions")
    dims = list(target)
    offset = len(target) - x.shape.rank
    for i, d in enumerate(x.shape.as_list()):
        t = target[offset + i]
        if d is None or d == 1:
            continue
        if t is not None and t != d:
            raise ValueError(f"broadcast_to: cannot broadcast a tensor of shape {x.shape} to shape "
                             f"{list(target)}")
        dims[offset + i] = d
    return dims


def _broadcast_to_impl(xp, x, shape):
    try:
        return xp.broadcast_to(x, shape)
    except ValueError:
        raise InvalidArgumentError(f"broadcast_to: cannot broadcast a tensor of shape {tuple(x.shape)} "
                                   f"to shape {list(shape)}") from None


def _broadcast_to_dynamic_infer(x, shape, hint):
    _check_shape_tensor("broadcast_to", shape)
    n = _dynamic_rank(shape, hint)
    if n is None:
        return spec_of(None, x.dtype)
    target = [None] * n if hint is None else [d if d is not None and d >= 0 else None for d in hint]
    return spec_of(_broadcast_to_dims(x, target), x.dtype)


_broadcast_to = Op("broadcast_to", infer=lambda x, shape: spec_of(_broadcast_to_dims(x, shape), x.dtype),
                   impl=_broadcast_to_impl, grad=lambda ctx, g: (unbroadcast(g, ctx.inputs[0]),))
_broadcast_to_dynamic = Op(
    "broadcast_to_dynamic", infer=_broadcast_to_dynamic_infer,
    impl=lambda xp, x, shape, hint: _broadcast_to_impl(xp, x, _array_ints(shape)),
    grad=lambda ctx, g: (unbroadcast(g, ctx.inputs[0]), None))


def broadcast_to(input, shape, name=None):  # noqa: A002 - TF's argument name
    """`input` broadcast (NumPy rules) to exactly `shape`."""
    x = convert_to_tensor(input)
    known = static_ints(shape)
    if known is None:
        return bind(_broadcast_to_dynamic, [x, shape_argument("broadcast_to", shape)],
                    {"hint": shape_hint(shape)})
    if any(d < 0 for d in known):
        raise ValueError(f"broadcast_to: shape must not have negative dimensions, got {list(known)}")
    return bind(_broadcast_to, [x], {"shape": known})


def broadcast_static_shape(shape_x, shape_y):
    """The broadcast of two TensorShapes (ValueError if they are incompatible)."""
    return broadcast_shapes("broadcast_static_shape", as_shape(shape_x), as_shape(shape_y))


def _broadcast_dynamic_infer(x, y):
    dtype = same_dtype("broadcast_dynamic_shape", x, y)
    _check_shape_tensor("broadcast_dynamic_shape", x, arg="shape_x")
    _check_shape_tensor("broadcast_dynamic_shape", y, arg="shape_y")
    if x.shape.rank is None or y.shape.rank is None or x.shape[0] is None or y.shape[0] is None:
        return spec_of([None], dtype)
    return spec_of([max(x.shape[0], y.shape[0])], dtype)


def _broadcast_dynamic_impl(xp, x, y):
    try:
        dims = np.broadcast_shapes(_array_ints(x), _array_ints(y))
    except ValueError:
        raise InvalidArgumentError(f"broadcast_dynamic_shape: incompatible shapes {_array_ints(x)} and "
                                   f"{_array_ints(y)}") from None
    return xp.asarray(dims, dtype=x.dtype)


_broadcast_dynamic = Op("broadcast_dynamic_shape", infer=_broadcast_dynamic_infer,
                        impl=_broadcast_dynamic_impl)


def broadcast_dynamic_shape(shape_x, shape_y):
    """The broadcast of two shapes given as 1-D integer tensors, as a tensor."""
    x, y = operands_to_tensors(shape_x, shape_y)
    return bind(_broadcast_dynamic, [x, y])


# ----- reverse -------------------------------------------------------------------------------

def _reverse_infer(x, axes):
    return spec_of(x.shape, x.dtype)


_reverse = Op("reverse", infer=_reverse_infer,
              impl=lambda xp, x, axes: xp.flip(x, axis=axes) if axes else x,
              grad=lambda ctx, g: (bind(_reverse, [g], dict(ctx.attrs)),))


def reverse(tensor, axis, name=None):
    """`tensor` with the order of elements reversed along each dimension in `axis`."""
    x = convert_to_tensor(tensor)
    axes = static_ints(axis)
    if axes is None:
        raise ValueError("reverse: `axis` must be known when the function is traced")
    if x.shape.rank is None and any(a < 0 for a in axes):
        raise ValueError("reverse: negative axes need a tensor of known rank")
    axes = normalize_axis("reverse", axes, x.shape.rank)
    if len(set(axes)) != len(axes):
        raise ValueError(f"reverse: an axis is given more than once in {list(static_ints(axis))}")
    return bind(_reverse, [x], {"axes": tuple(sorted(axes))})


# ----- repeat / meshgrid (composites) --------------------------------------------------------

def repeat(input, repeats, axis=None, name=None):  # noqa: A002 - TF's argument name
    """Repeat each element (or slice along `axis`) `repeats` times; `axis=None` flattens first."""
    from . import indexing  # noqa: PLC0415 - indexing imports this module
    x = convert_to_tensor(input)
    if axis is None:
        x, axis = reshape(x, [-1]), 0
    if x.shape.rank is None:
        raise ValueError("repeat: needs a tensor of known rank")
    axis = normalize_axis("repeat", int(axis), x.shape.rank)
    counts = static_value(repeats)
    if counts is None:
        raise ValueError("repeat: `repeats` must be known when the function is traced")
    counts = np.asarray(counts, dtype=np.int64).reshape(-1)
    if (counts < 0).any():
        raise ValueError(f"repeat: repeats must be >= 0, got {counts.tolist()}")
    n = x.shape[axis]
    if n is None:
        if counts.size != 1:
            raise ValueError(f"repeat: a list of repeats needs axis {axis} of known size (shape {x.shape})")
        return _repeat_uniform(x, int(counts[0]), axis)
    if counts.size == 1:
        counts = np.repeat(counts, n)
    if counts.size != n:
        raise ValueError(f"repeat: {counts.size} repeats for axis {axis} of size {n}")
    picks = np.repeat(np.arange(n, dtype=np.int32), counts)
    return indexing.gather(x, convert_to_tensor(picks), axis=axis)


def _repeat_uniform(x, count, axis):
    """Repeat every slice along `axis` `count` times when that axis has unknown size."""
    from .arithmetic import multiply  # noqa: PLC0415 - arithmetic imports comparison → creation
    expanded = expand_dims(x, axis + 1)
    multiples = [1] * (x.shape.rank + 1)
    multiples[axis + 1] = count
    tiled = tile(expanded, multiples)
    scale = np.ones(x.shape.rank, dtype=np.int32)
    scale[axis] = count
    return reshape(tiled, multiply(shape(x), convert_to_tensor(scale)))


def meshgrid(*args, **kwargs):
    """Coordinate grids from 1-D tensors; `indexing="xy"` (default, Cartesian) or `"ij"` (matrix)."""
    indexing = kwargs.pop("indexing", "xy")
    kwargs.pop("name", None)
    if kwargs:
        raise TypeError(f"meshgrid: unexpected keyword arguments {sorted(kwargs)}")
    if indexing not in ("xy", "ij"):
        raise ValueError(f"meshgrid: indexing must be 'xy' or 'ij', got {indexing!r}")
    vectors = [reshape(v, [-1]) for v in operands_to_tensors(*args)] if args else []
    n = len(vectors)
    positions = list(range(n))
    if indexing == "xy" and n >= 2:
        positions[0], positions[1] = 1, 0
    sizes = [None] * n
    for v, p in zip(vectors, positions):
        sizes[p] = size(v)
    grids = []
    for v, p in zip(vectors, positions):
        dims = [1] * n
        dims[p] = -1
        grids.append(broadcast_to(reshape(v, dims), sizes))
    return grids


# ----- shape queries -------------------------------------------------------------------------

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

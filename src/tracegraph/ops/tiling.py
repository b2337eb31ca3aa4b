"""Copying elements into a new layout: tile, pad, broadcast_to, reverse, repeat, meshgrid.

Gradients are the adjoint copies: `untile` sums the tiles back into one,
`pad_grad` folds the padded borders back onto the elements they copied, and
broadcasting is undone with `unbroadcast`. Tile multiples and broadcast shapes
computed while tracing go to `*_dynamic` primitives (see `shape_args`).
"""
import numpy as np

from . import arithmetic, array_ops, gather_scatter, shape_args
from .broadcast import unbroadcast
from ..convert import convert_to_tensor, operands_to_tensors
from ..core.dispatch import bind
from ..core.op import Op
from ..core.rules import broadcast_shapes, normalize_axis, same_dtype, spec_of
from ..errors import InvalidArgumentError
from ..shape import as_shape

__all__ = ["tile", "pad", "broadcast_to", "broadcast_static_shape", "broadcast_dynamic_shape",
           "reverse", "repeat", "meshgrid"]


# ----- tile -----------------------------------------------------------------------------------

def _tiled_dims(x, multiples):
    if x.shape.rank is None:
        return [0 if m == 0 else None for m in multiples]
    if len(multiples) != x.shape.rank:
        raise ValueError(f"tile: `multiples` must have one entry per dimension of the input of shape "
                         f"{x.shape}, got {list(multiples)}")
    return [0 if m == 0 else None if d is None or m is None else d * m
            for d, m in zip(x.shape.as_list(), multiples)]


def _tile_dynamic_infer(x, multiples, hint):
    shape_args.check_shape_tensor("tile", multiples, arg="multiples")
    n = shape_args.dynamic_rank(multiples, hint)
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
                   impl=lambda xp, x, multiples, hint: xp.tile(x, shape_args.array_ints(multiples)),
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
    known = shape_args.static_ints(multiples)
    if known is None:
        return bind(_tile_dynamic, [x, shape_args.shape_argument("tile", multiples)],
                    {"hint": shape_args.shape_hint(multiples)})
    if any(m < 0 for m in known):
        raise ValueError(f"tile: multiples must be >= 0, got {list(known)}")
    return bind(_tile, [x], {"multiples": known})


# ----- pad ------------------------------------------------------------------------------------

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
    known = shape_args.static_value(paddings)
    if known is None:
        raise ValueError("pad: `paddings` must be known when the function is traced")
    if not (isinstance(known, list) and all(isinstance(p, list) and len(p) == 2 for p in known)):
        raise ValueError(f"pad: `paddings` must have shape [rank, 2], got {known!r}")
    value = convert_to_tensor(constant_values, dtype_hint=x.dtype)
    if value.dtype != x.dtype:
        raise TypeError(f"pad: `constant_values` is {value.dtype.name} but the tensor is {x.dtype.name}")
    attrs = {"paddings": tuple((int(b), int(a)) for b, a in known), "mode": mode}
    return bind(_pad, [x, value], attrs)


# ----- broadcast_to ---------------------------------------------------------------------------

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
    shape_args.check_shape_tensor("broadcast_to", shape)
    target = shape_args.hinted_dims(shape, hint)
    if target is None:
        return spec_of(None, x.dtype)
    return spec_of(_broadcast_to_dims(x, target), x.dtype)


_broadcast_to = Op("broadcast_to", infer=lambda x, shape: spec_of(_broadcast_to_dims(x, shape), x.dtype),
                   impl=_broadcast_to_impl, grad=lambda ctx, g: (unbroadcast(g, ctx.inputs[0]),))
_broadcast_to_dynamic = Op(
    "broadcast_to_dynamic", infer=_broadcast_to_dynamic_infer,
    impl=lambda xp, x, shape, hint: _broadcast_to_impl(xp, x, shape_args.array_ints(shape)),
    grad=lambda ctx, g: (unbroadcast(g, ctx.inputs[0]), None))


def broadcast_to(input, shape, name=None):  # noqa: A002 - TF's argument name
    """`input` broadcast (NumPy rules) to exactly `shape`."""
    x = convert_to_tensor(input)
    known = shape_args.static_ints(shape)
    if known is None:
        return bind(_broadcast_to_dynamic, [x, shape_args.shape_argument("broadcast_to", shape)],
                    {"hint": shape_args.shape_hint(shape)})
    if any(d < 0 for d in known):
        raise ValueError(f"broadcast_to: shape must not have negative dimensions, got {list(known)}")
    return bind(_broadcast_to, [x], {"shape": known})


def broadcast_static_shape(shape_x, shape_y):
    """The broadcast of two TensorShapes (ValueError if they are incompatible)."""
    return broadcast_shapes("broadcast_static_shape", as_shape(shape_x), as_shape(shape_y))


def _broadcast_dynamic_infer(x, y):
    dtype = same_dtype("broadcast_dynamic_shape", x, y)
    shape_args.check_shape_tensor("broadcast_dynamic_shape", x, arg="shape_x")
    shape_args.check_shape_tensor("broadcast_dynamic_shape", y, arg="shape_y")
    if x.shape.rank is None or y.shape.rank is None or x.shape[0] is None or y.shape[0] is None:
        return spec_of([None], dtype)
    return spec_of([max(x.shape[0], y.shape[0])], dtype)


def _broadcast_dynamic_impl(xp, x, y):
    try:
        dims = np.broadcast_shapes(shape_args.array_ints(x), shape_args.array_ints(y))
    except ValueError:
        raise InvalidArgumentError(f"broadcast_dynamic_shape: incompatible shapes {shape_args.array_ints(x)} "
                                   f"and {shape_args.array_ints(y)}") from None
    return xp.asarray(dims, dtype=x.dtype)


_broadcast_dynamic = Op("broadcast_dynamic_shape", infer=_broadcast_dynamic_infer,
                        impl=_broadcast_dynamic_impl)


def broadcast_dynamic_shape(shape_x, shape_y):
    """The broadcast of two shapes given as 1-D integer tensors, as a tensor."""
    x, y = operands_to_tensors(shape_x, shape_y)
    return bind(_broadcast_dynamic, [x, y])


# ----- reverse --------------------------------------------------------------------------------

def _reverse_infer(x, axes):
    return spec_of(x.shape, x.dtype)


_reverse = Op("reverse", infer=_reverse_infer,
              impl=lambda xp, x, axes: xp.flip(x, axis=axes) if axes else x,
              grad=lambda ctx, g: (bind(_reverse, [g], dict(ctx.attrs)),))


def reverse(tensor, axis, name=None):
    """`tensor` with the order of elements reversed along each dimension in `axis`."""
    x = convert_to_tensor(tensor)
    axes = shape_args.static_ints(axis)
    if axes is None:
        raise ValueError("reverse: `axis` must be known when the function is traced")
    if x.shape.rank is None and any(a < 0 for a in axes):
        raise ValueError("reverse: negative axes need a tensor of known rank")
    axes = normalize_axis("reverse", axes, x.shape.rank)
    if len(set(axes)) != len(axes):
        raise ValueError(f"reverse: an axis is given more than once in "
                         f"{list(shape_args.static_ints(axis))}")
    return bind(_reverse, [x], {"axes": tuple(sorted(axes))})


# ----- repeat / meshgrid (composites) ---------------------------------------------------------

def repeat(input, repeats, axis=None, name=None):  # noqa: A002 - TF's argument name
    """Repeat each element (or slice along `axis`) `repeats` times; `axis=None` flattens first."""
    x = convert_to_tensor(input)
    if axis is None:
        x, axis = array_ops.reshape(x, [-1]), 0
    if x.shape.rank is None:
        raise ValueError("repeat: needs a tensor of known rank")
    axis = normalize_axis("repeat", int(axis), x.shape.rank)
    counts = shape_args.static_value(repeats)
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
    return gather_scatter.gather(x, convert_to_tensor(picks), axis=axis)


def _repeat_uniform(x, count, axis):
    """Repeat every slice along `axis` `count` times when that axis has unknown size."""
    expanded = array_ops.expand_dims(x, axis + 1)
    multiples = [1] * (x.shape.rank + 1)
    multiples[axis + 1] = count
    tiled = tile(expanded, multiples)
    scale = np.ones(x.shape.rank, dtype=np.int32)
    scale[axis] = count
    return array_ops.reshape(tiled, arithmetic.multiply(array_ops.shape(x), convert_to_tensor(scale)))


def meshgrid(*args, **kwargs):
    """Coordinate grids from 1-D tensors; `indexing="xy"` (default, Cartesian) or `"ij"` (matrix)."""
    indexing = kwargs.pop("indexing", "xy")
    kwargs.pop("name", None)
    if kwargs:
        raise TypeError(f"meshgrid: unexpected keyword arguments {sorted(kwargs)}")
    if indexing not in ("xy", "ij"):
        raise ValueError(f"meshgrid: indexing must be 'xy' or 'ij', got {indexing!r}")
    vectors = [array_ops.reshape(v, [-1]) for v in operands_to_tensors(*args)] if args else []
    n = len(vectors)
    positions = list(range(n))
    if indexing == "xy" and n >= 2:
        positions[0], positions[1] = 1, 0
    sizes = [None] * n
    for v, p in zip(vectors, positions):
        sizes[p] = array_ops.size(v)
    grids = []
    for v, p in zip(vectors, positions):
        dims = [1] * n
        dims[p] = -1
        grids.append(broadcast_to(array_ops.reshape(v, dims), sizes))
    return grids


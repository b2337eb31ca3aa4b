"""Joining tensors and splitting them: stack/unstack, concat/split, and split_like.

Each op's gradient is its partner: stack ↔ unstack, split → concat, and
concat → `split_like`, which cuts the gradient into pieces as long as the
inputs were (at run time when their sizes are unknown while tracing).
"""
import numpy as np

from . import shape_args
from .api_dispatch import add_dispatch_support
from ..convert import convert_to_tensor, install_sequence_stacking, operands_to_tensors
from ..core.dispatch import bind
from ..core.op import Op
from ..core.rules import normalize_axis, same_dtype, spec_of
from ..errors import InvalidArgumentError
from ..tensor import Tensor

__all__ = ["stack", "unstack", "concat", "split"]


# ----- stack / unstack / concat ---------------------------------------------------------------

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


_stack = Op("stack", infer=_stack_infer, impl=lambda xp, *xs, axis: xp.stack(xs, axis=axis),
            grad=lambda ctx, g: tuple(unstack(g, num=len(ctx.inputs), axis=ctx.attrs["axis"])))
_unstack = Op("unstack", infer=_unstack_infer, multiple_outputs=True, impl=_unstack_impl,
              grad=lambda ctx, *gs: (stack(list(gs), axis=ctx.attrs["axis"]),))
_concat = Op("concat", infer=_concat_infer, impl=_concat_impl,
             grad=lambda ctx, g: tuple(split_like(g, list(ctx.inputs), ctx.attrs["axis"])))


@add_dispatch_support
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


@add_dispatch_support
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


# ----- split ----------------------------------------------------------------------------------

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
    axis = normalize_axis("split", shape_args.static_ints(axis)[0], x.shape.rank)
    known = shape_args.static_value(num_or_size_splits)
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


# ----- split_like (concat's gradient) ---------------------------------------------------------

def _split_like_infer(g, *refs, axis):
    specs = []
    for r in refs:
        if g.shape.rank is None:
            dims = None if r.shape.rank is None else [None] * r.shape.rank
            if dims is not None:
                dims[axis] = r.shape[axis]
        else:
            dims = g.shape.as_list()
            dims[axis] = r.shape[axis] if r.shape.rank is not None else None
        specs.append(spec_of(dims, g.dtype))
    return tuple(specs)


def _split_like_impl(xp, g, *refs, axis):
    cuts = np.cumsum([r.shape[axis] for r in refs])[:-1].tolist()
    return tuple(xp.split(g, cuts, axis=axis))


_split_like = Op("split_like", infer=_split_like_infer, impl=_split_like_impl, multiple_outputs=True,
                 grad=lambda ctx, *gs: (concat(list(gs), ctx.attrs["axis"]),)
                 + (None,) * (len(ctx.inputs) - 1))


def split_like(g, inputs, axis):
    """`g` split along `axis` into pieces as long as each of `inputs` is there (concat's adjoint).

    Sizes known now give a static split; otherwise they are read at run time.
    """
    sizes = [t.shape[axis] if t.shape.rank is not None else None for t in inputs]
    if all(s is not None for s in sizes):
        return split(g, sizes, axis=axis)
    return list(bind(_split_like, [g, *inputs], {"axis": axis}))


def _iterate_first_axis(tensor):
    """`for row in tensor`: the rows along the first axis (TF's `Tensor.__iter__`)."""
    if tensor.shape.rank == 0:
        raise TypeError("Cannot iterate over a scalar tensor.")
    return iter(unstack(tensor))


# Installed here, as ops/operators.py installs the operators: tensor.py and convert.py sit
# below the op library and know nothing of stack and unstack.
Tensor.__iter__ = _iterate_first_axis
install_sequence_stacking(stack)

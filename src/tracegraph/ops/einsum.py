"""Einstein summation: `einsum` and `tensordot`, which is written as an einsum.

An equation is parsed into terms: tuples of labels, with "..." standing for the
broadcast (ellipsis) axes. The primitive always carries an explicit equation
("ij,jk->ik"); implicit outputs are resolved by the public function. The
gradient for each operand is an einsum of the output gradient with the other
operands; `einsum_inflate` writes it back onto a repeated-label diagonal.
"""
import collections
import string

import numpy as np

from . import creation
from .broadcast import unbroadcast
from .linalg_common import conj_if_complex
from ..convert import operands_to_tensors
from ..core.dispatch import bind
from ..core.op import Op
from ..core.rules import broadcast_shapes, check_dtype, same_dtype, spec_of
from ..shape import TensorShape

__all__ = ["einsum", "tensordot"]

_ELLIPSIS = "..."


def _einsum_tokens(term, equation):
    tokens, i = [], 0
    while i < len(term):
        if term.startswith(_ELLIPSIS, i):
            tokens.append(_ELLIPSIS)
            i += 3
        elif term[i] in string.ascii_letters:
            tokens.append(term[i])
            i += 1
        else:
            raise ValueError(f"einsum: invalid character {term[i]!r} in equation {equation!r}")
    if tokens.count(_ELLIPSIS) > 1:
        raise ValueError(f"einsum: a term may hold one ellipsis at most, got {term!r} in {equation!r}")
    return tuple(tokens)


def _parse_einsum(equation, num_inputs):
    """(input terms, output term) of `equation`; the output is resolved if implicit."""
    eq = equation.replace(" ", "")
    if eq.count("->") > 1:
        raise ValueError(f"einsum: the equation {equation!r} has more than one '->'")
    lhs, arrow, rhs = eq.partition("->")
    inputs = [_einsum_tokens(t, equation) for t in lhs.split(",")]
    if len(inputs) != num_inputs:
        raise ValueError(f"einsum: the equation {equation!r} has {len(inputs)} input terms but "
                         f"{num_inputs} tensors were given")
    if arrow:
        output = _einsum_tokens(rhs, equation)
    else:
        counts = collections.Counter(t for term in inputs for t in term if t != _ELLIPSIS)
        ellipsis = (_ELLIPSIS,) if any(_ELLIPSIS in term for term in inputs) else ()
        output = ellipsis + tuple(sorted(t for t, c in counts.items() if c == 1))
    labels = [t for t in output if t != _ELLIPSIS]
    if len(set(labels)) != len(labels):
        raise ValueError(f"einsum: output subscripts of {equation!r} repeat a label")
    known = {t for term in inputs for t in term}
    for t in labels:
        if t not in known:
            raise ValueError(f"einsum: output label {t!r} of {equation!r} is in no input")
    return inputs, output


def _einsum_equation(inputs, output):
    return ",".join("".join(term) for term in inputs) + "->" + "".join(output)


def _split_dims(term, dims):
    """(dims of the named labels, dims of the ellipsis) for a term applied to a known shape."""
    if _ELLIPSIS not in term:
        return list(dims), []
    p = term.index(_ELLIPSIS)
    n_ellipsis = len(dims) - (len(term) - 1)
    return list(dims[:p]) + list(dims[p + n_ellipsis:]), list(dims[p:p + n_ellipsis])


def _merge_label_size(label, a, b, equation):
    """Sizes of one label in two places; size 1 broadcasts (the primitive is lenient)."""
    if a is None or b is None:
        known = a if b is None else b
        return None if known == 1 else known
    if a == b or b == 1:
        return a
    if a == 1:
        return b
    raise ValueError(f"einsum: label {label!r} has sizes {a} and {b} in equation {equation!r}")


def _einsum_infer(*specs, equation):
    dtype = same_dtype("einsum", *specs)
    for i, s in enumerate(specs):
        check_dtype("einsum", s, "numeric", arg=f"inputs[{i}]")
    inputs, output = _parse_einsum(equation, len(specs))
    sizes, ellipsis_shapes, ellipsis_unknown = {}, [], False
    for i, (term, spec) in enumerate(zip(inputs, specs)):
        named = [t for t in term if t != _ELLIPSIS]
        if spec.shape.rank is None:
            ellipsis_unknown |= _ELLIPSIS in term
            named_dims = [None] * len(named)
        else:
            rank = spec.shape.rank
            if (_ELLIPSIS in term and rank < len(named)) or (_ELLIPSIS not in term and rank != len(named)):
                raise ValueError(f"einsum: input {i} has shape {spec.shape} but its subscripts "
                                 f"{''.join(term)!r} in {equation!r} need rank "
                                 f"{'at least ' if _ELLIPSIS in term else ''}{len(named)}")
            named_dims, ellipsis_dims = _split_dims(term, spec.shape.as_tuple())
            ellipsis_shapes.append(TensorShape(ellipsis_dims))
        for label, d in zip(named, named_dims):
            sizes[label] = _merge_label_size(label, sizes[label], d, equation) if label in sizes else d
    if ellipsis_unknown:
        if _ELLIPSIS in output:
            return spec_of(None, dtype)
        ellipsis = TensorShape([])
    else:
        ellipsis = broadcast_shapes("einsum", *ellipsis_shapes) if ellipsis_shapes else TensorShape([])
    if _ELLIPSIS not in output and ellipsis.rank:
        raise ValueError(f"einsum: the inputs have {ellipsis.rank} broadcasting dimension(s) but the "
                         f"output subscripts of {equation!r} have no ellipsis (...)")
    dims = []
    for t in output:
        dims.extend(ellipsis.as_tuple() if t == _ELLIPSIS else [sizes[t]])
    return spec_of(dims, dtype)


def _einsum_impl(xp, *arrays, equation):
    if len(arrays) == 1:
        return xp.einsum(equation, arrays[0])
    return xp.einsum(equation, *arrays, optimize=True)


def _expanded_terms(inputs, output, tensors, equation):
    """The terms with every ellipsis written as explicit (right-aligned) fresh labels."""
    if not any(_ELLIPSIS in term for term in list(inputs) + [output]):
        return [list(t) for t in inputs], list(output)
    if any(t.shape.rank is None for t in tensors):
        raise ValueError(f"einsum: the gradient of {equation!r} needs inputs of known rank")
    ellipsis_ranks = [t.shape.rank - (len(term) - 1) if _ELLIPSIS in term else 0
                      for term, t in zip(inputs, tensors)]
    fresh = [c for c in string.ascii_letters if c not in equation][:max(ellipsis_ranks, default=0)]

    def expand(term, n):
        letters = fresh[len(fresh) - n:] if n else []
        return [x for t in term for x in (letters if t == _ELLIPSIS else [t])]

    return ([expand(term, n) for term, n in zip(inputs, ellipsis_ranks)], expand(output, len(fresh)))


def _einsum_grad(ctx, g):
    equation = ctx.attrs["equation"]
    xs = ctx.inputs
    inputs, output = _parse_einsum(equation, len(xs))
    terms, out_term = _expanded_terms(inputs, output, xs, equation)
    return tuple(_einsum_operand_grad(g, xs, terms, out_term, k) for k in range(len(xs)))


def _einsum_operand_grad(g, xs, terms, out_term, k):
    """The gradient for operand k: an einsum of the output gradient with the other operands."""
    x, target = xs[k], terms[k]
    if not x.dtype.is_differentiable:
        return None
    others = [conj_if_complex(xs[j]) for j in range(len(xs)) if j != k]
    operands, op_terms = [g] + others, [out_term] + [terms[j] for j in range(len(xs)) if j != k]
    unique = list(dict.fromkeys(target))
    present = {t for term in op_terms for t in term}
    if any(t not in present for t in unique):
        # A label only this operand has (summed out): ones carry its size into the result.
        operands.append(creation.ones_like(x))
        op_terms.append(target)
    r = bind(_einsum, operands, {"equation": _einsum_equation(op_terms, unique)})
    if len(unique) == len(target):
        return unbroadcast(r, x)
    # Repeated labels (a diagonal, e.g. "ii->i"): the gradient lives on that diagonal only.
    diagonal = bind(_einsum, [x], {"equation": _einsum_equation([target], unique)})
    r = unbroadcast(r, diagonal)
    return bind(_einsum_inflate, [r, x], {"source": "".join(unique), "target": "".join(target)})


def _inflate_impl(xp, r, ref, source, target):
    """Zeros shaped like `ref`, with `r` written on the (generalized) diagonal `target`."""
    out = xp.zeros(ref.shape, dtype=r.dtype)
    strides = [sum(out.strides[i] for i, t in enumerate(target) if t == s) for s in source]
    xp.lib.stride_tricks.as_strided(out, shape=r.shape, strides=strides)[...] = r
    return out


_einsum = Op("einsum", infer=_einsum_infer, impl=_einsum_impl, grad=_einsum_grad)
_einsum_inflate = Op(
    "einsum_inflate",
    infer=lambda r, ref, source, target: spec_of(ref.shape, r.dtype),
    impl=_inflate_impl,
    grad=lambda ctx, g: (bind(_einsum, [g], {"equation": f"{ctx.attrs['target']}->{ctx.attrs['source']}"}),
                         None),
)


def _check_einsum_sizes(inputs, tensors, equation):
    """TF's strict rule: every named label has one size across the inputs (no broadcasting)."""
    first = {}  # label -> (size, input index, shape) where the label was first seen with a known size
    for i, (term, t) in enumerate(zip(inputs, tensors)):
        named = [x for x in term if x != _ELLIPSIS]
        if t.shape.rank is None or t.shape.rank < len(named):
            continue  # unknown rank, or a rank error the shape rule reports
        named_dims, _ = _split_dims(term, t.shape.as_tuple())
        for label, d in zip(named, named_dims):
            if d is None:
                continue
            if label not in first:
                first[label] = (d, i, t.shape)
            elif first[label][0] != d:
                size, j, shape = first[label]
                raise ValueError(f"einsum: label {label!r} has size {size} in input {j} (shape {shape}) "
                                 f"but {d} in input {i} (shape {t.shape}) of {equation!r}")


def einsum(equation, *inputs, **kwargs):
    """Einstein summation, as `numpy.einsum` and `tf.einsum`.

    Supports explicit (`"ij,jk->ik"`) and implicit (`"ij,jk"`) outputs, ellipsis
    broadcasting (`"...ij,...jk->...ik"`), traces and diagonals (`"ii->"`,
    `"ii->i"`), and gradients for all of these. Named labels must have one size
    across the inputs, as in TF (only the ellipsis broadcasts). With an ellipsis,
    the gradient needs inputs of known rank (their dimensions may be unknown).
    """
    unknown = set(kwargs) - {"name", "optimize"}
    if unknown:
        raise TypeError(f"einsum: unexpected keyword arguments {sorted(unknown)}")
    if not isinstance(equation, str):
        raise TypeError(f"einsum: `equation` must be a string, got {equation!r}")
    if not inputs:
        raise ValueError("einsum: needs at least one input tensor")
    tensors = operands_to_tensors(*inputs)
    terms, output = _parse_einsum(equation, len(tensors))
    _check_einsum_sizes(terms, tensors, equation)
    return bind(_einsum, list(tensors), {"equation": _einsum_equation(terms, output)})


# ----- tensordot ------------------------------------------------------------------------------

def _tensordot_axes(axes, rank_a, rank_b):
    """(axes of a, axes of b) to contract, non-negative, from TF's forms of `axes`."""
    if hasattr(axes, "numpy"):
        axes = axes.numpy().tolist()
    if isinstance(axes, (int, np.integer)):
        n = int(axes)
        if n < 0:
            raise ValueError(f"tensordot: `axes` must be at least 0, got {n}")
        if n > rank_a or n > rank_b:
            raise ValueError(f"tensordot: `axes` = {n} is larger than the rank of an input "
                             f"(ranks {rank_a} and {rank_b})")
        return list(range(rank_a - n, rank_a)), list(range(n))
    if not isinstance(axes, (list, tuple)) or len(axes) != 2:
        raise ValueError(f"tensordot: `axes` must be an integer or a pair of axis lists, got {axes!r}")
    a_axes, b_axes = ([int(v)] if isinstance(v, (int, np.integer)) else [int(i) for i in v] for v in axes)
    if len(a_axes) != len(b_axes):
        raise ValueError(f"tensordot: different numbers of contraction axes for a and b: "
                         f"{a_axes} and {b_axes}")
    for axes_list, rank, which in ((a_axes, rank_a, "a"), (b_axes, rank_b, "b")):
        for ax in axes_list:
            if not -rank <= ax < rank:
                raise ValueError(f"tensordot: axis {ax} is out of range for `{which}` of rank {rank}")
    return [ax % rank_a for ax in a_axes], [ax % rank_b for ax in b_axes]


def tensordot(a, b, axes, name=None):
    """Sum over `axes` of `a` and `b`: an int N (last N of a with first N of b) or a pair of lists."""
    a, b = operands_to_tensors(a, b)
    if a.shape.rank is None or b.shape.rank is None:
        raise ValueError(f"tensordot: needs inputs of known rank, got shapes {a.shape} and {b.shape}")
    a_axes, b_axes = _tensordot_axes(axes, a.shape.rank, b.shape.rank)
    if len(set(a_axes)) != len(a_axes) or len(set(b_axes)) != len(b_axes):
        raise ValueError(f"tensordot: repeated contraction axes {a_axes}, {b_axes}")
    for i, j in zip(a_axes, b_axes):
        da, db = a.shape[i], b.shape[j]
        if da is not None and db is not None and da != db:
            raise ValueError(f"tensordot: axis {i} of a (shape {a.shape}) has size {da} but axis {j} "
                             f"of b (shape {b.shape}) has size {db}")
    letters = iter(string.ascii_letters)
    a_term = [next(letters) for _ in range(a.shape.rank)]
    b_term = [None] * b.shape.rank
    for i, j in zip(a_axes, b_axes):
        b_term[j] = a_term[i]
    b_term = [t if t is not None else next(letters) for t in b_term]
    out = [t for i, t in enumerate(a_term) if i not in a_axes] + \
          [t for j, t in enumerate(b_term) if j not in b_axes]
    return bind(_einsum, [a, b], {"equation": _einsum_equation([a_term, b_term], out)})

"""Shared test helpers: hypothesis strategies for values and memory layouts, and strict result checks.

- `values(lo, hi)`, `magnitudes(lo, hi)`, `small_integers(lo, hi)`, `halves(lo, hi)`,
  `booleans()`, `one_of(...)`, `with_special_values(...)` describe the element values
  an argument may take, for any dtype (float32, float64 and int32 alike);
  `arrays(dtype, shape, description)` is a cheap hypothesis strategy of such arrays.
- `as_layout(array, layout)` turns a NumPy array into an eager tensor with the
  same values in another memory layout (strided, transposed, reversed): the
  way non-contiguous inputs reach ops and compiled graphs.
- `assert_same_result(actual, expected, ...)` checks the exact dtype, the exact
  shape and the values (with a tolerance for floating point).
"""
import numpy as np
from hypothesis import strategies as st

import tracegraph as tg

__all__ = ["Values", "values", "magnitudes", "small_integers", "halves", "booleans", "one_of",
           "with_special_values", "arrays", "LAYOUTS", "as_layout", "layouts_for", "assert_same_result"]


# ----- element values ------------------------------------------------------------------------

class Values:
    """A description of the values an array's elements take, for any dtype.

    `elements(dtype)` is a hypothesis strategy of single values; `sample(rng, dtype, size)`
    draws many at once with NumPy. Arrays (see `arrays`) are filled by `sample` from a
    hypothesis-drawn seed, with a few hypothesis-drawn elements placed among them: hypothesis
    chooses (and shrinks) the edge cases, NumPy supplies the bulk cheaply.
    """

    def __init__(self, elements, sample):
        self._elements = elements
        self._sample = sample

    def elements(self, dtype):
        """A strategy of single values of `dtype` (booleans for bool)."""
        dtype = np.dtype(dtype)
        if dtype == np.bool_:
            return st.booleans()
        return self._elements(dtype)

    def sample(self, rng, dtype, size):
        """`size` values of `dtype` drawn with the NumPy generator `rng`."""
        dtype = np.dtype(dtype)
        if dtype == np.bool_:
            return rng.random(size) < 0.5
        return np.asarray(self._sample(rng, dtype, size)).astype(dtype)


def _float_width(dtype):
    return 32 if np.dtype(dtype) == np.float32 else 64


def _inward(bound, dtype, up):
    """`bound` as a value of `dtype`, rounded into the interval (hypothesis needs exact bounds)."""
    rounded = np.dtype(dtype).type(bound)
    if (up and rounded < bound) or (not up and rounded > bound):
        rounded = np.nextafter(rounded, np.dtype(dtype).type(np.inf if up else -np.inf))
    return float(rounded)


def values(lo, hi):
    """Values in [lo, hi]: floats of the dtype, or the integers in that range."""
    def elements(dtype):
        if dtype.kind in "iu":
            return st.integers(int(np.ceil(lo)), int(np.floor(hi)))
        return st.floats(_inward(lo, dtype, up=True), _inward(hi, dtype, up=False), width=_float_width(dtype),
                         allow_subnormal=False)

    def sample(rng, dtype, size):
        if dtype.kind in "iu":
            return rng.integers(int(np.ceil(lo)), int(np.floor(hi)) + 1, size, dtype=np.int64)
        drawn = rng.uniform(lo, hi, size).astype(dtype)
        return np.clip(drawn, _inward(lo, dtype, up=True), _inward(hi, dtype, up=False))
    return Values(elements, sample)


def magnitudes(lo, hi):
    """Values whose absolute value lies in [lo, hi], of either sign (divisors, say)."""
    base = values(lo, hi)
    return Values(lambda dtype: st.tuples(st.sampled_from((-1, 1)), base.elements(dtype)).map(lambda p: p[0] * p[1]),
                  lambda rng, dtype, size: base.sample(rng, dtype, size) * rng.choice((-1, 1), size))


def small_integers(lo, hi):
    """Integer values (in any dtype): ties and exact zeros are likely, as comparisons need."""
    return Values(lambda dtype: st.integers(lo, hi), lambda rng, dtype, size: rng.integers(lo, hi + 1, size))


def halves(lo, hi):
    """Multiples of 0.5 in [lo, hi]: the ties of rounding."""
    return Values(lambda dtype: st.integers(2 * lo, 2 * hi).map(lambda k: k / 2),
                  lambda rng, dtype, size: rng.integers(2 * lo, 2 * hi + 1, size) / 2)


def booleans():
    """True and False."""
    return Values(lambda dtype: st.booleans(), lambda rng, dtype, size: rng.random(size) < 0.5)


def one_of(*descriptions):
    """Values of any of the `descriptions`, mixed element by element."""
    def sample(rng, dtype, size):
        drawn = np.stack([np.asarray(d.sample(rng, dtype, size)).astype(dtype) for d in descriptions])
        return drawn[rng.integers(0, len(descriptions), size), np.arange(size)]
    return Values(lambda dtype: st.one_of(*[d.elements(dtype) for d in descriptions]), sample)


def with_special_values(base, specials):
    """`base`'s values, often replaced by one of `specials` (0.0, nan, inf, ...)."""
    def sample(rng, dtype, size):
        drawn = base.sample(rng, dtype, size)
        special = rng.random(size) < 0.3
        drawn[special] = rng.choice(np.array(specials, dtype=dtype), int(special.sum()))
        return drawn
    return Values(lambda dtype: st.one_of(st.sampled_from(specials), base.elements(dtype)), sample)


def arrays(dtype, shape, description, max_chosen=2):
    """Arrays of `dtype` and `shape` with values as `description` says.

    The bulk comes from NumPy with a hypothesis-drawn seed; up to `max_chosen` elements are
    drawn by hypothesis itself and put at hypothesis-chosen positions.
    """
    dtype = np.dtype(dtype)
    size = int(np.prod(shape))
    chosen = st.lists(st.tuples(st.integers(0, max(size - 1, 0)), description.elements(dtype)),
                      max_size=max_chosen if size else 0)

    def build(drawn):
        seed, picks = drawn
        array = description.sample(np.random.default_rng(seed), dtype, size)
        for position, value in picks:
            array[position] = value
        return array.reshape(shape)
    return st.tuples(st.integers(0, 2 ** 32 - 1), chosen).map(build)


# ----- memory layouts ------------------------------------------------------------------------

LAYOUTS = ("contiguous", "strided", "transposed", "reversed")


def layouts_for(ndim):
    """The layouts that really differ from contiguous for an array of `ndim` dimensions."""
    if ndim == 0:
        return ("contiguous",)
    if ndim == 1:
        return ("contiguous", "strided", "reversed")
    return LAYOUTS


def as_layout(array, layout):
    """An eager tensor equal to `array` whose value is stored in `layout`.

    `tg.constant` copies into a contiguous array, so the non-contiguous layouts
    are made by eager ops that return views: a slice with step 2, a transpose,
    a reversal.
    """
    if layout == "strided":
        return tg.constant(np.repeat(array, 2, axis=-1))[..., ::2]
    if layout == "transposed":
        return tg.transpose(tg.constant(np.ascontiguousarray(array.T)))
    if layout == "reversed":
        return tg.reverse(tg.constant(np.ascontiguousarray(array[::-1])), axis=[0])
    return tg.constant(array)


# ----- checking results ----------------------------------------------------------------------

def assert_same_result(actual, expected, rtol=0.0, atol=0.0, what="result"):
    """`actual` has exactly `expected`'s dtype and shape, and its values (NaNs in the same places).

    Floating and complex values may differ by `atol + rtol * |expected|`;
    integers and booleans must be equal.
    """
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.dtype == expected.dtype, f"{what}: dtype {actual.dtype}, expected {expected.dtype}"
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape}, expected {expected.shape}"
    if expected.dtype.kind in "fc":
        if not np.allclose(actual, expected, rtol=rtol, atol=atol, equal_nan=True):  # fast path first
            np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol, equal_nan=True, err_msg=what)
    elif not np.array_equal(actual, expected):
        np.testing.assert_array_equal(actual, expected, err_msg=what)

"""Hypothesis strategies for ragged row layouts, and Python references to test ragged ops against."""
from hypothesis import settings, strategies as st

FAST = settings(max_examples=25, deadline=None)

#: Small integers, exact in every dtype and under every reduction tested.
_VALUES = st.integers(min_value=-9, max_value=9)


def rows(max_rows=5, max_length=4, values=_VALUES):
    """Lists of rows of different lengths: empty rows, and no rows at all, included."""
    return st.lists(st.lists(values, max_size=max_length), max_size=max_rows)


def nonempty_rows(max_rows=5, max_length=4, values=_VALUES):
    """Lists of at least one row (the rows may still be empty)."""
    return st.lists(st.lists(values, max_size=max_length), min_size=1, max_size=max_rows)


def nested_rows(max_rows=4):
    """Lists of lists of rows: ragged in two dimensions."""
    return st.lists(rows(max_rows=3, max_length=3), max_size=max_rows)


def splits_of(python_rows):
    """The row splits of a list of rows."""
    splits = [0]
    for row in python_rows:
        splits.append(splits[-1] + len(row))
    return splits


def flat(python_rows):
    return [v for row in python_rows for v in row]


def padded(python_rows, default=0):
    """The rows padded to the longest one, as nested lists."""
    width = max((len(row) for row in python_rows), default=0)
    return [list(row) + [default] * (width - len(row)) for row in python_rows]


def deep_rows(max_rows=3):
    """Lists of lists of lists of rows: ragged in three dimensions."""
    return st.lists(nested_rows(max_rows=3), max_size=max_rows)


def reduce_nested(nested, axis, combine, identity, depth, keepdims=False):
    """The reference of a ragged reduction over a nested list of `depth` list levels: reducing axis 0
    combines the items position by position over the items that have that position (TF's ragged
    semantics), an empty set of scalars giving `identity`."""
    if axis == 0:
        result = _combine(list(nested), combine, identity, depth - 1)
        return [result] if keepdims else result
    return [reduce_nested(item, axis - 1, combine, identity, depth - 1, keepdims) for item in nested]


def _combine(items, combine, identity, depth):
    if depth == 0:
        return combine(items) if items else identity
    width = max((len(item) for item in items), default=0)
    return [_combine([item[j] for item in items if len(item) > j], combine, identity, depth - 1)
            for j in range(width)]

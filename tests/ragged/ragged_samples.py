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

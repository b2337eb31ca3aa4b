"""`TensorShape`: a possibly partially known shape, as in TensorFlow.

Dimensions are ints or `None` (unknown); the whole shape may be unknown
(`TensorShape(None)`, rank unknown). Tracing runs shape rules on such shapes.
"""
import operator

__all__ = ["TensorShape", "as_shape", "shape_ints", "INT64_MAX"]

#: The largest element count a tensor may have: NumPy, like TF, counts elements in an int64.
INT64_MAX = 2**63 - 1


class TensorShape:
    """The shape of a tensor; `None` marks an unknown dimension."""

    __slots__ = ("_dims",)

    def __init__(self, dims):
        if dims is None:
            self._dims = None
        elif isinstance(dims, TensorShape):
            self._dims = dims._dims
        elif isinstance(dims, int) or hasattr(dims, "__index__"):
            self._dims = (_as_dim(dims),)
        else:
            self._dims = tuple(_as_dim(d) for d in dims)

    @classmethod
    def from_ints(cls, dims):
        """A fully known shape from a tuple of non-negative ints (a NumPy shape), unchecked: a fast path."""
        shape = cls.__new__(cls)
        shape._dims = dims
        return shape

    @property
    def rank(self):
        """The number of dimensions, or None if unknown."""
        return None if self._dims is None else len(self._dims)

    ndims = rank

    @property
    def dims(self):
        """The dimensions as a list (None if the rank is unknown)."""
        return None if self._dims is None else list(self._dims)

    def as_list(self):
        """The dimensions as a list (ValueError if the rank is unknown)."""
        if self._dims is None:
            raise ValueError("as_list() is not defined on an unknown TensorShape.")
        return list(self._dims)

    def as_tuple(self):
        """The dimensions as a tuple, or None if the rank is unknown."""
        return self._dims

    def is_fully_defined(self):
        """True if the rank and every dimension are known."""
        return self._dims is not None and all(d is not None for d in self._dims)

    def num_elements(self):
        """The number of elements, or None if not fully defined."""
        if not self.is_fully_defined():
            return None
        n = 1
        for d in self._dims:
            n *= d
        return n

    def is_compatible_with(self, other):
        """True if some concrete shape could match both."""
        other = as_shape(other)
        if self._dims is None or other._dims is None:
            return True
        if len(self._dims) != len(other._dims):
            return False
        return all(a is None or b is None or a == b for a, b in zip(self._dims, other._dims))

    def is_subtype_of(self, other):
        """True if every tensor of this shape also has shape `other` (whose None dims and unknown
        rank match anything), as TF's `TensorShape.is_subtype_of`."""
        other = as_shape(other)
        if other.rank is None:
            return True
        if self.rank != other.rank:
            return False
        return all(g is None or s == g for s, g in zip(self.as_tuple(), other.as_tuple()))

    def merge_with(self, other):
        """The most specific shape compatible with both (ValueError if incompatible)."""
        other = as_shape(other)
        if not self.is_compatible_with(other):
            raise ValueError(f"Shapes {self} and {other} are not compatible")
        if self._dims is None:
            return other
        if other._dims is None:
            return self
        return TensorShape([a if a is not None else b for a, b in zip(self._dims, other._dims)])

    def most_specific_common_shape(self, other):
        """The most specific shape that both shapes are compatible with (for relaxing)."""
        other = as_shape(other)
        if self._dims is None or other._dims is None or len(self._dims) != len(other._dims):
            return TensorShape(None)
        return TensorShape([a if a == b else None for a, b in zip(self._dims, other._dims)])

    most_specific_compatible_shape = most_specific_common_shape

    def assert_is_compatible_with(self, other):
        """ValueError unless this shape is compatible with `other`."""
        if not self.is_compatible_with(other):
            raise ValueError(f"Shapes {self} and {as_shape(other)} are incompatible")

    def assert_has_rank(self, rank):
        """ValueError if the rank is known and differs from `rank`."""
        if self._dims is not None and len(self._dims) != rank:
            raise ValueError(f"Shape {self} must have rank {rank}")

    def assert_is_fully_defined(self):
        """ValueError unless every dimension is known."""
        if not self.is_fully_defined():
            raise ValueError(f"Shape {self} is not fully defined")

    def concatenate(self, other):
        """This shape followed by `other` (unknown if either rank is unknown)."""
        other = as_shape(other)
        if self._dims is None or other._dims is None:
            return TensorShape(None)
        return TensorShape(self._dims + other._dims)

    def with_rank(self, rank):
        """This shape, checked (or, if unknown, made) to have `rank` dimensions."""
        if self._dims is None:
            return TensorShape([None] * rank)
        if len(self._dims) != rank:
            raise ValueError(f"Shape {self} must have rank {rank}")
        return self

    def with_rank_at_least(self, rank):
        """This shape, checked to have at least `rank` dimensions."""
        if self._dims is not None and len(self._dims) < rank:
            raise ValueError(f"Shape {self} must have rank at least {rank}")
        return self

    def __add__(self, other):
        return self.concatenate(other)

    def __radd__(self, other):
        return as_shape(other).concatenate(self)

    def __len__(self):
        if self._dims is None:
            raise ValueError("Cannot take the length of a shape with unknown rank.")
        return len(self._dims)

    def __iter__(self):
        if self._dims is None:
            raise ValueError("Cannot iterate over a shape with unknown rank.")
        return iter(self._dims)

    def __getitem__(self, key):
        if self._dims is None:
            return TensorShape(None) if isinstance(key, slice) else None
        if isinstance(key, slice):
            return TensorShape(self._dims[key])
        return self._dims[key]

    def __bool__(self):
        return self._dims is not None

    def __eq__(self, other):
        try:
            other = as_shape(other)
        except (TypeError, ValueError):
            return NotImplemented
        return self._dims == other._dims

    def __hash__(self):
        return hash(self._dims)

    def __repr__(self):
        if self._dims is None:
            return "TensorShape(None)"
        return f"TensorShape({list(self._dims)})"

    def __str__(self):
        if self._dims is None:
            return "<unknown>"
        if len(self._dims) == 1:
            return f"({_dim_str(self._dims[0])},)"
        return "(" + ", ".join(_dim_str(d) for d in self._dims) + ")"


def _dim_str(d):
    return "None" if d is None else str(d)


def _as_dim(d):
    """A dimension as an int or None; -1 also means unknown (as in reshape-style shapes)."""
    if d is None:
        return None
    try:
        d = operator.index(d)
    except TypeError:
        if not hasattr(d, "value"):  # TF's Dimension-like objects have `.value`
            raise TypeError(f"Dimension value must be an integer or None, got {d!r}") from None
        return _as_dim(d.value)
    if d < -1:
        raise ValueError(f"Dimension {d} must be >= 0")
    return None if d == -1 else d


def as_shape(shape):
    """Convert a list/tuple/int/None/TensorShape to a `TensorShape`."""
    return shape if isinstance(shape, TensorShape) else TensorShape(shape)


def shape_ints(op_name, dims, arg="shape", inferred_allowed=False):
    """The entries of a shape argument (a sequence) as a tuple of ints, checked.

    TypeError for an entry that is not an integer (a float is never truncated;
    Python bools count as 0 and 1, as in TF's `TensorShape`); ValueError for a
    negative entry (except -1 when `inferred_allowed`: reshape's dimension to infer)
    and for a shape whose element count overflows int64. Errors name the op, the
    argument and the shape as given.
    """
    result = []
    for d in dims:
        try:
            d = operator.index(d)
        except TypeError:
            raise TypeError(f"{op_name}: `{arg}` must hold integers, but {_shown(dims)} has the dimension "
                            f"{d!r} of type {type(d).__name__}") from None
        if d < 0 and not (inferred_allowed and d == -1):
            if inferred_allowed:
                raise ValueError(f"{op_name}: invalid dimension {d} in {arg} {_shown(dims)}: dimensions are "
                                 f">= 0, or -1 for the one to infer")
            raise ValueError(f"{op_name}: {arg} must not have negative dimensions, got {_shown(dims)}")
        result.append(d)
    count = 1
    for d in result:
        count *= max(d, 1)  # zeros too: NumPy refuses such a shape even when it holds no elements
    if count > INT64_MAX:
        raise ValueError(f"{op_name}: {arg} {_shown(dims)} has {count} elements, more than the "
                         f"{INT64_MAX} an int64 can count")
    return tuple(result)


def _shown(dims):
    return list(dims) if not isinstance(dims, (list, tuple)) else dims

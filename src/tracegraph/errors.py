"""TensorFlow's error classes (`tg.errors`), each also a matching Python built-in error.

`InvalidArgumentError` is a ValueError and an out-of-range index is also an
IndexError, so code written for either TF or NumPy catches them.
"""

__all__ = ["OpError", "InvalidArgumentError", "OutOfRangeError", "UnimplementedError",
           "NotFoundError", "FailedPreconditionError", "ResourceExhaustedError"]


class OpError(Exception):
    """An op failed at run time."""


class InvalidArgumentError(OpError, ValueError):
    """An op received an argument it cannot work with."""


class OutOfRangeError(OpError, IndexError):
    """An index or iteration went past the end."""


class UnimplementedError(OpError, NotImplementedError):
    """The operation is not implemented for these inputs."""


class NotFoundError(OpError, LookupError):
    """Something looked up does not exist."""


class FailedPreconditionError(OpError, RuntimeError):
    """The system is not in a state to run the operation (e.g. an uninitialized variable)."""


class ResourceExhaustedError(OpError, MemoryError):
    """Out of memory or another resource."""


class IndexOutOfRangeError(InvalidArgumentError, IndexError):
    """An index past the end of a dimension (TF raises InvalidArgumentError here)."""

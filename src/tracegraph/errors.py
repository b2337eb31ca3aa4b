"""TensorFlow's error classes (`tg.errors`), each also a matching Python built-in error.

`InvalidArgumentError` is a ValueError and an out-of-range index is also an
IndexError, so code written for either TF or NumPy catches them. Like TF's,
they can be made with just a message or with TF's `(node_def, op, message)`.
"""

__all__ = ["OpError", "CancelledError", "UnknownError", "InvalidArgumentError",
           "DeadlineExceededError", "NotFoundError", "AlreadyExistsError", "PermissionDeniedError",
           "UnauthenticatedError", "ResourceExhaustedError", "FailedPreconditionError", "AbortedError",
           "OutOfRangeError", "UnimplementedError", "InternalError", "UnavailableError", "DataLossError"]


class OpError(Exception):
    """An op failed at run time: `OpError(message)` or TF's `OpError(node_def, op, message)`."""

    def __init__(self, *args):
        if len(args) == 3:
            self.node_def, self.op, message = args
        else:
            self.node_def, self.op = None, None
            message = args[0] if args else ""
        super().__init__(message)
        self.message = message

    def __str__(self):
        return str(self.message)


class CancelledError(OpError):
    """The operation was cancelled."""


class UnknownError(OpError):
    """An error of no other kind."""


class InvalidArgumentError(OpError, ValueError):
    """An op received an argument it cannot work with."""


class DeadlineExceededError(OpError, TimeoutError):
    """A deadline passed before the operation finished."""


class NotFoundError(OpError, LookupError):
    """Something looked up does not exist."""


class AlreadyExistsError(OpError):
    """Something to be created already exists."""


class PermissionDeniedError(OpError, PermissionError):
    """The caller may not run the operation."""


class UnauthenticatedError(OpError):
    """The request has no valid credentials."""


class ResourceExhaustedError(OpError, MemoryError):
    """Out of memory or another resource."""


class FailedPreconditionError(OpError, RuntimeError):
    """The system is not in a state to run the operation (e.g. an uninitialized variable)."""


class AbortedError(OpError):
    """The operation was aborted (e.g. a concurrency conflict)."""


class OutOfRangeError(OpError, IndexError):
    """An index or iteration went past the end."""


class UnimplementedError(OpError, NotImplementedError):
    """The operation is not implemented for these inputs."""


class InternalError(OpError, RuntimeError):
    """An invariant of the system is broken (a bug)."""


class UnavailableError(OpError):
    """The service is unavailable at the moment."""


class DataLossError(OpError):
    """Unrecoverable data loss or corruption."""


class IndexOutOfRangeError(InvalidArgumentError, IndexError):
    """An index past the end of a dimension (TF raises InvalidArgumentError here)."""

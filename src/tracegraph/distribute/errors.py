"""The errors a collective raises when a replica or worker does not take part in it."""
from ..errors import DeadlineExceededError, UnavailableError

__all__ = ["CollectiveTimeoutError", "WorkerLostError"]


class CollectiveTimeoutError(DeadlineExceededError):
    """A collective did not complete within its timeout (a replica failed or never arrived)."""


class WorkerLostError(UnavailableError):
    """Workers stopped answering during a collective; `lost_ranks` names them."""

    def __init__(self, message, lost_ranks=()):
        super().__init__(message)
        self.lost_ranks = tuple(lost_ranks)

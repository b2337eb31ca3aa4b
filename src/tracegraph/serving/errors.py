"""The server's errors: each is TF Serving's error JSON (`{"error": "..."}`) with an HTTP status.

TF Serving maps its status codes onto HTTP ones (INVALID_ARGUMENT -> 400, NOT_FOUND -> 404, ...);
clients read the status and the `error` text, so both follow it. Every message names what was wrong
(the input, the model, the version) and what was expected.
"""
import json

__all__ = ["ServingError", "InvalidArgument", "NotFound", "PayloadTooLarge", "RequestTimeout",
           "Unavailable", "error_body"]


class ServingError(Exception):
    """A request the server answers with `{"error": message}` and the HTTP status `status`."""

    status = 500

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class InvalidArgument(ServingError):
    """Malformed JSON, a missing input, a wrong shape or dtype (TF Serving's INVALID_ARGUMENT)."""

    status = 400


class NotFound(ServingError):
    """An unknown model, version, label or signature (NOT_FOUND)."""

    status = 404


class PayloadTooLarge(ServingError):
    """A request body over the configured limit."""

    status = 413


class RequestTimeout(ServingError):
    """A client that did not send its body within the time limit."""

    status = 408


class Unavailable(ServingError):
    """A model with no version loaded yet (UNAVAILABLE)."""

    status = 503


def error_body(message):
    """The JSON bytes of TF Serving's error answer."""
    return json.dumps({"error": message}).encode("utf8")

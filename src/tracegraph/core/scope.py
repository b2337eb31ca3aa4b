"""Entering and leaving the tracing of a graph."""
import contextlib

from ..context import state

__all__ = ["tracing"]


@contextlib.contextmanager
def tracing(graph):
    """Make `graph` the target of `bind`, with a fresh (empty) scope of tapes.

    Tapes recording outside the function do not see the ops traced inside it;
    a call of the finished function is what they record.
    """
    saved = state.graph, state.tapes
    state.graph, state.tapes = graph, []
    try:
        yield graph
    finally:
        state.graph, state.tapes = saved

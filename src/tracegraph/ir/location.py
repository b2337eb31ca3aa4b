"""Where in the user's code a node was defined, so run-time errors can point there (TF's "defined at").

A node made while tracing records the innermost stack frame outside the
tracegraph package: the line of the user's function that called the op, not
the line of tracegraph's own code that built the node.
"""
import sys
from typing import NamedTuple

from ..user_code import PACKAGE_DIR

__all__ = ["SourceLocation", "user_location", "describe_node", "error_naming_node"]

class SourceLocation(NamedTuple):
    """A line of the user's code: file, line number and the function it is in."""

    filename: str
    lineno: int
    function: str

    def __str__(self):
        return f"{self.filename}:{self.lineno}, in {self.function}"


def user_location():
    """The innermost caller's frame that is not tracegraph's own code, or None if there is none."""
    frame = sys._getframe(1)
    while frame is not None:
        code = frame.f_code
        if not code.co_filename.startswith(PACKAGE_DIR):
            return SourceLocation(code.co_filename, frame.f_lineno, code.co_name)
        frame = frame.f_back
    return None


def describe_node(node, instruction=None):
    """TF's `[[node NAME (defined at FILE:LINE)]]` line for an error raised by `node`.

    For a fused node, `instruction` (an index into its expression) names the member
    that failed; without it, every member that has a location is listed.
    """
    places = node.defined_at
    if instruction is not None and instruction < len(places) and places[instruction] is not None:
        name = node.attrs["expression"]["instructions"][instruction][0]
        return f"[[node {name} (defined at {places[instruction]})]]"
    if len(places) == 1 and places[0] is not None:
        return f"[[node {node.op.name} (defined at {places[0]})]]"
    members = _member_names(node)
    listed = [f"{members[j]} defined at {place}" if j < len(members) else f"defined at {place}"
              for j, place in enumerate(places) if place is not None]
    if listed:
        return f"[[node {node.op.name} ({'; '.join(listed)})]]"
    return f"[[node {node.op.name}]]"


def error_naming_node(error, node, instruction=None):
    """A copy of `error` whose message ends with `describe_node(node, instruction)`, to raise
    `from error`; or None, meaning re-raise `error` itself: a node already named in it (the
    innermost node is the one to report) or a type that cannot be made from a message alone
    (then the description is added to it as a note).
    """
    if getattr(error, "_tracegraph_node_named", False):
        return None
    description = describe_node(node, instruction)
    try:
        located = type(error)(f"{error}\n\n  {description}")
    except Exception:  # noqa: BLE001 - a type that wants other arguments keeps its own message
        error.add_note(description)
        error._tracegraph_node_named = True
        return None
    for key, value in vars(error).items():  # e.g. an OpError's node_def and op
        if key != "message":
            setattr(located, key, value)
    located._tracegraph_node_named = True
    return located


def _member_names(node):
    expression = node.attrs.get("expression")
    if isinstance(expression, dict) and "instructions" in expression:
        return [instruction[0] for instruction in expression["instructions"]]
    return []

"""Passes over a dataset that go past errors where a stage can (`Dataset.ignore_errors()`).

A stage that can skip its own bad parts offers `_stream_ignoring_errors(report)` (a reader skips the
rest of a corrupt file, `map` drops an element whose function raised); any other stage's error ends
the pass there, handed to `report`.
"""

__all__ = ["stream_ignoring_errors"]


def stream_ignoring_errors(dataset, report):
    """One pass over `dataset` that hands each error to `report` and goes on past it where it can."""
    own = getattr(dataset, "_stream_ignoring_errors", None)
    if own is not None:
        return own(report)
    return _until_error(dataset._stream(), report)


def _until_error(stream, report):
    try:
        yield from stream
    except Exception as error:  # noqa: BLE001 - TF's ignore_errors drops an element whatever its error
        report(error)

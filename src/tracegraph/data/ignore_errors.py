"""`Dataset.ignore_errors()`: drop the elements whose production fails, as TF's `ignore_errors`.

A Python generator that raised cannot go on, so going past an error takes the help of the stage
where it happens:

- a source that can skip its own bad parts offers `_stream_ignoring_errors(report)` (TFRecordDataset:
  the rest of a file with a corrupt record is skipped, as in TF);
- `map` is run here element by element, dropping an element whose function raises;
- any other stage's error ends the pass there (the elements it would still have made are lost; TF's
  iterators could go on): put `ignore_errors()` right after the map or the reader whose errors it is for.

`log_warning=True` logs each ignored error as a warning, as TF does.
"""
import logging

from .base import Dataset, register
from .mapping import MapDataset

__all__ = ["IgnoreErrorsDataset", "stream_ignoring_errors"]

_log = logging.getLogger("tracegraph.data")


@register("ignore_errors")
class IgnoreErrorsDataset(Dataset):
    """The input's elements, without those whose production raised an error."""

    _tf_name = "_IgnoreErrorsDataset"

    def __init__(self, dataset, log_warning=False):
        self._input, self._inputs = dataset, (dataset,)
        self._log_warning = bool(log_warning)
        self._element_spec = dataset.element_spec

    def _stream(self):
        return stream_ignoring_errors(self._input, self._report)

    def _stream_ignoring_errors(self, report):
        return stream_ignoring_errors(self._input, report)

    def _report(self, error):
        if self._log_warning:
            _log.warning("ignore_errors: ignored an error: %s", error)


def stream_ignoring_errors(dataset, report):
    """One pass over `dataset` that hands each error to `report` and goes on past it where it can."""
    own = getattr(dataset, "_stream_ignoring_errors", None)
    if own is not None:
        return own(report)
    if type(dataset) is MapDataset:
        return _map_ignoring_errors(dataset, report)
    return _until_error(dataset._stream(), report)


def _map_ignoring_errors(dataset, report):
    call = dataset._function.call_components
    for components in stream_ignoring_errors(dataset._input, report):
        try:
            result = call(components)
        except Exception as error:  # noqa: BLE001 - TF's ignore_errors drops an element whatever its error
            report(error)
            continue
        yield result


def _until_error(stream, report):
    try:
        yield from stream
    except Exception as error:  # noqa: BLE001 - as above; this stage cannot go on past it
        report(error)


def ignore_errors(self, log_warning=False, name=None):
    """This dataset without the elements whose production raised an error (logged as warnings when
    `log_warning`); see `tracegraph.data.ignore_errors` for how far past an error a pass goes."""
    return IgnoreErrorsDataset(self, log_warning)


# Dataset's methods live in base.py; this transformation adds its own (base.py imports no transformation).
Dataset.ignore_errors = ignore_errors

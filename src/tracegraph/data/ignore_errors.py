"""`Dataset.ignore_errors()`: drop the elements whose production fails, as TF's `ignore_errors`.

A Python generator that raised cannot go on, so going past an error takes the help of the stage
where it happens:

- a source that can skip its own bad parts offers `_stream_ignoring_errors(report)` (TFRecordDataset:
  the rest of a file with a corrupt record is skipped, as in TF);
- `map` runs element by element, dropping an element whose function raises (its `_stream_ignoring_errors`);
- any other stage's error ends the pass there (the elements it would still have made are lost; TF's
  iterators could go on): put `ignore_errors()` right after the map or the reader whose errors it is for.

`log_warning=True` logs each ignored error as a warning, as TF does.
"""
import logging

from .base import Dataset, register
from .error_skipping import stream_ignoring_errors

__all__ = ["IgnoreErrorsDataset"]

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


def ignore_errors(self, log_warning=False, name=None):
    """This dataset without the elements whose production raised an error (logged as warnings when
    `log_warning`); see `tracegraph.data.ignore_errors` for how far past an error a pass goes."""
    return IgnoreErrorsDataset(self, log_warning)


# Dataset's methods live in base.py; this transformation adds its own (base.py imports no transformation).
Dataset.ignore_errors = ignore_errors

"""`keras.callbacks.CSVLogger`: one CSV row per epoch with the epoch's results."""
import collections.abc
import csv
import os

import numpy as np

from .callback import Callback

__all__ = ["CSVLogger"]


class CSVLogger(Callback):
    """Streams epoch results to a CSV file: a header `epoch,<sorted log keys>`, then a row per epoch.

    Args:
        filename: the CSV file.
        separator: the field separator.
        append: continue an existing file (its header is kept) instead of overwriting it.

    Without validation results the header still lists `val_<key>` columns (filled with `NA`), as
    Keras does, so runs with and without validation share one layout. Rows end in `\\r\\n` (CSV's
    standard line end, as Keras writes them). Each row is flushed at once.
    """

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.sep = separator
        self.filename = os.fspath(filename)
        self.append = append
        self.writer = None
        self.keys = None
        self.append_header = True
        self.csv_file = None

    def on_train_begin(self, logs=None):
        """Open the file (appending or overwriting)."""
        if self.append:
            if os.path.exists(self.filename):
                with open(self.filename, encoding="utf8") as f:
                    self.append_header = not bool(len(f.readline()))
            mode = "a"
        else:
            mode = "w"
        if self.csv_file and not self.csv_file.closed:
            self.csv_file.close()
        self.csv_file = open(self.filename, mode, newline="", encoding="utf8")  # open for the whole run
        self.writer = None
        self.keys = None

    def on_epoch_end(self, epoch, logs=None):
        """Write the epoch's row."""
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs.keys())
            if self.keys and not any(key.startswith("val_") for key in self.keys):
                self.keys.extend([f"val_{key}" for key in self.keys])
        if not self.writer:
            dialect = type("Dialect", (csv.excel,), {"delimiter": self.sep})
            self.writer = csv.DictWriter(self.csv_file, fieldnames=["epoch"] + self.keys, dialect=dialect)
            if self.append_header:
                self.writer.writeheader()
        row = {"epoch": epoch}
        row.update((key, _cell(logs.get(key, "NA"))) for key in self.keys)
        self.writer.writerow(row)
        self.csv_file.flush()

    def on_train_end(self, logs=None):
        """Close the file."""
        if self.csv_file and not self.csv_file.closed:
            self.csv_file.close()
        self.writer = None


def _cell(value):
    if isinstance(value, str):
        return value
    if isinstance(value, collections.abc.Iterable) and not (isinstance(value, np.ndarray) and value.ndim == 0):
        return f'"[{", ".join(map(str, value))}]"'
    return value

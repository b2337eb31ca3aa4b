"""`tg.data.TFRecordDataset`: the records of TFRecord files, as string scalars.

With `num_parallel_reads`, up to that many files are read at once, each on its own thread a few
records ahead, and their records are interleaved one at a time in TF's order (its interleave with
`block_length=1`: file 0's first record, file 1's first, ..., file 0's second, ...; a finished
file's place goes to the next file when its turn comes). A corrupt record raises DataLossError
naming the file and the record's offset; under `ignore_errors()` the rest of that file is skipped
and reading goes on with the next file, as in TF.
"""
import numpy as np

from .base import Dataset
from .nested import interleave_streams
from .options import UNKNOWN_CARDINALITY, parallelism
from .prefetch import _prefetched
from .readers import _file_names
from ..dtypes import string
from ..errors import DataLossError
from ..io.records import compression_name, read_records
from ..spec import TensorSpec

__all__ = ["TFRecordDataset"]

#: How many records each file's reader thread keeps ready under `num_parallel_reads`.
_READ_AHEAD = 256


class TFRecordDataset(Dataset):
    """The records of one or more TFRecord files (TF's `tf.data.TFRecordDataset`): `compression_type`
    is '', 'GZIP' or 'ZLIB'; `buffer_size` the bytes read at once; `num_parallel_reads` how many
    files are read in parallel (AUTOTUNE: one per core), their records interleaved."""

    _tf_name = "TFRecordDatasetV2"

    def __init__(self, filenames, compression_type=None, buffer_size=None, num_parallel_reads=None, name=None):
        self._names = _file_names(filenames, "TFRecordDataset")
        self._compression = compression_name(compression_type, "TFRecordDataset")
        self._buffer_size = None if buffer_size is None else int(buffer_size) or None
        self._parallel = 1 if num_parallel_reads is None else parallelism(num_parallel_reads)
        self._element_spec = TensorSpec([], string)

    def _cardinality(self):
        return UNKNOWN_CARDINALITY

    def _stream(self):
        return self._records(None)

    def _stream_ignoring_errors(self, report):
        """The records, skipping the rest of a file at a corrupt record (after `report(error)`)."""
        return self._records(report)

    def _records(self, report):
        if self._parallel == 1 or len(self._names) == 1:
            return (record for name in self._names for record in self._file(name, report))
        return self._interleaved(report)

    def _file(self, name, report):
        """The records of file `name` as element tuples; a DataLossError goes to `report` (the file ends
        there) or, without one, up to the caller."""
        try:
            for _, data in read_records(name, self._compression, self._buffer_size):
                yield (np.array(data, dtype=object),)
        except DataLossError as error:
            if report is None:
                raise
            report(error)

    def _interleaved(self, report):
        readers = (_prefetched(self._file(name, report), _READ_AHEAD) for name in self._names)
        return interleave_streams(readers, max(1, min(self._parallel, len(self._names))))

"""File readers: `TextLineDataset`, `experimental.CsvDataset` and `experimental.make_csv_dataset`.

Errors in a file name the file, the line (1-based, as an editor shows it), the record (0-based,
as TF counts them) and the field.
"""
import collections
import csv
import glob
import gzip
import io
import zlib

import numpy as np

from .base import Dataset, construct
from .options import AUTOTUNE, UNKNOWN_CARDINALITY
from .structure import normalize

from ..dtypes import DType, as_dtype, float32, int32, int64, string
from ..errors import InvalidArgumentError, NotFoundError
from ..spec import TensorSpec
from ..tensor import Tensor

__all__ = ["TextLineDataset", "CsvDataset", "make_csv_dataset"]


def _file_names(filenames, where):
    if isinstance(filenames, Dataset):
        return [c[0].item() for c in filenames._stream()]
    if isinstance(filenames, Tensor):
        filenames = filenames.numpy()
    names = np.atleast_1d(np.asarray(filenames, dtype=object)).ravel().tolist()
    names = [n.decode() if isinstance(n, bytes) else str(n) for n in names]
    if not names:
        raise ValueError(f"{where}: no file names given")
    return names


def _open_text(name, compression_type, where):
    kind = (compression_type or "").upper()
    try:
        if kind == "GZIP":
            return io.TextIOWrapper(gzip.open(name, "rb"), encoding="utf-8", newline="")
        raw = open(name, "rb")  # noqa: SIM115 - closed by the caller's `with`
        if kind == "ZLIB":
            with raw:
                return io.StringIO(zlib.decompress(raw.read()).decode("utf-8"), newline="")
        if kind:
            raise ValueError(f"{where}: unknown compression_type {compression_type!r} (use '', 'GZIP' or 'ZLIB')")
        return io.TextIOWrapper(raw, encoding="utf-8", newline="")
    except FileNotFoundError:
        raise NotFoundError(f"{where}: {name}; No such file or directory") from None


def _lines(file):
    """The file's lines without their line endings (\\n or \\r\\n), as TF's text reader gives them."""
    for line in file:
        yield line[:-2] if line.endswith("\r\n") else line[:-1] if line.endswith(("\n", "\r")) else line


class TextLineDataset(Dataset):
    """The lines of one or more text files, as string scalars (TF's `tf.data.TextLineDataset`)."""

    _tf_name = "TextLineDatasetV2"

    def __init__(self, filenames, compression_type=None, buffer_size=None, num_parallel_reads=None, name=None):
        self._names = _file_names(filenames, "TextLineDataset")
        self._compression = compression_type
        self._element_spec = TensorSpec([], string)

    def _stream(self):
        for name in self._names:
            with _open_text(name, self._compression, "TextLineDataset") as file:
                for line in _lines(file):
                    yield (np.array(line.encode(), dtype=object),)


_Column = collections.namedtuple("_Column", "dtype default")


class CsvDataset(Dataset):
    """The records of CSV files as tuples of scalars, one per (selected) column, typed by
    `record_defaults`: a dtype makes a column required, a value makes it optional with that default."""

    _tf_name = "CsvDatasetV2"

    def __init__(self, filenames, record_defaults, compression_type=None, buffer_size=None, header=False,
                 field_delim=",", use_quote_delim=True, na_value="", select_cols=None, exclude_cols=None,
                 name=None):
        self._names = _file_names(filenames, "CsvDataset")
        self._columns = [_column(d, i) for i, d in enumerate(record_defaults)]
        if select_cols is not None and exclude_cols is not None:
            raise ValueError("CsvDataset: give select_cols or exclude_cols, not both")
        self._select, self._exclude = select_cols, exclude_cols
        if select_cols is not None and len(select_cols) != len(self._columns):
            raise ValueError(f"CsvDataset: select_cols has {len(select_cols)} columns but record_defaults has "
                             f"{len(self._columns)}")
        self._compression, self._header, self._na_value = compression_type, bool(header), na_value
        self._dialect = {"delimiter": field_delim, "quoting": csv.QUOTE_MINIMAL if use_quote_delim else csv.QUOTE_NONE}
        self._element_spec = tuple(TensorSpec([], c.dtype) for c in self._columns)

    def _cardinality(self):
        return UNKNOWN_CARDINALITY

    def _stream(self):
        for name in self._names:
            with _open_text(name, self._compression, "CsvDataset") as file:
                records = csv.reader(file, **self._dialect)
                if self._header:
                    next(records, None)
                for record_number, fields in enumerate(records):
                    line = records.line_num
                    if not fields:
                        continue
                    yield self._parse(self._chosen(fields, name, line, record_number), name, line, record_number)

    def _chosen(self, fields, name, line, record):
        if self._select is not None:
            try:
                return [fields[i] for i in self._select]
            except IndexError:
                raise InvalidArgumentError(f"CsvDataset: {name}, line {line} (record {record}) has "
                                           f"{len(fields)} fields, fewer than select_cols needs") from None
        if self._exclude is not None:
            excluded = set(self._exclude)
            fields = [f for i, f in enumerate(fields) if i not in excluded]
        if len(fields) != len(self._columns):
            raise InvalidArgumentError(f"CsvDataset: {name}, line {line} (record {record}) has {len(fields)} "
                                       f"fields but record_defaults has {len(self._columns)}")
        return fields

    def _parse(self, fields, name, line, record):
        values = []
        for index, (text, column) in enumerate(zip(fields, self._columns)):
            if text == "" or text == self._na_value:
                if column.default is None:
                    raise InvalidArgumentError(f"CsvDataset: Field {index} is required but missing in record "
                                               f"{record} ({name}, line {line})")
                values.append(column.default)
                continue
            values.append(_parse_field(text, column.dtype, f"CsvDataset: Field {index} in record {record} "
                                                           f"({name}, line {line})"))
        return tuple(values)


def _column(default, index):
    """A column's dtype and default (None: required) from a record_defaults entry."""
    if isinstance(default, DType) or (isinstance(default, type) and issubclass(default, np.generic)):
        return _Column(as_dtype(default), None)
    value = normalize(default, f"CsvDataset: record_defaults[{index}]")
    array = value._value if hasattr(value, "_value") else np.asarray(value)
    dtype = value.dtype
    if array.size == 0:
        return _Column(dtype, None)
    if array.size != 1:
        raise ValueError(f"CsvDataset: record_defaults[{index}] must be a scalar or a dtype, got shape {array.shape}")
    return _Column(dtype, np.asarray(array.reshape(())))


def _parse_field(text, dtype, where):
    try:
        if dtype == string:
            return np.array(text.encode(), dtype=object)
        if dtype.is_integer:
            value = int(text.strip())
            info = np.iinfo(dtype.as_numpy_dtype)
            if not info.min <= value <= info.max:
                raise ValueError("out of range")
            return np.array(value, dtype.as_numpy_dtype)
        if dtype.is_floating:
            return np.array(float(text.strip()), dtype.as_numpy_dtype)
        if dtype.is_bool:
            return np.array({"true": True, "false": False, "1": True, "0": False}[text.strip().lower()])
    except (ValueError, KeyError):
        raise InvalidArgumentError(f"{where} is not a valid {dtype.name}: {text!r}") from None
    raise TypeError(f"{where}: CSV columns of {dtype.name} are not supported")


def _infer_dtype(texts):
    """The narrowest of int32, int64, float32 and string that every text parses as (TF's inference;
    a column with no values is a string column)."""
    if not texts:
        return string
    kinds = (int32, int64, float32)
    for dtype in kinds:
        try:
            for text in texts:
                _parse_field(text, dtype, "")
            return dtype
        except InvalidArgumentError:
            continue
    return string


def make_csv_dataset(file_pattern, batch_size, column_names=None, column_defaults=None, label_name=None,
                     select_columns=None, field_delim=",", use_quote_delim=True, na_value="", header=True,
                     num_epochs=None, shuffle=True, shuffle_buffer_size=10000, shuffle_seed=None,
                     prefetch_buffer_size=None, num_parallel_reads=None, sloppy=False, num_rows_for_inference=100,
                     compression_type=None, ignore_errors=False, encoding="utf-8"):
    """Batches of CSV records as dicts of column name -> tensor (and a label tensor when `label_name` is
    given), TF's `make_csv_dataset`: column names from the header, types inferred from the first rows,
    shuffled, repeated `num_epochs` times (forever when None)."""
    patterns = _file_names(file_pattern, "make_csv_dataset")
    files = sorted({f for p in patterns for f in (glob.glob(p) or [p])})
    dialect = {"delimiter": field_delim, "quoting": csv.QUOTE_MINIMAL if use_quote_delim else csv.QUOTE_NONE}
    rows = _first_rows(files[0], compression_type, dialect, num_rows_for_inference + (1 if header else 0))
    if column_names is None:
        if not header:
            raise ValueError("make_csv_dataset: give column_names when the files have no header")
        column_names = rows[0]
    column_names = list(column_names)
    if header:
        rows = rows[1:]
    selected = list(range(len(column_names))) if select_columns is None else \
        [c if isinstance(c, int) else column_names.index(c) for c in select_columns]
    names = [column_names[i] for i in selected]
    if label_name is not None and label_name not in names:
        raise ValueError(f"make_csv_dataset: label_name {label_name!r} is not one of the columns {names}")
    if column_defaults is None:
        # Inferred columns are optional, defaulting to zero or "" (a missing field does not fail, as in TF).
        inferred = [_infer_dtype([r[i] for r in rows if i < len(r) and r[i] not in ("", na_value)]) for i in selected]
        column_defaults = [np.array(b"", dtype=object) if d == string else np.zeros((), d.as_numpy_dtype)
                           for d in inferred]
    dataset = CsvDataset(files, column_defaults, compression_type=compression_type, header=header,
                         field_delim=field_delim, use_quote_delim=use_quote_delim, na_value=na_value,
                         select_cols=selected)
    if shuffle:
        dataset = dataset.shuffle(shuffle_buffer_size, shuffle_seed)
    if num_epochs != 1:
        dataset = dataset.repeat(num_epochs)
    dataset = dataset.batch(batch_size, drop_remainder=num_epochs is None)

    def to_dict(*columns):
        features = collections.OrderedDict(zip(names, columns))
        if label_name is None:
            return features
        label = features.pop(label_name)
        return features, label
    dataset = construct("map", dataset, to_dict)
    return dataset.prefetch(AUTOTUNE if prefetch_buffer_size is None else prefetch_buffer_size)


def _first_rows(name, compression_type, dialect, count):
    with _open_text(name, compression_type, "make_csv_dataset") as file:
        rows = []
        for fields in csv.reader(file, **dialect):
            if fields:
                rows.append(fields)
            if len(rows) >= count:
                break
        return rows



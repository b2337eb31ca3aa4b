"""A saved model as Spark's workers run it: found, loaded once per process, called on batches of NumPy arrays.

The driver reads only the signature (`ModelSignature`, from `saved_model.json`: no graphs, no weights);
each Python worker loads the model at its first batch and keeps it for the process (`loaded_signature`,
keyed by path, so every UDF and task of a worker shares one copy). Batches that do not fit the signature
are a `SparkInputError` naming the input and its expected spec.
"""
import collections
import os
import threading

import numpy as np
from pyspark import SparkFiles

from .. import saved_model
from ..saved_model.export import DEFAULT_SIGNATURE
from ..saved_model.format import METADATA_FILE, SavedModelError, read_metadata
from ..saved_model.load import signature_specs
from ..spec import TensorSpec
from .columns import SparkInputError, batch_array, row_shapes

__all__ = ["ModelSignature", "BatchPredictor", "SparkInputError", "SavedModelError", "resolve_model_path",
           "loaded_signature", "load_counts", "ROW_BLOCK"]

#: Batches are padded to a whole number of these rows. BLAS computes a matrix product's rows in blocks
#: (OpenBLAS here: 4 at a time) and the rows left over another way, one ulp apart: padding makes a
#: row's prediction independent of where Spark's batches split the data.
ROW_BLOCK = 32
#: Models a worker process keeps loaded (the least recently used goes first).
MAX_LOADED_MODELS = 4

_loaded = collections.OrderedDict()
_loads = collections.Counter()
_lock = threading.Lock()


def resolve_model_path(model_path):
    """The local directory of `model_path`: the path itself, or the copy Spark shipped under that name.

    A relative name such as `"model"` from `spark-submit --archives model.zip#model` (or
    `SparkContext.addArchive` / `addFile`) is looked up in the task's working directory and Spark's
    files directory. A missing model is a `SavedModelError` naming the path and the places searched.
    """
    path = os.fspath(model_path)
    if os.path.isdir(path):
        return path
    shipped = _shipped_copy(path)
    if shipped is not None:
        return shipped
    raise SavedModelError(f"{path}: no tracegraph saved model here: not a directory on this machine (working "
                          f"directory {os.getcwd()}), nor a name shipped with spark-submit --archives/--files "
                          f"or SparkContext.addArchive/addFile")


def _shipped_copy(name):
    try:
        candidate = SparkFiles.get(name)
    except Exception:  # noqa: BLE001 - no SparkContext (or no files) in this process: nothing was shipped
        return None
    return candidate if os.path.isdir(candidate) else None


class ModelSignature:
    """A saved model's signature as columns see it: its inputs and outputs, `[(name, TensorSpec)]` each.

    Read from `saved_model.json` alone (cheap on the driver). Every input and output must be a tensor
    with a batch dimension (rank 1 or more).
    """

    def __init__(self, model_path, signature_name=DEFAULT_SIGNATURE):
        self.model_path = os.fspath(model_path)
        self.name = signature_name
        path = resolve_model_path(self.model_path)
        signatures = read_metadata(path)["signatures"]
        if signature_name not in signatures:
            raise SavedModelError(f"{path}: no signature {signature_name!r}; the model has {sorted(signatures)}")
        where = f"{os.path.join(path, METADATA_FILE)}: signature {signature_name!r}"
        inputs, outputs = signature_specs(signatures[signature_name], where)
        self.inputs = _batched(inputs, "input", where)
        self.outputs = _batched(outputs, "output", where)

    def __reduce__(self):
        # A worker reads the signature again from its own copy of the model (which may live elsewhere).
        return ModelSignature, (self.model_path, self.name)

    @property
    def input_names(self):
        """The inputs' names, in the order the UDF takes its columns."""
        return [name for name, _ in self.inputs]

    def columns_text(self):
        """The columns the model takes, for error messages."""
        columns = ", ".join(f"{name!r}: {_column_text(spec)}" for name, spec in self.inputs)
        return (f"tracegraph model {self.model_path!r}, signature {self.name!r}, takes {len(self.inputs)} "
                f"column(s), in this order: {columns}")


def _column_text(spec):
    dims = spec.shape.as_list()[1:]
    if not dims:
        return f"{spec.dtype.name} scalars ({spec!r})"
    return f"{spec.dtype.name} arrays of {'x'.join('?' if d is None else str(d) for d in dims)} per row ({spec!r})"


def _batched(specs, kind, where):
    """`specs` ([(name, spec)]), each checked to be a tensor with a batch dimension."""
    for name, spec in specs:
        if not isinstance(spec, TensorSpec) or not spec.shape.rank:
            raise SavedModelError(f"{where}: {kind} {name!r} is {spec!r}; tracegraph.spark handles tensors with a "
                                  f"batch dimension (rank 1 or more) only")
    return specs


def loaded_signature(model_path, signature_name):
    """The signature function of the saved model at `model_path`, loaded once per process.

    Cached by the model's real path and its `saved_model.json`'s modification time, so a model saved
    again to the same path is loaded again.
    """
    path = resolve_model_path(model_path)
    key = (os.path.realpath(path), os.stat(os.path.join(path, METADATA_FILE)).st_mtime_ns, signature_name)
    with _lock:
        if key in _loaded:
            _loaded.move_to_end(key)
            return _loaded[key]
        signatures = saved_model.load(path).signatures
        _loads[key[0]] += 1
        if signature_name not in signatures:
            raise SavedModelError(f"{path}: no signature {signature_name!r}; the model has {sorted(signatures)}")
        _loaded[key] = signatures[signature_name]
        while len(_loaded) > MAX_LOADED_MODELS:
            _loaded.popitem(last=False)
        return _loaded[key]


def load_counts():
    """{real path of a model directory: how many times this process has loaded it} (once, unless it was
    saved again or pushed out of the cache by other models)."""
    with _lock:
        return dict(_loads)


class BatchPredictor:
    """Runs a signature on a batch: one column's values per input (signature order) -> {output name: array}.

    Each column becomes an array of the input's row shape (`columns.batch_array`), cast to the input's
    dtype where NumPy's "same_kind" rule allows (float64 columns feed a float32 model) and checked against
    its spec; anything else is a `SparkInputError`. `input_tensor_shapes` override the signature's row shapes.
    """

    def __init__(self, signature, input_tensor_shapes=None):
        self.signature = signature
        self.row_shapes = row_shapes(signature.inputs, input_tensor_shapes)

    def __call__(self, *columns):
        """{output name: array of len(rows)} for the batch `columns`."""
        inputs = self.signature.inputs
        if len(columns) != len(inputs):
            raise SparkInputError(f"got {len(columns)} column(s) for {len(inputs)} input(s)")
        arrays = [_conform(name, spec, batch_array(name, spec, column, shape))
                  for (name, spec), column, shape in zip(inputs, columns, self.row_shapes)]
        rows = {len(array) for array in arrays}
        if len(rows) != 1:
            raise SparkInputError(f"the inputs have different numbers of rows {sorted(rows)}")
        (count,) = rows
        function = loaded_signature(self.signature.model_path, self.signature.name)
        padded = {name: _padded(array) for (name, _), array in zip(inputs, arrays)}
        return {name: np.asarray(value)[:count] for name, value in function(**padded).items()}


def _conform(name, spec, array):
    want = np.dtype(spec.dtype.as_numpy_dtype)
    if not np.can_cast(array.dtype, want, "same_kind"):
        raise SparkInputError(f"input {name!r}: got {array.dtype} values, expected {spec!r} "
                              f"({array.dtype} does not convert to {want} without changing kind)")
    if not spec.shape.is_compatible_with(array.shape):
        raise SparkInputError(f"input {name!r}: got a batch of shape {array.shape}, expected {spec!r}")
    return array.astype(want, copy=False)


def _padded(array):
    extra = -len(array) % ROW_BLOCK
    if not extra:
        return array
    return np.concatenate([array, np.zeros((extra,) + array.shape[1:], array.dtype)])

"""The batches `fit`, `evaluate` and `predict` iterate: from arrays, tensors, generators or datasets.

Arrays are converted once per `fit` call (floats to the model's float type, as Keras does) and,
when shuffling, permuted once per epoch; a batch is then a slice, so a step costs no copying.
"""
import numpy as np

from ... import distribute, nest, sparse
from ...ops import gather_scatter
from ...sparse import SparseTensor
from ...type_spec import CompositeTensor
from ...data import INFINITE_CARDINALITY
from ...distribute.input import DistributedDataset, DistributedDatasetsFromFunction
from ...distribute.values import PerReplica
from ...convert import convert_to_tensor
from ...tensor import Tensor
from .. import backend

__all__ = ["ArrayBatches", "IterableBatches", "make_batches", "whole_batch", "unpack_x_y_sample_weight", "pack_x_y_sample_weight",
           "train_validation_split"]


def unpack_x_y_sample_weight(data):
    """`(x, y, sample_weight)` from a batch: a tuple of 1 to 3 entries, or `x` alone."""
    if isinstance(data, tuple):
        if not 1 <= len(data) <= 3:
            raise ValueError(f"Data is expected to be in format `x`, `(x,)`, `(x, y)`, or `(x, y, sample_weight)`, "
                             f"found: {data!r}")
        return tuple(data) + (None,) * (3 - len(data))
    return data, None, None


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    """The batch tuple for these parts (trailing Nones left out)."""
    if y is None:
        return (x,)
    return (x, y) if sample_weight is None else (x, y, sample_weight)


def _as_array(value):
    """A NumPy array for an input leaf; floats become the default float type. Ragged and sparse
    tensors stay as they are (their rows are sliced as tensors)."""
    if value is None or isinstance(value, CompositeTensor):
        return value
    array = value.numpy() if isinstance(value, Tensor) else np.asarray(value)
    if array.dtype.kind in "US":  # NumPy str arrays: the bytes objects of a tg.string tensor
        array = convert_to_tensor(array).numpy()
    if array.dtype.kind == "f" and array.dtype != np.dtype(backend.floatx()):
        array = array.astype(backend.floatx())
    return array


def _is_array_data(x):
    """True for arrays, tensors and (nested lists/tuples/dicts of) them: data with a length to slice."""
    leaves = nest.flatten(x)
    return bool(leaves) and all(isinstance(v, (np.ndarray, Tensor, CompositeTensor, list, float, int))
                                or hasattr(v, "__array__") for v in leaves)


def _num_rows(value):
    """The number of samples in an input leaf (its first dimension)."""
    if isinstance(value, SparseTensor):
        return int(value.dense_shape[0])
    if isinstance(value, CompositeTensor):
        return int(value.nrows())
    return len(value)


def _rows(value, start, stop):
    """Samples `start:stop` of an input leaf."""
    if isinstance(value, SparseTensor):
        dense_shape = [int(d) for d in value.dense_shape]
        return sparse.slice(value, [start] + [0] * (len(dense_shape) - 1), [stop - start] + dense_shape[1:])
    return value[start:stop]


def _take_rows(value, order):
    """The samples of an input leaf in the given order."""
    if isinstance(value, CompositeTensor):
        return gather_scatter.gather(value, order)
    return value[order]


def train_validation_split(arrays, validation_split):
    """Split array data into (train, validation), the validation part being the last samples."""
    if not 0.0 < validation_split < 1.0:
        raise ValueError(f"`validation_split` must be between 0 and 1, got {validation_split}")
    length = _num_rows(nest.flatten(arrays)[0])
    split_at = int(length * (1.0 - validation_split))
    if split_at == 0 or split_at == length:
        raise ValueError(f"Training data contains {length} samples, which is not sufficient to split it "
                         f"into a validation and training set as specified by `validation_split={validation_split}`.")
    train = nest.map_structure(lambda a: None if a is None else _rows(a, 0, split_at), arrays)
    validation = nest.map_structure(lambda a: None if a is None else _rows(a, split_at, length), arrays)
    return train, validation


class ArrayBatches:
    """Batches of in-memory data, shuffled per epoch if asked."""

    def __init__(self, x, y=None, sample_weight=None, batch_size=None, shuffle=False, class_weight=None,
                 steps=None):
        if class_weight is not None:
            if sample_weight is not None:
                raise ValueError("You cannot pass both `class_weight` and `sample_weight` at the same time.")
            sample_weight = _class_weights_to_sample_weights(class_weight, y)
        self.data = nest.map_structure(_as_array, pack_x_y_sample_weight(x, y, sample_weight))
        lengths = {_num_rows(a) for a in nest.flatten(self.data) if a is not None}
        if len(lengths) != 1:
            raise ValueError(f"Data cardinality is ambiguous: the arrays hold different numbers of samples "
                             f"{sorted(lengths)}. Make sure all arrays contain the same number of samples.")
        self.num_samples = lengths.pop()
        self.batch_size = batch_size or 32
        self.shuffle = shuffle
        self.rng = np.random  # workers of a MultiWorkerMirroredStrategy share a seeded one
        full_steps = -(-self.num_samples // self.batch_size)
        self.steps = full_steps if steps is None else min(int(steps), full_steps)

    def epoch(self):
        """The batches of one epoch."""
        data = self.data
        if self.shuffle:
            order = self.rng.permutation(self.num_samples)
            data = nest.map_structure(lambda a: None if a is None else _take_rows(a, order), data)
        flat = nest.flatten(data)
        size = self.batch_size
        plain = type(data) is tuple and len(flat) == len(data)   # (x, y[, w]) of arrays: no structure to rebuild
        for step in range(self.steps):
            start = step * size
            batch = [a[start:start + size] if type(a) is np.ndarray else _rows(a, start, min(start + size,
                     self.num_samples)) for a in flat]
            yield tuple(batch) if plain else nest.pack_sequence_as(data, batch)

    def first_batch(self):
        """A batch for building the model before the step is traced."""
        return next(iter(self.epoch()))


class IterableBatches:
    """Batches from a generator, a `tg.data.Dataset` or any iterable of batches."""

    def __init__(self, source, steps=None, whole_passes=False):
        self.source = source
        self.steps = None if steps is None else int(steps)
        self.whole_passes = whole_passes  # each epoch is one whole pass over the source (a dataset's length)
        self._iterator = None
        self._peeked = []
        self.num_samples = None

    def _next(self):
        if self._peeked:
            return self._peeked.pop()
        if self._iterator is None:
            self._iterator = iter(self.source)
        return next(self._iterator)

    def epoch(self):
        """The batches of one epoch: `steps` of them, or until the source ends (then it restarts
        next epoch if it can be iterated again)."""
        count = 0
        while self.steps is None or count < self.steps:
            try:
                batch = self._next()
            except StopIteration:
                self._iterator = None
                if self.steps is not None and count == 0:
                    raise ValueError("The data generator ran out of data before the first step of an epoch; "
                                     "give it enough batches for `steps_per_epoch * epochs`.") from None
                return
            count += 1
            yield self._batch(batch)
        if self.steps is None or self.whole_passes:
            self._iterator = None

    def first_batch(self):
        """Peek one batch (it is still given by the next epoch)."""
        batch = self._next()
        self._peeked.append(batch)
        return self._batch(batch)

    def _batch(self, batch):
        """A batch of the source as a step takes it."""
        return _as_batch(batch)


class DistributedBatches(IterableBatches):
    """Batches of a strategy's distributed dataset, already split: each one `PerReplica` (this worker's
    replicas' parts, also when it has one replica), which the strategy runs as they are. Under a strategy
    of one replica, plain batches."""

    def __init__(self, source, steps=None):
        super().__init__(source, steps)
        self._one_replica = distribute.get_strategy().num_replicas_in_sync == 1

    def first_batch(self):
        """The first replica's part of the first batch (to build the model from)."""
        batch = super().first_batch()
        return batch.values[0] if isinstance(batch, PerReplica) else batch

    def _batch(self, batch):
        parts = batch.values if isinstance(batch, PerReplica) else [batch]
        if self._one_replica:
            return _as_batch(parts[0])
        return PerReplica([_as_batch(part) for part in parts])


def whole_batch(x, y=None, sample_weight=None, class_weight=None):
    """All of the data as one batch (for `train_on_batch` and its kin)."""
    return ArrayBatches(x, y, sample_weight, class_weight=class_weight).data


def _as_batch(batch):
    """A batch with its float arrays in the default float type."""
    if not isinstance(batch, tuple):
        batch = (batch,)
    return nest.map_structure(lambda v: v if isinstance(v, Tensor) else _as_array(v), batch)


def make_batches(x, y=None, sample_weight=None, batch_size=None, shuffle=False, class_weight=None, steps=None):
    """The batch source for `fit`/`evaluate`/`predict`'s data arguments."""
    if _is_array_data(x):
        return ArrayBatches(x, y, sample_weight, batch_size, shuffle, class_weight, steps)
    if y is not None:
        raise ValueError("`y` argument is not supported when using a dataset or a generator as input: "
                         "it must yield `(x, y)` batches itself.")
    if isinstance(x, (DistributedDataset, DistributedDatasetsFromFunction)):
        return DistributedBatches(x, steps)
    if not hasattr(x, "__iter__") and not hasattr(x, "__next__"):
        raise TypeError(f"Unrecognized data type: x={x!r} (of type {type(x).__name__}); expected arrays, "
                        "tensors, a generator or a dataset")
    length = _dataset_length(x) if steps is None else None
    return IterableBatches(x, steps if length is None else length, whole_passes=length is not None)


def _dataset_length(source):
    """A dataset's known number of batches (None if unknown, or for a generator); an endless
    dataset is an error, since `fit` was not given `steps_per_epoch`."""
    cardinality = getattr(source, "cardinality", None)
    if cardinality is None:
        return None
    count = int(cardinality())
    if count == INFINITE_CARDINALITY:
        raise ValueError("When passing an infinitely repeating dataset, please specify a `steps_per_epoch` "
                         "value so that epoch level callbacks continue to work.")
    return count if count >= 0 else None


def _class_weights_to_sample_weights(class_weight, y):
    """Per-sample weights `class_weight[label]` (labels from integers or from one-hot rows)."""
    labels = _as_array(y)
    if labels.ndim > 1 and labels.shape[-1] > 1:
        labels = labels.argmax(axis=-1)
    labels = labels.reshape(len(labels), -1)[:, 0].astype(np.int64)
    table = np.ones(int(max(max(class_weight) + 1, labels.max() + 1)), dtype=backend.floatx())
    for label, weight in class_weight.items():
        table[int(label)] = weight
    return table[labels]

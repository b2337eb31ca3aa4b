"""`tg.io.parse_example` and `parse_single_example`: serialized `tf.train.Example`s into tensors.

One op, `parse_example`, does the work. Its inputs are a vector of serialized Examples and one
default tensor per dense feature (empty when the feature is required), as TF's ParseExampleV2 takes
them; its attrs name the features. It runs on the host like the string ops (a string tensor is a NumPy
object array), decoding each record with the protobuf runtime (`messages`), so it works eagerly
and inside traced functions, `Dataset.map` included. Its outputs are, per sparse feature, the three
components of a SparseTensor, then one dense tensor per dense feature; features are taken in sorted
key order, as TF does.
"""
import itertools
import operator

import numpy as np

from .messages import message_class
from .features import LIST_OF_DTYPE, FixedLenFeature, FixedLenSequenceFeature, VarLenFeature, check_dtype, \
    fixed_shape
from .. import dtypes
from ..convert import convert_to_tensor
from ..core.dispatch import bind
from ..core.op import Op
from ..errors import InvalidArgumentError
from ..ops.array_ops import reshape, squeeze
from ..ops.string_ops import as_string_tensor, to_backend, to_host
from ..shape import TensorShape
from ..sparse import SparseTensor
from ..spec import spec_of

__all__ = ["parse_example", "parse_single_example"]


def _infer(serialized, *defaults, dense_keys, dense_types, dense_shapes, dense_sequence, sparse_keys,
           sparse_types):
    if serialized.dtype != dtypes.string:
        raise TypeError(f"parse_example: `serialized` must be a string tensor, got {serialized.dtype.name}")
    if serialized.shape.rank not in (1, None):
        raise ValueError(f"parse_example: `serialized` must be a vector of records, got shape {serialized.shape}")
    batch = TensorShape([None]) if serialized.shape.rank is None else serialized.shape
    specs = []
    for dtype in sparse_types:
        specs += [spec_of([None, 2], dtypes.int64), spec_of([None], dtypes.as_dtype(dtype)),
                  spec_of([2], dtypes.int64)]
    for dtype, shape, sequence in zip(dense_types, dense_shapes, dense_sequence):
        specs.append(spec_of(batch.concatenate([None] if sequence else []).concatenate(shape), dtypes.as_dtype(dtype)))
    return tuple(specs)


def _impl(xp, serialized, *defaults, dense_keys, dense_types, dense_shapes, dense_sequence, sparse_keys,
          sparse_types):
    maps = _feature_maps(to_host(serialized).reshape(-1))
    outputs = []
    for key, dtype in zip(sparse_keys, sparse_types):
        outputs += _sparse(maps, key, dtype)
    for key, dtype, shape, sequence, default in zip(dense_keys, dense_types, dense_shapes, dense_sequence,
                                                    defaults):
        parse = _sequence if sequence else _dense
        outputs.append(parse(maps, key, dtype, shape, to_host(default)))
    return tuple(to_backend(xp, a) for a in outputs)


_parse_example = Op("parse_example", infer=_infer, impl=_impl, multiple_outputs=True)


def _feature_maps(records):
    """The feature map of each serialized Example."""
    from_string = message_class("Example").FromString
    maps = []
    for index, record in enumerate(records):
        try:
            maps.append(from_string(record).features.feature)
        except Exception as error:  # protobuf's DecodeError, or a TypeError for a non-bytes value
            raise InvalidArgumentError(f"parse_example: record {index} is not a serialized Example "
                                       f"({error}); value: {bytes(record)[:40]!r}") from None
    return maps


def _lists(maps, key, dtype):
    """Per Example, the values of feature `key` (a protobuf repeated field, empty for a feature of no
    kind), or None where the Example lacks it."""
    kind = LIST_OF_DTYPE[dtype]
    values_of = operator.attrgetter(f"{kind}.value")
    features = [m.get(key) for m in maps]   # get: indexing a protobuf map would add the key
    # Reading another kind's list gives an empty one: only empty lists need their kind checked.
    lists = [None if f is None else values_of(f) for f in features]
    for index in [i for i, values in enumerate(lists) if values is not None and not values]:
        found = features[index].WhichOneof("kind")
        if found not in (kind, None):
            raise InvalidArgumentError(f"parse_example: Key: {key}, Index: {index}.  Data types don't match. "
                                       f"Expected type: {dtype}, but the feature holds a {found}")
    return lists


def _flat_array(lists, dtype, total):
    """The values of all `lists`, one after another, as a flat array of `dtype`."""
    values = itertools.chain.from_iterable(lists)
    if dtype != "string":
        return np.fromiter(values, np.dtype(dtype), count=total)
    array = np.empty(total, object)
    array[:] = list(values)
    return array


def _dense(maps, key, dtype, shape, default):
    size = int(np.prod(shape))
    lists = _lists(maps, key, dtype)
    fill = default.reshape(-1).tolist()
    for index, values in enumerate(lists):
        if values is None:
            if default.size == 0 and size:
                raise InvalidArgumentError(f"parse_example: Feature: {key} (data type: {dtype}) is required but "
                                           f"could not be found (record {index}).")
            lists[index] = fill
        elif len(values) != size:
            raise InvalidArgumentError(f"parse_example: Key: {key}, Index: {index}.  Number of {dtype} values != "
                                       f"expected.  Values size: {len(values)} but output shape: {list(shape)}")
    return _flat_array(lists, dtype, size * len(lists)).reshape((len(lists),) + tuple(shape))


def _ragged(maps, key, dtype):
    """Per Example, the values of feature `key` (none where it is missing), and their counts."""
    lists = [() if values is None else values for values in _lists(maps, key, dtype)]
    return lists, np.array([len(values) for values in lists], np.int64)


def _positions(lengths):
    """Each value's row and place in its row, for rows of `lengths` values laid end to end."""
    rows = np.repeat(np.arange(len(lengths), dtype=np.int64), lengths)
    return rows, np.arange(len(rows), dtype=np.int64) - np.repeat(np.cumsum(lengths) - lengths, lengths)


def _sequence(maps, key, dtype, shape, default):
    size = int(np.prod(shape))
    lists, lengths = _ragged(maps, key, dtype)
    for index, length in enumerate(lengths.tolist()):
        if size == 0 or length % size:
            raise InvalidArgumentError(f"parse_example: Key: {key}, Index: {index}.  Number of {dtype} values is "
                                       f"not a multiple of the item size {size} (shape {list(shape)}): {length}")
    flat = _flat_array(lists, dtype, int(lengths.sum()))
    steps = int(lengths.max(initial=0)) // max(size, 1)
    result = np.empty((len(lists), steps * size), flat.dtype)
    result[...] = default.reshape(())
    result[_positions(lengths)] = flat
    return result.reshape((len(lists), steps) + tuple(shape))


def _sparse(maps, key, dtype):
    lists, lengths = _ragged(maps, key, dtype)
    values = _flat_array(lists, dtype, int(lengths.sum()))
    return [np.stack(_positions(lengths), axis=1), values, np.array([len(lists), lengths.max(initial=0)], np.int64)]


# ----- the public functions -------------------------------------------------------------------

def _configuration(features):
    """The op's attrs and the dense features' default tensors, for a dict of feature configurations."""
    if not features:
        raise ValueError("parse_example: Missing: features was empty.")
    attrs = {"dense_keys": [], "dense_types": [], "dense_shapes": [], "dense_sequence": [], "sparse_keys": [],
             "sparse_types": []}
    defaults = []
    for key in sorted(features):
        feature = features[key]
        dtype = check_dtype(key, feature.dtype)
        if isinstance(feature, VarLenFeature):
            attrs["sparse_keys"].append(key)
            attrs["sparse_types"].append(dtype.name)
            continue
        if not isinstance(feature, (FixedLenFeature, FixedLenSequenceFeature)):
            raise TypeError(f"parse_example: feature {key!r} must be a FixedLenFeature, VarLenFeature or "
                            f"FixedLenSequenceFeature, got {type(feature).__name__}")
        sequence = isinstance(feature, FixedLenSequenceFeature)
        if sequence and not feature.allow_missing:
            raise ValueError(f"parse_example: Unsupported: FixedLenSequenceFeature {key!r} requires allow_missing "
                             f"to be True.")
        shape = fixed_shape(key, feature.shape)
        attrs["dense_keys"].append(key)
        attrs["dense_types"].append(dtype.name)
        attrs["dense_shapes"].append(shape)
        attrs["dense_sequence"].append(sequence)
        defaults.append(_default(key, feature.default_value, dtype, () if sequence else shape, sequence))
    return {name: tuple(value) for name, value in attrs.items()}, defaults


def _default(key, value, dtype, shape, sequence):
    """A dense feature's default as a tensor: of `shape`, the padding scalar of a sequence feature,
    or empty (size 0) for a required feature."""
    if value is None:
        if not sequence:
            return convert_to_tensor(np.empty(0, dtype.numpy_dtype), dtype=dtype)
        value = b"" if dtype == dtypes.string else 0
    tensor = convert_to_tensor(value, dtype=dtype)
    size = int(np.prod(shape))
    if tensor.shape.num_elements() == 1 and size != 1:
        return convert_to_tensor(np.full(shape, tensor.numpy().reshape(()), dtype.numpy_dtype), dtype=dtype)
    if tensor.shape.num_elements() != size:
        raise ValueError(f"parse_example: the default_value of feature {key!r} has shape {tensor.shape}, which does "
                         f"not fit the feature's shape {list(shape)}")
    return reshape(tensor, shape)


def parse_example(serialized, features, example_names=None, name=None):
    """Parse a vector of serialized `tf.train.Example`s into a dict of tensors, one per key of
    `features`: a FixedLenFeature gives a dense `[batch, *shape]` tensor, a VarLenFeature a
    SparseTensor of dense shape `[batch, longest]`, a FixedLenSequenceFeature a dense
    `[batch, longest, *shape]` tensor padded with its default value."""
    attrs, defaults = _configuration(features)
    serialized = as_string_tensor(serialized, "parse_example", "serialized")
    outputs = list(bind(_parse_example, [serialized, *defaults], attrs))
    batch = serialized.shape[0] if serialized.shape.rank == 1 else None
    result = {}
    for key in attrs["sparse_keys"]:
        indices, values, dense_shape = outputs[:3]
        del outputs[:3]
        result[key] = SparseTensor._from_parts(indices, values, dense_shape, [batch, None])
    result.update(zip(attrs["dense_keys"], outputs))
    return result


def parse_single_example(serialized, features, name=None, example_names=None):
    """Parse one serialized `tf.train.Example` (a string scalar) into a dict of tensors, as
    `parse_example` does without its batch dimension (a VarLenFeature is a 1-D SparseTensor)."""
    serialized = as_string_tensor(serialized, "parse_single_example", "serialized")
    if serialized.shape.rank not in (0, None):
        raise ValueError(f"parse_single_example: `serialized` must be a scalar, got shape {serialized.shape}")
    parsed = parse_example(reshape(serialized, [1]), features)
    result = {}
    for key, value in parsed.items():
        if isinstance(value, SparseTensor):
            value = SparseTensor._from_parts(value.indices[:, 1:], value.values, value.dense_shape[1:], [None])
        else:
            value = squeeze(value, [0])
        result[key] = value
    return result

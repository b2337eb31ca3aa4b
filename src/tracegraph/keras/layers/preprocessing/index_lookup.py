"""`StringLookup` and `IntegerLookup`: tokens to indices (or back), with Keras 3's index layout.

Indices run: the mask token's 0 (when `mask_token` is set and `output_mode="int"`), then
`num_oov_indices` out-of-vocabulary indices, then the vocabulary. An OOV token goes to the single
OOV index, or with several to `hash % num_oov_indices` (FarmHash of its string; an integer's
`value % num_oov_indices` under IntegerLookup's default `oov_method="floormod"`). `adapt` orders the
vocabulary by decreasing count (ties by decreasing token), as Keras does.
"""
import collections

import numpy as np

from .... import debugging, dtypes, strings
from ....convert import constant
from ....feature_column import lookup_ops
from ....ops import cast as cast_ops
from ....ops.arithmetic import floormod
from ....ops.comparison import greater_equal, less, logical_and, where
from ....ops.gather_scatter import gather
from .base import PreprocessingLayer, as_tensor, batches_of
from .encoding import OUTPUT_MODES, encode_categorical

__all__ = ["StringLookup", "IntegerLookup"]

_INT64_MAX = np.iinfo(np.int64).max


class IndexLookup(PreprocessingLayer):
    """The shared machinery of StringLookup and IntegerLookup (Keras 3's `IndexLookup`)."""

    def __init__(self, max_tokens, num_oov_indices, mask_token, oov_token, vocabulary_dtype, vocabulary=None,
                 idf_weights=None, invert=False, output_mode="int", sparse=False, pad_to_max_tokens=False,
                 oov_method="floormod", salt=None, **kwargs):
        kwargs.pop("vocabulary_size", None)
        kwargs.pop("has_input_vocabulary", None)
        kwargs.pop("dtype", None)
        super().__init__(**kwargs)
        if max_tokens is not None and max_tokens <= 1:
            raise ValueError(f"If set, `max_tokens` must be greater than 1. Received: max_tokens={max_tokens}")
        if pad_to_max_tokens and max_tokens is None:
            raise ValueError("If pad_to_max_tokens is True, must set `max_tokens`. Received: max_tokens=None")
        if num_oov_indices < 0:
            raise ValueError(f"`num_oov_indices` must be greater than or equal to 0. Received: "
                             f"num_oov_indices={num_oov_indices}")
        if output_mode == "binary":
            output_mode = "multi_hot"
        if output_mode not in OUTPUT_MODES:
            raise ValueError(f"Invalid value for argument `output_mode`. Expected one of {OUTPUT_MODES}. "
                             f"Received: output_mode={output_mode}")
        if invert and output_mode != "int":
            raise ValueError(f"`output_mode` must be `'int'` when `invert` is true. Received: "
                             f"output_mode={output_mode}")
        if sparse:
            raise ValueError("`sparse=True` outputs are not supported by tracegraph's lookup layers")
        if oov_method not in ("floormod", "farmhash"):
            raise ValueError(f"`oov_method` must be 'floormod' or 'farmhash'. Received: oov_method={oov_method}")
        self.max_tokens, self.num_oov_indices = max_tokens, num_oov_indices
        self.mask_token, self.oov_token = mask_token, oov_token
        self.vocabulary_dtype = dtypes.as_dtype(vocabulary_dtype).name
        self.invert, self.output_mode, self.sparse = invert, output_mode, sparse
        self.pad_to_max_tokens, self.oov_method, self.salt = pad_to_max_tokens, oov_method, salt
        self._has_input_vocabulary = vocabulary is not None
        self._tokens = []
        self._idf_weights = None
        self._counts, self._document_counts, self._num_documents = collections.Counter(), collections.Counter(), 0
        self._set_tokens([])
        self._vocabulary_set = False
        if output_mode == "tf_idf" and vocabulary is not None and idf_weights is None:
            raise ValueError("When specifying the `vocabulary` argument, in TF-IDF output mode, the "
                             "`idf_weights` argument must also be provided.")
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)
        self.built = True

    # ----- the index layout --------------------------------------------------------------------

    def _oov_start_index(self):
        return 1 if self.mask_token is not None and self.output_mode == "int" else 0

    def _token_start_index(self):
        return self._oov_start_index() + self.num_oov_indices

    def vocabulary_size(self):
        """The number of indices: the vocabulary with the mask and OOV indices."""
        return len(self._tokens) + self._token_start_index()

    def get_vocabulary(self, include_special_tokens=True):
        """The vocabulary in index order (with the mask and OOV tokens unless told otherwise)."""
        special = [self.mask_token] * self._oov_start_index() + [self.oov_token] * self.num_oov_indices
        vocabulary = special + [self._from_key(t) for t in self._tokens]
        return vocabulary if include_special_tokens else vocabulary[self._token_start_index():]

    # ----- setting and learning the vocabulary ------------------------------------------------

    def set_vocabulary(self, vocabulary, idf_weights=None):
        """Use `vocabulary` (a list, array or tensor; or a file with one token per line), optionally
        starting with the mask and OOV tokens; `idf_weights` go with `output_mode="tf_idf"`."""
        if self.output_mode == "tf_idf" and idf_weights is None:
            raise ValueError("`idf_weights` must be set if output_mode is 'tf_idf'.")
        if self.output_mode != "tf_idf" and idf_weights is not None:
            raise ValueError(f"`idf_weights` should only be set if output_mode is `'tf_idf'`. "
                             f"Received: output_mode={self.output_mode} and idf_weights={idf_weights}")
        if isinstance(vocabulary, str):
            with open(vocabulary, encoding="utf-8") as lines:
                vocabulary = [line.rstrip("\n") for line in lines]
        vocabulary = [self._to_key(v) for v in _as_list(vocabulary)]
        if not vocabulary:
            raise ValueError(f"Cannot set an empty vocabulary. Received: vocabulary={vocabulary}")
        start = self._token_start_index()
        special = [self._to_key(t) for t in
                   [self.mask_token] * self._oov_start_index() + [self.oov_token] * self.num_oov_indices]
        found_special = vocabulary[:start] == special
        tokens = vocabulary[start:] if found_special else vocabulary
        repeated = [t for t, n in collections.Counter(tokens).items() if n > 1]
        if repeated:
            raise ValueError(f"The passed vocabulary has at least one repeated term. Please uniquify your "
                             f"dataset. The repeated terms are: {[self._from_key(t) for t in repeated]}")
        for token, role in ((self.mask_token, "mask"), (self.oov_token if self.invert else None, "OOV")):
            if token is not None and self._to_key(token) in tokens:
                raise ValueError(f"Found reserved {role} token at unexpected location in `vocabulary`. Note "
                                 f"that passed `vocabulary` does not need to include the OOV and mask tokens.")
        if self.max_tokens is not None and start + len(tokens) > self.max_tokens:
            raise ValueError(f"Attempted to set a vocabulary larger than the maximum vocab size. Received "
                             f"vocabulary size is {start + len(tokens)}; `max_tokens` is {self.max_tokens}.")
        self._set_tokens(tokens)
        self._vocabulary_set = True
        if idf_weights is not None:
            weights = np.asarray(idf_weights, dtype=np.float64).reshape(-1)
            if len(weights) != len(vocabulary):
                raise ValueError(f"`idf_weights` must be the same length as vocabulary. len(idf_weights) is "
                                 f"{len(weights)}; len(vocabulary) is {len(vocabulary)}")
            front = [] if found_special else [np.average(weights)] * start
            self._set_idf(np.concatenate([front, weights]))

    def adapt(self, data, steps=None):
        """Learn the vocabulary (and IDF weights) from `data`: an array, tensor or list, or the batches
        of a dataset or iterable (at most `steps` of them)."""
        if self._has_input_vocabulary:
            raise ValueError(f"Cannot adapt layer '{self.name}' after setting a static vocabulary via "
                             "`vocabulary` argument or `set_vocabulary()` method.")
        self._counts, self._document_counts, self._num_documents = collections.Counter(), collections.Counter(), 0
        for batch in batches_of(data, steps):
            self.update_state(batch)
        self.finalize_state()

    def update_state(self, data):
        """Count the tokens of one batch."""
        batch = np.asarray(data)
        if batch.ndim < 2:
            batch = batch.reshape(1, -1)
        self._counts.update(self._to_key(v) for v in batch.reshape(-1).tolist())
        if self.output_mode == "tf_idf":
            for row in batch.reshape(batch.shape[0], -1).tolist():
                self._document_counts.update({self._to_key(v) for v in row})
            self._num_documents += batch.shape[0]

    def finalize_state(self):
        """Fix the vocabulary from the counts: most frequent first, ties by decreasing token."""
        counts = dict(self._counts)
        for special in (self.mask_token, self.oov_token):
            if special is not None:
                counts.pop(self._to_key(special), None)
        ordered = [t for t, _ in sorted(counts.items(), key=lambda item: (item[1], item[0]), reverse=True)]
        if self.max_tokens:
            ordered = ordered[:self.max_tokens - self._token_start_index()]
        self._set_tokens(ordered)
        self._vocabulary_set = True
        if self.output_mode == "tf_idf":
            frequencies = np.array([self._document_counts[t] for t in ordered], dtype=np.float64)
            idf = np.log(1 + self._num_documents / (1 + frequencies))
            self._set_idf(np.concatenate([[idf.mean() if len(idf) else 0.0] * self._token_start_index(), idf]))

    def _set_tokens(self, tokens):
        self._tokens = list(tokens)
        # One constant per vocabulary, so the lookup's table is built once (see lookup_ops).
        self._vocabulary_tensor = constant(self._tokens, dtype=self._key_dtype())
        full = [self._to_key(t) for t in self.get_vocabulary()] + [self._to_key(self.oov_token)]
        self._inverse_tensor = constant(full, dtype=self._key_dtype()) if self.invert else None

    def _set_idf(self, weights):
        if self.pad_to_max_tokens and self.max_tokens is not None:
            weights = np.pad(weights, (0, self.max_tokens - len(weights)))
        self._idf_weights = constant(weights.astype(np.float32))

    # ----- calling ----------------------------------------------------------------------------

    def call(self, inputs):
        inputs = self._check_inputs(as_tensor(inputs))
        if self.invert:
            return self._invert(inputs)
        if self.output_mode != "int" and not self.pad_to_max_tokens and not self._vocabulary_set:
            raise RuntimeError(f"When using `output_mode={self.output_mode}` and `pad_to_max_tokens=False`, you "
                               "must set the layer's vocabulary before calling it. Either pass a `vocabulary` "
                               "argument to the layer, or call `adapt` with some sample data.")
        indices = self._lookup(inputs)
        if self.output_mode == "int":
            return indices
        depth = self.max_tokens if self.pad_to_max_tokens else self.vocabulary_size()
        dtype = "float32" if self.output_mode == "tf_idf" else "int64"
        return encode_categorical(indices, self.output_mode, depth, dtype, idf_weights=self._idf_weights)

    def _lookup(self, inputs):
        positions = lookup_ops.vocabulary_lookup(inputs, self._vocabulary_tensor)
        found = greater_equal(positions, 0)
        indices = positions + self._token_start_index()
        if self.num_oov_indices == 0:
            indices = where(found, indices, constant(-1, dtypes.int64))
            debugging.assert_non_negative(indices, message="When `num_oov_indices=0` all inputs should be in "
                                          "vocabulary, found OOV values; consider setting `num_oov_indices=1`.")
        else:
            indices = where(found, indices, self._oov_indices(inputs))
        if self.mask_token is not None:
            mask_value = 0 if self.output_mode == "int" else _INT64_MAX
            is_mask = lookup_ops.equals_token(inputs, self._to_key(self.mask_token))
            indices = where(is_mask, constant(mask_value, dtypes.int64), indices)
        return indices

    def _oov_indices(self, inputs):
        start = self._oov_start_index()
        if self.num_oov_indices == 1:
            return constant(start, dtypes.int64)
        if inputs.dtype.is_integer and self.oov_method != "farmhash":
            return floormod(cast_ops.cast(inputs, dtypes.int64), self.num_oov_indices) + start
        text = inputs if inputs.dtype == dtypes.string else strings.as_string(inputs)
        if self.salt is not None:
            salt = [self.salt, self.salt] if isinstance(self.salt, int) else list(self.salt)
            return strings.to_hash_bucket_strong(text, self.num_oov_indices, key=salt) + start
        return strings.to_hash_bucket_fast(text, self.num_oov_indices) + start

    def _invert(self, indices):
        indices = cast_ops.cast(indices, dtypes.int64)
        size = self.vocabulary_size()
        in_range = logical_and(greater_equal(indices, 0), less(indices, size))
        return gather(self._inverse_tensor, where(in_range, indices, constant(size, dtypes.int64)))

    def compute_output_shape(self, input_shape):
        if self.output_mode == "int":
            return tuple(input_shape)
        depth = self.max_tokens if self.pad_to_max_tokens else self.vocabulary_size()
        if self.output_mode == "one_hot":
            shape = tuple(input_shape)
            return (shape[:-1] if len(shape) > 1 and shape[-1] == 1 else shape) + (depth,)
        return tuple(input_shape)[:-1] + (depth,)

    def get_config(self):
        config = super().get_config()
        config.update({
            "invert": self.invert, "max_tokens": self.max_tokens, "num_oov_indices": self.num_oov_indices,
            "oov_token": self.oov_token, "mask_token": self.mask_token, "output_mode": self.output_mode,
            "sparse": self.sparse, "pad_to_max_tokens": self.pad_to_max_tokens,
            "vocabulary": self.get_vocabulary() if self._tokens else None,
            "idf_weights": None if self._idf_weights is None else self._idf_weights.numpy().tolist(),
        })
        return config


class StringLookup(IndexLookup):
    """Strings to integer indices (or back with `invert=True`), Keras 3's `StringLookup`.

    `StringLookup(vocabulary=["a", "b"])(["a", "x"])` gives `[1, 0]`: index 0 is the OOV `"[UNK]"`.
    """

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token="[UNK]", vocabulary=None,
                 idf_weights=None, invert=False, output_mode="int", pad_to_max_tokens=False, sparse=False,
                 encoding="utf-8", name=None, **kwargs):
        self.encoding = encoding
        kwargs.pop("vocabulary_dtype", None)
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices, mask_token=mask_token,
                         oov_token=oov_token, vocabulary=vocabulary, vocabulary_dtype="string",
                         idf_weights=idf_weights, invert=invert, output_mode=output_mode, sparse=sparse,
                         pad_to_max_tokens=pad_to_max_tokens, oov_method="farmhash", name=name, **kwargs)

    def _key_dtype(self):
        return dtypes.string

    def _to_key(self, token):
        if isinstance(token, bytes):
            return token
        return str(token).encode(self.encoding)

    def _from_key(self, key):
        return key.decode(self.encoding)

    def _check_inputs(self, inputs):
        if not self.invert and inputs.dtype != dtypes.string:
            raise ValueError(f"`StringLookup` expects string inputs, got dtype {inputs.dtype.name}")
        return inputs

    def get_config(self):
        config = super().get_config()
        config["encoding"] = self.encoding
        return config


class IntegerLookup(IndexLookup):
    """Integers to indices (or back with `invert=True`), Keras 3's `IntegerLookup` (OOV token -1).

    `IntegerLookup(vocabulary=[12, 36])([12, 7])` gives `[1, 0]`.
    """

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=-1, vocabulary=None,
                 vocabulary_dtype="int64", idf_weights=None, invert=False, output_mode="int", sparse=False,
                 pad_to_max_tokens=False, name=None, **kwargs):
        if max_tokens is not None and max_tokens <= 1:
            raise ValueError(f"If `max_tokens` is set for `IntegerLookup`, it must be greater than 1. "
                             f"Received: max_tokens={max_tokens}")
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices, mask_token=mask_token,
                         oov_token=oov_token, vocabulary=vocabulary, vocabulary_dtype=vocabulary_dtype,
                         idf_weights=idf_weights, invert=invert, output_mode=output_mode, sparse=sparse,
                         pad_to_max_tokens=pad_to_max_tokens, name=name, **kwargs)

    def _key_dtype(self):
        return dtypes.as_dtype(self.vocabulary_dtype)

    def _to_key(self, token):
        return int(token)

    def _from_key(self, key):
        return key

    def _check_inputs(self, inputs):
        if self.invert:
            return inputs
        if not inputs.dtype.is_integer:
            raise ValueError(f"`IntegerLookup` expects integer inputs, got dtype {inputs.dtype.name}")
        return cast_ops.cast(inputs, self._key_dtype())

    def get_config(self):
        config = super().get_config()
        config["vocabulary_dtype"] = self.vocabulary_dtype
        return config


def _as_list(values):
    """A vocabulary given as a list, tuple, array or tensor, as a flat Python list."""
    if hasattr(values, "numpy"):
        values = values.numpy()
    return np.asarray(values).reshape(-1).tolist() if not isinstance(values, (list, tuple)) else list(values)


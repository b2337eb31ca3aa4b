"""`Hashing`: values hashed into `num_bins` bins, with TF's hashes (so bins agree with Keras on TF)."""
from .... import dtypes, strings
from ....convert import constant
from ....feature_column import lookup_ops
from ....ops import cast as cast_ops
from ....ops.array_ops import squeeze
from ....ops.comparison import equal, where
from .base import PreprocessingLayer, as_tensor
from .encoding import encode_categorical

__all__ = ["Hashing"]


class Hashing(PreprocessingLayer):
    """Hash strings or numbers into bins (Keras 3's `Hashing`).

    Each value is written as a string (floats first truncated to integers) and hashed with FarmHash's
    Fingerprint64, or with `salt` by SipHash-2-4 keyed by it (one integer means `[salt, salt]`).
    With `mask_value`, that value goes to bin 0 and the others to bins `1..num_bins-1`.
    `Hashing(num_bins=3)([["A"], ["B"]])` gives `[[1], [0]]`.
    """

    def __init__(self, num_bins, mask_value=None, salt=None, output_mode="int", sparse=False, **kwargs):
        if kwargs.get("dtype") is None:
            kwargs["dtype"] = "int64" if output_mode == "int" else "float32"
        super().__init__(**kwargs)
        if num_bins is None or num_bins <= 0:
            raise ValueError(f"The `num_bins` for `Hashing` cannot be `None` or non-positive values. "
                             f"Received: num_bins={num_bins}.")
        if output_mode == "int" and self.dtype not in ("int32", "int64"):
            raise ValueError(f"When `output_mode=\"int\"`, `dtype` should be an integer type, 'int32' or "
                             f"'in64'. Received: dtype={self.dtype}")
        if output_mode not in ("int", "one_hot", "multi_hot", "count"):
            raise ValueError(f"Invalid value for argument `output_mode`. Expected one of ('int', 'one_hot', "
                             f"'multi_hot', 'count'). Received: output_mode={output_mode}")
        if sparse:
            raise ValueError("`sparse=True` outputs are not supported by tracegraph's Hashing")
        if salt is not None and not (isinstance(salt, int) or (isinstance(salt, (tuple, list)) and len(salt) == 2)):
            raise ValueError(f"The `salt` argument for `Hashing` can only be a tuple of size 2 integers, or a "
                             f"single integer. Received: salt={salt}.")
        self.num_bins, self.mask_value, self.output_mode, self.sparse = num_bins, mask_value, output_mode, sparse
        self.salt = None if salt is None else [salt, salt] if isinstance(salt, int) else list(salt)

    def call(self, inputs):
        inputs = as_tensor(inputs)
        if self.output_mode == "one_hot" and inputs.shape.rank and inputs.shape[-1] == 1:
            inputs = squeeze(inputs, -1)
        return encode_categorical(self._bins(inputs), self.output_mode, self.num_bins, self.dtype)

    def _bins(self, values):
        bins = self.num_bins
        mask = None
        if self.mask_value is not None and bins > 1:
            bins -= 1
            mask = lookup_ops.equals_token(values, self.mask_value) if values.dtype == dtypes.string else \
                equal(values, constant(self.mask_value, values.dtype))
        if values.dtype.is_floating:
            values = cast_ops.cast(values, dtypes.int64)
        if values.dtype != dtypes.string:
            values = strings.as_string(values)
        if self.salt is not None:
            hashed = strings.to_hash_bucket_strong(values, bins, key=self.salt)
        else:
            hashed = strings.to_hash_bucket_fast(values, bins)
        if mask is not None:
            hashed = where(mask, constant(0, dtypes.int64), hashed + 1)
        return hashed

    def compute_output_shape(self, input_shape):
        if self.output_mode == "int":
            return tuple(input_shape)
        return tuple(input_shape)[:-1] + (self.num_bins,) if input_shape else (self.num_bins,)

    def get_config(self):
        config = super().get_config()
        config.update({"num_bins": self.num_bins, "salt": self.salt, "mask_value": self.mask_value,
                       "output_mode": self.output_mode, "sparse": self.sparse})
        return config

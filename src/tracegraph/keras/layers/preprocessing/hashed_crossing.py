"""`HashedCrossing`: two or more categorical features crossed element by element and hashed,
with TF's `SparseCrossHashed` fingerprints (so bins agree with Keras on TF)."""
from .... import dtypes
from ....feature_column import lookup_ops
from ....ops.array_ops import reshape, squeeze
from .base import PreprocessingLayer, as_tensor
from .encoding import encode_categorical

__all__ = ["HashedCrossing"]


class HashedCrossing(PreprocessingLayer):
    """Cross features of shape `()`, `(batch,)` or `(batch, 1)` into `num_bins` bins (Keras 3's
    `HashedCrossing`). `HashedCrossing(5)((["A", "B"], [101, 101]))` gives `[1, 4]`."""

    def __init__(self, num_bins, output_mode="int", sparse=False, name=None, dtype=None, **kwargs):
        if output_mode == "int" and dtype is None:
            dtype = "int64"
        super().__init__(name=name, dtype=dtype, **kwargs)
        if output_mode not in ("int", "one_hot"):
            raise ValueError(f"Received `output_mode={output_mode}`, expected one of ('int', 'one_hot').")
        if sparse:
            raise ValueError("`sparse=True` outputs are not supported by tracegraph's HashedCrossing")
        self.num_bins, self.output_mode, self.sparse = num_bins, output_mode, sparse

    def _convert_inputs(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(f"`HashedCrossing` should be called on a list or tuple of inputs. Received: "
                             f"inputs={inputs}")
        return tuple(as_tensor(x) for x in inputs)

    def call(self, inputs):
        if len(inputs) < 2:
            raise ValueError(f"`HashedCrossing` should be called on at least two inputs. Received: inputs={inputs}")
        shape = inputs[0].shape
        if shape.rank is None or shape.rank > 2 or (shape.rank == 2 and shape[-1] != 1):
            raise ValueError(f"All `HashedCrossing` inputs should have shape `()`, `(batch_size)` or "
                             f"`(batch_size, 1)`. Received: inputs={inputs}")
        if any(x.shape != shape for x in inputs[1:]):
            raise ValueError(f"All `HashedCrossing` inputs should have equal shape. Received: inputs={inputs}")
        if any(not (x.dtype.is_integer or x.dtype == dtypes.string) for x in inputs):
            raise ValueError(f"All `HashedCrossing` inputs should have an integer or string dtype. "
                             f"Received: inputs={inputs}")
        crossed = lookup_ops.fingerprint_cross(inputs, self.num_bins)
        if self.output_mode == "int":
            return crossed if self.dtype == "int64" else encode_categorical(crossed, "int", 0, self.dtype)
        if shape.rank == 0:
            crossed = reshape(crossed, [1])
        elif shape.rank == 2:
            crossed = squeeze(crossed, -1)
        return encode_categorical(crossed, "one_hot", self.num_bins, self.dtype)

    def compute_output_shape(self, input_shape):
        first = tuple(input_shape[0])
        if self.output_mode == "int":
            return first
        return (first[:-1] if first and first[-1] == 1 else first) + (self.num_bins,)

    def get_config(self):
        config = super().get_config()
        config.update({"num_bins": self.num_bins, "output_mode": self.output_mode, "sparse": self.sparse})
        return config

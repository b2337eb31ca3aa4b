"""`Discretization`: numbers to bucket indices by boundaries, given or learned as quantiles.

`adapt` keeps Keras 3's quantile summary exactly (`summarize`, `merge_summaries`, `compress_summary`
in `keras.src.layers.preprocessing.discretization`): the sorted values sampled every
`len / (1 / epsilon)` steps with their weights, merged batch by batch, then interpolated at
`num_bins` equal cumulative-weight fractions; so learned boundaries equal Keras's.
"""
import numpy as np

from .... import dtypes
from ....convert import constant
from ....ops import cast as cast_ops
from ....ops.comparison import greater_equal
from ....ops.reduction import reduce_sum
from .base import PreprocessingLayer, as_tensor, batches_of
from .encoding import encode_categorical

__all__ = ["Discretization"]


class Discretization(PreprocessingLayer):
    """Bucket numbers (Keras 3's `Discretization`): index i for `bin_boundaries[i-1] <= x < bin_boundaries[i]`.

    Give `bin_boundaries`, or `num_bins` and call `adapt(data)` to learn them as approximate
    quantiles (precision `epsilon`). `Discretization([0., 1.])([-1., 0.5, 3.])` gives `[0, 1, 2]`.
    """

    def __init__(self, bin_boundaries=None, num_bins=None, epsilon=0.01, output_mode="int", sparse=False,
                 dtype=None, name=None, **kwargs):
        super().__init__(name=name, dtype=dtype, **kwargs)
        if sparse:
            raise ValueError("`sparse=True` outputs are not supported by tracegraph's Discretization")
        if output_mode not in ("int", "one_hot", "multi_hot", "count"):
            raise ValueError(f"Invalid value for argument `output_mode`. Expected one of ('int', 'one_hot', "
                             f"'multi_hot', 'count'). Received: output_mode={output_mode}")
        if num_bins is not None and num_bins < 0:
            raise ValueError(f"`num_bins` must be greater than or equal to 0. Received: `num_bins={num_bins}`")
        if num_bins is not None and bin_boundaries is not None:
            raise ValueError(f"Both `num_bins` and `bin_boundaries` should not be set. Received: "
                             f"`num_bins={num_bins}` and `bin_boundaries={bin_boundaries}`")
        if num_bins is None and bin_boundaries is None:
            raise ValueError("You need to set either `num_bins` or `bin_boundaries`.")
        self.bin_boundaries = None if bin_boundaries is None else list(bin_boundaries)
        self.num_bins, self.epsilon, self.output_mode, self.sparse = num_bins, epsilon, output_mode, sparse
        self.summary = None if self.bin_boundaries else np.array([[], []], dtype="float32")

    @property
    def output_dtype(self):
        """int32 indices in "int" mode (as Keras), the layer's float dtype otherwise."""
        return "int32" if self.output_mode == "int" else self.dtype

    def adapt(self, data, steps=None):
        """Learn `num_bins - 1` boundaries from `data` (an array, or batches of a dataset or iterable)."""
        if self.num_bins is None:
            raise ValueError("Cannot adapt a Discretization layer that has been initialized with "
                             "`bin_boundaries`, use `num_bins` instead.")
        self.reset_state()
        for batch in batches_of(data, steps):
            self.update_state(batch)
        self.finalize_state()

    def update_state(self, data):
        """Merge one batch into the quantile summary."""
        summary = summarize(np.asarray(data).astype("float32"), self.epsilon)
        self.summary = merge_summaries(summary, self.summary, self.epsilon)

    def finalize_state(self):
        """Set `bin_boundaries` from the summary."""
        if self.num_bins is not None:
            self.bin_boundaries = get_bin_boundaries(self.summary, self.num_bins).tolist()

    def reset_state(self):
        """Forget what `adapt` saw."""
        if self.num_bins is not None:
            self.summary = np.array([[], []], dtype="float32")

    def call(self, inputs):
        if self.bin_boundaries is None:
            raise ValueError("You need to either pass the `bin_boundaries` argument at construction time or "
                             "call `adapt(dataset)` before you can start using the `Discretization` layer.")
        inputs = as_tensor(inputs)
        if not inputs.dtype.is_floating:
            inputs = cast_ops.cast(inputs, dtypes.float32)
        edges = constant(np.asarray(self.bin_boundaries, dtype=inputs.dtype.numpy_dtype))
        indices = reduce_sum(cast_ops.cast(greater_equal(inputs[..., None], edges), dtypes.int32), axis=-1)
        return encode_categorical(indices, self.output_mode, len(self.bin_boundaries) + 1, self.output_dtype)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self.output_mode == "int":
            return input_shape
        depth = len(self.bin_boundaries) + 1 if self.bin_boundaries is not None else self.num_bins
        if self.output_mode == "one_hot":
            trimmed = input_shape[:-1] if input_shape and input_shape[-1] == 1 and len(input_shape) > 1 else input_shape
            return trimmed + (depth,)
        return (input_shape[0],) + input_shape[2:] + (depth,) if len(input_shape) >= 2 else (depth,)

    def get_config(self):
        config = super().get_config()
        config.update({"bin_boundaries": self.bin_boundaries, "num_bins": self.num_bins, "epsilon": self.epsilon,
                       "output_mode": self.output_mode, "sparse": self.sparse})
        return config

    @classmethod
    def from_config(cls, config):
        if config.get("bin_boundaries") is not None and config.get("num_bins") is not None:
            config = dict(config)
            boundaries = config.pop("bin_boundaries")
            layer = cls(**config)
            layer.bin_boundaries = boundaries
            return layer
        return cls(**config)


def summarize(values, epsilon):
    """A summary `[values, weights]` of a batch: every `step`-th sorted value, weighted `step`."""
    values = np.sort(np.reshape(values, [-1]))
    step = max(np.size(values) / (1.0 / epsilon), 1)
    boundaries = values[int(step - 1)::int(step)]
    return np.stack([boundaries, np.ones_like(boundaries) * step])


def merge_summaries(prev_summary, next_summary, epsilon):
    """Two summaries as one, sorted by value and compressed to the `epsilon` precision."""
    merged = np.concatenate((prev_summary, next_summary), axis=1)
    merged = np.take(merged, np.argsort(merged[0]), axis=1)
    return compress_summary(merged, epsilon)


def get_bin_boundaries(summary, num_bins):
    """The `num_bins - 1` inner quantiles of a summary."""
    return compress_summary(summary, 1.0 / num_bins)[0, :-1]


def compress_summary(summary, epsilon):
    """The summary interpolated at cumulative-weight fractions `epsilon, 2 epsilon, ..., 1`."""
    if summary.shape[1] * epsilon < 1:
        return summary
    percents = epsilon + np.arange(0.0, 1.0, epsilon)
    cum_weights = summary[1].cumsum()
    cum_weight_percents = cum_weights / cum_weights[-1]
    new_bins = np.interp(percents, cum_weight_percents, summary[0])
    cum_weights = np.interp(percents, cum_weight_percents, cum_weights)
    new_weights = cum_weights - np.concatenate((np.array([0]), cum_weights[:-1]))
    return np.stack((new_bins, new_weights)).astype("float32")

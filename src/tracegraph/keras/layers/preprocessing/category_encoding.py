"""`CategoryEncoding`: integer indices in `[0, num_tokens)` as one-hot, multi-hot or count vectors."""
from .base import PreprocessingLayer, as_tensor
from .encoding import encode_categorical

__all__ = ["CategoryEncoding"]


class CategoryEncoding(PreprocessingLayer):
    """Encode integer features (Keras 3's `CategoryEncoding`).

    `output_mode` "one_hot" gives a vector per index, "multi_hot" (the default) and "count" one per
    sample (a row of a 2-D input, or a whole 1-D input); `call(inputs, count_weights=...)` sums the
    weights instead of ones in "count" mode. `CategoryEncoding(4, "one_hot")([3, 0])` gives
    `[[0, 0, 0, 1], [1, 0, 0, 0]]`.
    """

    def __init__(self, num_tokens=None, output_mode="multi_hot", sparse=False, **kwargs):
        super().__init__(**kwargs)
        if output_mode == "binary":
            output_mode = "multi_hot"
        if output_mode not in ("count", "one_hot", "multi_hot"):
            raise ValueError(f"Unknown arg for output_mode: {output_mode}")
        if num_tokens is None:
            raise ValueError("num_tokens must be set to use this layer. If the number of tokens is not known "
                             "beforehand, use the IntegerLookup layer instead.")
        if num_tokens < 1:
            raise ValueError(f"`num_tokens` must be >= 1. Received: num_tokens={num_tokens}.")
        if sparse:
            raise ValueError("`sparse=True` outputs are not supported by tracegraph's CategoryEncoding")
        self.num_tokens, self.output_mode, self.sparse = num_tokens, output_mode, sparse

    def call(self, inputs, count_weights=None):
        if count_weights is not None:
            if self.output_mode != "count":
                raise ValueError(f"`count_weights` is not used when `output_mode` is not `'count'`. "
                                 f"Received `count_weights={count_weights}`.")
            count_weights = as_tensor(count_weights, dtype=self.dtype)
        return encode_categorical(as_tensor(inputs), self.output_mode, self.num_tokens, self.dtype,
                                  count_weights=count_weights)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if not input_shape:
            return (self.num_tokens,)
        if self.output_mode == "one_hot" and (input_shape[-1] != 1 or len(input_shape) == 1):
            return input_shape + (self.num_tokens,)
        return input_shape[:-1] + (self.num_tokens,)

    def get_config(self):
        config = super().get_config()
        config.update({"num_tokens": self.num_tokens, "output_mode": self.output_mode, "sparse": self.sparse})
        return config

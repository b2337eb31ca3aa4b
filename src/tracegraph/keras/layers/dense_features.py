"""`DenseFeatures`: feature columns applied to a dict of inputs, as tf.keras's `DenseFeatures`."""
import math as _math

from ... import feature_column
from ...convert import convert_to_tensor
from ...ops.array_ops import reshape, shape
from ...ops.join_split import concat
from .base import Layer

__all__ = ["DenseFeatures"]


class DenseFeatures(Layer):
    """Concatenate the dense columns' tensors for a dict of features into `(batch, units)`.

    Columns are applied in order of their names (as TF orders them), each flattened to
    `(batch, prod(variable_shape))`. The layer owns the columns' state (embedding tables), created
    when it is built and trained with the model.
    """

    def __init__(self, feature_columns, trainable=True, name=None, **kwargs):
        super().__init__(trainable=trainable, name=name, **kwargs)
        columns = list(feature_columns)
        if not columns:
            raise ValueError("Expected feature_columns to be iterable, found an empty list.")
        for column in columns:
            if not isinstance(column, feature_column.DenseColumn):
                raise ValueError(f"Items of feature_columns must be a DenseColumn. You can wrap a categorical "
                                 f"column with an embedding_column or indicator_column. Given: {column}")
        self._feature_columns = tuple(sorted(columns, key=lambda c: c.name))
        self._column_weights = {}

    @property
    def feature_columns(self):
        """The columns, in the order their outputs are concatenated (by name)."""
        return list(self._feature_columns)

    def build(self, input_shape):
        for column in self._feature_columns:
            for dependency in _with_parents(column):
                dependency.create_state(self)

    def _convert_inputs(self, inputs):
        # Each feature is one value (a list of strings is one tensor, not a structure of leaves).
        if not isinstance(inputs, dict):
            return inputs
        return {key: value if hasattr(value, "shape") and hasattr(value, "dtype") else convert_to_tensor(value)
                for key, value in inputs.items()}

    # ----- the state manager the columns use --------------------------------------------------

    def create_variable(self, column, name, shape, dtype=None, trainable=True, initializer=None):
        """A weight of this layer for `column`, named `<column name>/<name>` (once per column)."""
        key = f"{column.name}/{name}"
        if key not in self._column_weights:
            self._column_weights[key] = self.add_weight(name=key, shape=shape, dtype=dtype,
                                                        initializer=initializer,
                                                        trainable=trainable and self.trainable)
        return self._column_weights[key]

    def get_variable(self, column, name):
        """The weight `create_variable` made for `column`."""
        return self._column_weights[f"{column.name}/{name}"]

    # ----- calling ----------------------------------------------------------------------------

    def call(self, features, cols_to_output_tensors=None, training=None):
        if not isinstance(features, dict):
            raise ValueError(f"We expected a dictionary here. Instead we got: {features}")
        cache = feature_column.FeatureTransformationCache(features)
        outputs = []
        for column in self._feature_columns:
            dense = column.get_dense_tensor(cache, self)
            flat = reshape(dense, [shape(dense)[0], _math.prod(column.variable_shape)])
            if cols_to_output_tensors is not None:
                cols_to_output_tensors[column] = flat
            outputs.append(flat)
        return concat(outputs, axis=-1)

    def compute_output_shape(self, input_shape):
        batch = next(iter(input_shape.values()))[0] if isinstance(input_shape, dict) else None
        return (batch, sum(_math.prod(c.variable_shape) for c in self._feature_columns))

    def get_config(self):
        config = super().get_config()
        config["feature_columns"] = [feature_column.serialize_feature_column(c) for c in self._feature_columns]
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        columns = [feature_column.deserialize_feature_column(c) for c in config.pop("feature_columns")]
        return cls(columns, **config)


def _with_parents(column):
    """`column` and every column it is built from."""
    yield column
    for parent in column.parents:
        yield from _with_parents(parent)

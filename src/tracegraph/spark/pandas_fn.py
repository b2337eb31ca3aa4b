"""`map_in_pandas_fn`: a saved model as a function over pandas DataFrames, for `df.mapInPandas`.

No MLlib needed: the function takes an iterator of pandas DataFrames (Spark's partitions, or any
DataFrames) and yields them with the model's outputs as added columns.
"""
import pandas as pd
from pyspark.sql import types

from ..saved_model.export import DEFAULT_SIGNATURE
from .model import BatchPredictor, ModelSignature, SparkInputError
from .schema import spark_type
from .udf import DEFAULT_BATCH_SIZE

__all__ = ["map_in_pandas_fn", "PandasPredictFunction"]


def map_in_pandas_fn(model_path, input_columns=None, output_columns=None, *, signature_name=DEFAULT_SIGNATURE,
                     batch_size=DEFAULT_BATCH_SIZE, keep_columns=True):
    """A function for `df.mapInPandas(fn, fn.schema(df.schema))` running the saved model at `model_path`.

    `input_columns` says where each signature input comes from: a dict `{input name: column}`, or a
    list with one entry per input in the signature's order; an entry is a column name (a numeric column,
    or an array column holding each row's values flattened) or a list of numeric column names stacked
    as the input's features. For a one-input model a plain list of several names is that input's
    features (`["f0", ..., "f7"]`). Default: columns named like the inputs. `output_columns` renames the
    outputs (a dict, or a list in the signature's order); default: the outputs' names. With
    `keep_columns`, the input DataFrame's columns come first. The function also works on plain pandas:
    `pd.concat(fn([frame]))`.
    """
    signature = ModelSignature(model_path, signature_name)
    return PandasPredictFunction(signature, _input_sources(signature, input_columns),
                                 _output_names(signature, output_columns), batch_size, keep_columns)


class PandasPredictFunction:
    """Iterator of pandas DataFrames -> iterator of them with the model's outputs as columns (picklable)."""

    def __init__(self, signature, sources, output_names, batch_size, keep_columns):
        self.signature, self.sources, self.output_names = signature, sources, output_names
        self.batch_size, self.keep_columns = int(batch_size), keep_columns
        self._predictor = BatchPredictor(signature)

    def __call__(self, frames):
        """Yield each frame of `frames`, `batch_size` rows at a time, with the prediction columns."""
        for frame in frames:
            for start in range(0, len(frame), self.batch_size):
                yield self.predict_frame(frame.iloc[start:start + self.batch_size])

    def predict_frame(self, frame):
        """`frame` (kept or not, per `keep_columns`) with the model's outputs for its rows as new columns."""
        try:
            outputs = self._predictor(*[_input_values(frame, name, source)
                                        for name, source in zip(self.signature.input_names, self.sources)])
        except SparkInputError as error:
            raise SparkInputError(f"{error}; {self.signature.columns_text()}") from None
        result = frame if self.keep_columns else pd.DataFrame(index=frame.index)
        columns = {self.output_names[name]: _output_column(values, frame.index) for name, values in outputs.items()}
        return result.assign(**columns)

    def schema(self, input_schema=None):
        """The Spark schema of the frames it yields: `input_schema`'s fields (with `keep_columns`), then
        one field per output."""
        if self.keep_columns and input_schema is None:
            raise ValueError("keep_columns=True: pass the input DataFrame's schema (fn.schema(df.schema))")
        fields = list(input_schema.fields) if self.keep_columns else []
        fields += [types.StructField(self.output_names[name], spark_type(name, spec), nullable=False)
                   for name, spec in self.signature.outputs]
        return types.StructType(fields)


def _input_sources(signature, input_columns):
    names = signature.input_names
    if input_columns is None:
        return names
    if isinstance(input_columns, str):
        input_columns = [input_columns]
    if isinstance(input_columns, dict):
        unknown = sorted(set(input_columns) - set(names))
        missing = [name for name in names if name not in input_columns]
        if unknown or missing:
            raise SparkInputError(f"input_columns names the inputs {sorted(input_columns)}; missing {missing}, "
                                  f"unknown {unknown}; {signature.columns_text()}")
        return [input_columns[name] for name in names]
    input_columns = list(input_columns)
    if len(names) == 1 and len(input_columns) > 1 and all(isinstance(c, str) for c in input_columns):
        return [input_columns]  # a one-input model's feature columns
    if len(input_columns) != len(names):
        raise SparkInputError(f"input_columns has {len(input_columns)} entries for {len(names)} input(s); "
                              f"{signature.columns_text()}")
    return input_columns


def _output_names(signature, output_columns):
    names = [name for name, _ in signature.outputs]
    if output_columns is None:
        return dict(zip(names, names))
    if isinstance(output_columns, str):
        output_columns = [output_columns]
    if not isinstance(output_columns, dict):
        output_columns = list(output_columns)
        if len(output_columns) != len(names):
            raise ValueError(f"output_columns has {len(output_columns)} names for the outputs {names}")
        output_columns = dict(zip(names, output_columns))
    unknown = sorted(set(output_columns) - set(names))
    if unknown:
        raise ValueError(f"output_columns names unknown outputs {unknown}; the outputs are {names}")
    return {name: output_columns.get(name, name) for name in names}


def _input_values(frame, name, source):
    """The values of input `name` from `frame`'s column(s) `source` (BatchPredictor shapes them)."""
    sources = source if isinstance(source, list) else [source]
    missing = [column for column in sources if column not in frame.columns]
    if missing:
        raise SparkInputError(f"input {name!r}: no column {missing} in the DataFrame (its columns: "
                              f"{list(frame.columns)})")
    return frame[source].to_numpy()


def _output_column(values, index):
    """A scalar column for one value per row, else a column of 1-D arrays."""
    rows = values.reshape(len(values), -1)
    if rows.shape[1] == 1:
        return pd.Series(rows[:, 0], index=index)
    column = pd.Series([None] * len(rows), index=index, dtype=object)
    column[:] = list(rows)
    return column

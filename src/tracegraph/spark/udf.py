"""`predict_batch_udf`: a saved model as a Spark UDF, on `pyspark.ml.functions.predict_batch_udf`.

Spark hands each Python worker column batches as NumPy arrays (an array column's rows reshaped to the
input's row shape: the signature's, or `input_tensor_shapes`); the worker's model, loaded once per
process, predicts them, and the results come back as a column (scalar, array or struct).
"""
import functools
import inspect
from typing import Iterator, Union

import numpy as np
import pandas as pd
from pyspark import SparkContext
from pyspark.ml import functions as ml_functions
from pyspark.sql.functions import pandas_udf

from ..saved_model.export import DEFAULT_SIGNATURE
from .columns import SparkInputError, flat_rows, row_shapes
from .java import ensure_java
from .model import BatchPredictor, ModelSignature, SavedModelError
from .schema import checked_return_type, spark_result

__all__ = ["predict_batch_udf", "DEFAULT_BATCH_SIZE"]

#: Rows per call of the model: Spark's Arrow batches hold 10,000 rows by default.
DEFAULT_BATCH_SIZE = 10_000


def predict_batch_udf(model_path, *, return_type=None, batch_size=DEFAULT_BATCH_SIZE, input_tensor_shapes=None,
                      signature_name=DEFAULT_SIGNATURE):
    """A Spark UDF that runs signature `signature_name` of the tracegraph saved model at `model_path`.

    Call it with one column per signature input, in the signature's order: a numeric column for an
    input of shape `[None]` (or `[None, 1]`), an array column (e.g. `F.array(*feature_columns)`) holding
    each row's values flattened for a wider input (or, for a one-input model, `F.struct(*feature_columns)`).
    It returns a column: a scalar for an output with one value per row, an array for a wider output, a
    struct of the outputs' names for several outputs.

    `return_type` (a Spark DataType, or a DDL string with a SparkSession active) defaults to that; `batch_size` rows go to the model
    per call; `input_tensor_shapes` (as in `pyspark.ml.functions.predict_batch_udf`) default to the
    signature's shapes. `model_path` is a directory every worker can read (a shared path), or the name of
    a directory shipped with `spark-submit --archives model.zip#name`. Each Python worker loads the model
    once and keeps it. Columns that do not fit the signature fail the job with an error naming the input
    and its expected spec.
    """
    if SparkContext._active_spark_context is None:
        ensure_java()  # before the session that will run the UDF starts its JVM
    signature = ModelSignature(model_path, signature_name)
    return_type = checked_return_type(signature.outputs, return_type)
    spark_shapes = _spark_shapes(signature, row_shapes(signature.inputs, input_tensor_shapes))
    make_predict_fn = functools.partial(_make_predict_fn, signature, input_tensor_shapes, return_type)
    batched = ml_functions.predict_batch_udf(make_predict_fn, return_type=return_type, batch_size=batch_size,
                                             input_tensor_shapes=spark_shapes)
    prepared = _prepared(batched.func, signature, spark_shapes)
    return _counting_columns(pandas_udf(prepared, return_type), signature)


def _spark_shapes(signature, shapes):
    """The `input_tensor_shapes` Spark's batching gets. With one input, an array column comes to it as 2-D
    (`_prepared` flattens it, far faster than Spark's row-by-row `vstack`) and leaves as (rows, values per
    row); with several, each column passes through as it is. `BatchPredictor` shapes the rows."""
    if len(shapes) > 1:
        return [None] * len(shapes)
    (shape,) = shapes
    if not shape:
        return None
    if None in shape:
        name, spec = signature.inputs[0]
        raise ValueError(f"input {name!r} is {spec!r}: its rows' shape is not known; give it as "
                         f"input_tensor_shapes=[[...]] (the shape each row's flattened array takes)")
    return [[int(np.prod(shape, dtype=np.int64))]]


def _make_predict_fn(signature, input_tensor_shapes, return_type):
    """Runs on the worker, once per UDF and process: the predict function Spark calls with each batch."""
    predictor = BatchPredictor(signature, input_tensor_shapes)

    def predict(*arrays):
        return spark_result(predictor(*arrays), return_type)

    # Spark matches columns to inputs by the predict function's parameter count.
    predict.__signature__ = inspect.Signature(
        [inspect.Parameter(f"input_{k}", inspect.Parameter.POSITIONAL_ONLY) for k in range(len(signature.inputs))])
    return predict


def _prepared(predict_batches, signature, spark_shapes):
    """Spark's batch function, fed one input's array column as a 2-D frame, its errors about the columns
    completed with the columns the model takes."""
    columns_text = signature.columns_text()

    def flattened(batch):
        if len(signature.inputs) > 1 or not isinstance(batch, pd.Series) or batch.dtype != object:
            return batch
        (name, spec), ((per_row,),) = signature.inputs[0], spark_shapes
        rows = flat_rows(name, spec, batch.to_numpy())
        if rows.shape[1] != per_row:
            raise SparkInputError(f"input {name!r}: rows hold {rows.shape[1]} values, expected {per_row} ({spec!r})")
        return pd.DataFrame(rows, index=batch.index)

    def predict(data: Iterator[Union[pd.Series, pd.DataFrame]]) -> Iterator[pd.DataFrame]:
        try:
            yield from predict_batches(flattened(batch) for batch in data)
        except SparkInputError as error:
            raise SparkInputError(f"{error}; {columns_text}") from None
        except SavedModelError:
            raise  # the model itself (missing on this worker, damaged): not about the columns
        except (ValueError, TypeError) as error:
            raise SparkInputError(f"{type(error).__name__}: {error}; {columns_text}") from error

    return predict


def _counting_columns(spark_udf, signature):
    """`spark_udf` (its attributes kept: it registers and behaves as Spark's UDF) refusing, when called on
    the driver, a number of columns other than the signature's inputs."""

    @functools.wraps(spark_udf)
    def udf(*columns, **named_columns):
        if not named_columns and len(columns) != len(signature.inputs):
            raise SparkInputError(f"got {len(columns)} column(s); {signature.columns_text()}")
        return spark_udf(*columns, **named_columns)

    return udf

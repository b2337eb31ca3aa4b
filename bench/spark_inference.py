"""Batch inference on Spark (issue 18): rows/s of a saved model through `tracegraph.spark` in `local[2]`,
against the same model's single-process `predict` on the same rows.

The model is the bench's Keras MLP, 8 -> 30 (relu) -> 1, exported with `tg.saved_model.save`. The rows
(8 float32 features) are made by Spark, cached in memory as 8 columns and as an array column, and
collected once for the single-process run, so both sides predict the same values (and the results are
checked equal).

- `single process`: the saved model loaded in this process, called on all the rows at once, and in
  `--batch-size` slices as Spark's workers call it.
- `spark predict_batch_udf` (on the array column, and on `F.struct` of the 8 columns), `spark mapInPandas`
  (the array column): the rows through the UDF / the pandas function,
  written to Spark's `noop` sink (everything computed, nothing stored). The first run (workers start,
  import tracegraph and load the model) is reported apart; the figure is the median of the next runs.

    python3 bench/spark_inference.py [--rows 1000000] [--batch-size 10000] [--repeats 3] [--master local[2]]
"""
import argparse
import os
import statistics
import tempfile
import time

import numpy as np


def _model(path):
    from tracegraph import keras  # noqa: PLC0415 - a bench script: imports where they are used
    import tracegraph.saved_model as saved_model  # noqa: PLC0415 - a bench script
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(30, activation="relu"), keras.layers.Dense(1)])
    saved_model.save(model, path)


def _timed(run, repeats):
    """(seconds of the first run, median seconds of `repeats` more)."""
    start = time.perf_counter()
    run()
    first = time.perf_counter() - start
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return first, statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--batch-size", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--master", default="local[2]")
    args = parser.parse_args()

    import tracegraph as tg  # noqa: PLC0415 - a bench script
    import tracegraph.saved_model as saved_model  # noqa: PLC0415 - a bench script
    from pyspark.sql import functions as F  # noqa: PLC0415 - a bench script
    from tracegraph import spark as tg_spark  # noqa: PLC0415 - a bench script

    path = os.path.join(tempfile.mkdtemp(prefix="tg-spark-bench-"), "mlp")
    _model(path)
    session_start = time.perf_counter()
    spark = tg_spark.local_session(args.master, app_name="tracegraph-bench")
    session_seconds = time.perf_counter() - session_start
    features = [F.sin(F.col("id") * (0.37 + 0.11 * i)).cast("float") for i in range(8)]
    names = [f"f{i}" for i in range(8)]
    df = spark.range(args.rows).select(*[f.alias(name) for f, name in zip(features, names)])
    df = df.withColumn("features", F.array(*names)).cache()
    df.count()
    x = np.stack(df.toPandas()["features"].to_numpy()).astype(np.float32)

    serve = saved_model.load(path).signatures["serving_default"]
    time.sleep(2.0)  # the background compile of the loaded functions is done
    whole = _timed(lambda: serve(inputs=x)["output_0"].numpy(), args.repeats)
    sliced = _timed(lambda: [serve(inputs=x[i:i + args.batch_size])["output_0"].numpy()
                             for i in range(0, len(x), args.batch_size)], args.repeats)

    udf = tg_spark.predict_batch_udf(path, batch_size=args.batch_size)
    predicted = df.select(udf("features").alias("y"))
    by_udf = _timed(lambda: predicted.write.format("noop").mode("overwrite").save(), args.repeats)
    from_struct = df.select(udf(F.struct(*names)).alias("y"))
    by_udf_struct = _timed(lambda: from_struct.write.format("noop").mode("overwrite").save(), args.repeats)
    fn = tg_spark.map_in_pandas_fn(path, "features", ["y"], batch_size=args.batch_size, keep_columns=False)
    mapped = df.mapInPandas(fn, fn.schema())
    by_pandas = _timed(lambda: mapped.write.format("noop").mode("overwrite").save(), args.repeats)
    same = np.array_equal(predicted.toPandas()["y"].to_numpy(), serve(inputs=x)["output_0"].numpy()[:, 0])
    spark.stop()

    base = args.rows / whole[1]
    print(f"# Spark batch inference, MLP 8-30-1 (relu), {args.rows:,} rows, batch {args.batch_size:,}, "
          f"{args.master}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    print(f"# tracegraph backend {tg.config.get_backend()}; SparkSession start {session_seconds:.1f} s; "
          f"Spark results equal single-process predict: {same}")
    print(f"{'path':<42} {'rows/s':>12} {'vs single':>10} {'first run s':>12}")
    for name, (first, median) in [("single process, all rows in one call", whole),
                                  (f"single process, {args.batch_size:,}-row calls", sliced),
                                  ("spark predict_batch_udf, array column", by_udf),
                                  ("spark predict_batch_udf, struct column", by_udf_struct),
                                  ("spark mapInPandas, array column", by_pandas)]:
        rate = args.rows / median
        print(f"{name:<42} {rate:>12,.0f} {rate / base:>9.2f}x {first:>12.2f}")


if __name__ == "__main__":
    main()

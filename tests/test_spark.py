"""tracegraph.spark: saved models predicting on Spark DataFrames in local mode (`local[2]`), as a user runs them.

One SparkSession serves the module (a JVM takes seconds to start). Every prediction is compared exactly
with the saved model loaded in this process and called once on all the rows.
"""
import os
import shutil
import subprocess

import numpy as np
import pytest

if not os.environ.get("CI"):  # CI installs the spark extra and must run these tests, never skip them
    pytest.importorskip("pyspark", reason="the spark extra (pip install -e '.[spark]') is not installed")

import pandas as pd  # noqa: E402
from pyspark.sql import functions as F  # noqa: E402
from pyspark.sql import types as T  # noqa: E402

import tracegraph.saved_model as saved_model  # noqa: E402
from tracegraph import keras  # noqa: E402
from tracegraph import spark as tg_spark  # noqa: E402

FEATURES = [f"f{i}" for i in range(8)]


#: For short jobs on small data: the JVM's quick compiler only, and no generated Java code per query
#: (each costs seconds of CPU that these tests would not win back).
QUICK_START = {"spark.driver.extraJavaOptions": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC",
               "spark.sql.codegen.wholeStage": "false"}


@pytest.fixture(scope="module")
def spark():
    session = tg_spark.local_session("local[2]", app_name="tracegraph-tests", config=QUICK_START)
    yield session
    session.stop()


def _save(tmp_path_factory, name, model):
    path = str(tmp_path_factory.mktemp("models") / name)
    saved_model.save(model, path)
    return path


def _predict(path, **inputs):
    """The reference: the saved model loaded in this process, called once on all the rows."""
    outputs = saved_model.load(path).signatures["serving_default"](**inputs)
    return {name: value.numpy() for name, value in outputs.items()}


@pytest.fixture(scope="module")
def mlp_path(tmp_path_factory):
    """The bench's MLP, 8 -> 30 (relu) -> 1."""
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(30, activation="relu"), keras.layers.Dense(1)])
    return _save(tmp_path_factory, "mlp", model)


def _frame(spark, rows, seed=0, partitions=None):
    """`rows` rows of an id and 8 float features, made by Spark (no data sent from this process)."""
    return spark.range(0, rows, 1, partitions).select("id", *[F.sin(F.col("id") * (0.37 + 0.11 * i) + seed).cast("float").alias(name)
                                            for i, name in enumerate(FEATURES)])


def _collected(frame, *columns):
    """`frame`'s rows in this process: the features as an (n, 8) float32 array, and `columns`."""
    result = frame.toPandas()
    return (result[FEATURES].to_numpy(),) + tuple(result[column] for column in columns)


def test_100000_rows_through_the_udf_equal_single_process_predict(spark, mlp_path):
    # batches of 4093 rows leave a few rows over BLAS's row blocks: without padding them they would be 1 ulp off
    udf = tg_spark.predict_batch_udf(mlp_path, batch_size=4093)
    x, ids, y = _collected(_frame(spark, 100_000).withColumn("y", udf(F.array(*FEATURES))), "id", "y")
    assert ids.tolist() == list(range(100_000))
    assert y.dtype == np.float32  # FloatType: the [None, 1] output is a scalar column
    np.testing.assert_array_equal(y.to_numpy(), _predict(mlp_path, inputs=x)["output_0"][:, 0])


def test_each_worker_loads_the_model_once_for_every_udf_and_task(spark, mlp_path):
    for _ in range(2):  # two UDFs of one model, each run as 6 tasks on the 2 workers
        udf = tg_spark.predict_batch_udf(mlp_path, batch_size=500)
        _frame(spark, 3000, partitions=6).select(udf(F.array(*FEATURES))).collect()
    real_path = os.path.realpath(mlp_path)

    def loads_in_this_worker(frames):  # runs in the workers (a closure: pickled by value)
        from tracegraph.spark import model  # noqa: PLC0415 - imported where it runs, in the Python worker
        for _ in frames:
            yield pd.DataFrame({"pid": [os.getpid()], "loads": [model.load_counts().get(real_path, 0)]})

    loads = _frame(spark, 6, partitions=6).mapInPandas(loads_in_this_worker, "pid long, loads long").toPandas()
    assert set(loads["loads"]) <= {0, 1} and 1 in set(loads["loads"]), loads


def test_array_outputs_come_back_as_array_columns(spark, tmp_path_factory):
    keras.utils.set_random_seed(1)
    path = _save(tmp_path_factory, "wide", keras.Sequential([keras.Input((8,)), keras.layers.Dense(30, "relu"),
                                                             keras.layers.Dense(3)]))
    udf = tg_spark.predict_batch_udf(path, batch_size=300)
    assert udf.returnType == T.ArrayType(T.FloatType(), containsNull=False)
    # the features as a struct column this time (an array column works the same)
    x, y = _collected(_frame(spark, 1000, seed=1).withColumn("y", udf(F.struct(*FEATURES))), "y")
    np.testing.assert_array_equal(np.stack(y), _predict(path, inputs=x)["output_0"])


def test_several_named_outputs_come_back_as_a_struct(spark, tmp_path_factory):
    keras.utils.set_random_seed(2)
    inputs = keras.Input((8,))
    hidden = keras.layers.Dense(30, activation="relu")(inputs)
    model = keras.Model(inputs, {"score": keras.layers.Dense(1)(hidden), "embedding": keras.layers.Dense(4)(hidden)})
    path = _save(tmp_path_factory, "two_outputs", model)
    udf = tg_spark.predict_batch_udf(path)
    assert udf.returnType == T.StructType([T.StructField("embedding", T.ArrayType(T.FloatType(), False)),
                                           T.StructField("score", T.FloatType())])
    frame = _frame(spark, 1000, seed=2).withColumn("p", udf(F.array(*FEATURES))).select(*FEATURES, "p.*")
    x, score, embedding = _collected(frame, "score", "embedding")
    expected = _predict(path, inputs=x)
    np.testing.assert_array_equal(score.to_numpy(), expected["score"][:, 0])
    np.testing.assert_array_equal(np.stack(embedding), expected["embedding"])
    fn = tg_spark.map_in_pandas_fn(path, FEATURES, {"embedding": "e"}, keep_columns=False)
    mapped = _frame(spark, 1000, seed=2).mapInPandas(fn, fn.schema()).toPandas()
    assert list(mapped.columns) == ["e", "score"]
    np.testing.assert_array_equal(np.stack(mapped["e"]), expected["embedding"])


def test_several_input_columns_feed_the_inputs_in_signature_order(spark, tmp_path_factory):
    keras.utils.set_random_seed(3)
    a, b = keras.Input((5,), name="a"), keras.Input((1,), name="b")
    hidden = keras.layers.Concatenate()([keras.layers.Dense(6, activation="relu")(a), b])
    path = _save(tmp_path_factory, "two_inputs", keras.Model([a, b], keras.layers.Dense(2)(hidden)))
    udf = tg_spark.predict_batch_udf(path, batch_size=256)
    # an array column for `a`; `b`, one value per row, from a plain double column (cast to float32)
    frame = _frame(spark, 1000, seed=3).withColumn("y", udf(F.array(*FEATURES[:5]), F.col("f7").cast("double")))
    x, y = _collected(frame, "y")
    np.testing.assert_array_equal(np.stack(y), _predict(path, inputs=x[:, :5], inputs_1=x[:, 7:8])["output_0"])


def test_map_in_pandas_adds_the_prediction_column(spark, mlp_path):
    df = _frame(spark, 5000, seed=4)
    fn = tg_spark.map_in_pandas_fn(mlp_path, FEATURES, ["prediction"], batch_size=1000)
    schema = fn.schema(df.schema)
    assert schema.names == ["id", *FEATURES, "prediction"]
    x, ids, y = _collected(df.mapInPandas(fn, schema), "id", "prediction")
    assert ids.tolist() == list(range(5000))
    np.testing.assert_array_equal(y.to_numpy(), _predict(mlp_path, inputs=x)["output_0"][:, 0])


def test_the_pandas_function_also_runs_on_plain_pandas_with_an_array_column(mlp_path):
    x = np.random.default_rng(5).standard_normal((700, 8))
    fn = tg_spark.map_in_pandas_fn(mlp_path, "features", keep_columns=False, batch_size=256)
    result = pd.concat(fn([pd.DataFrame({"features": list(x)})]))
    assert list(result.columns) == ["output_0"]
    expected = _predict(mlp_path, inputs=x.astype(np.float32))["output_0"][:, 0]
    np.testing.assert_array_equal(result["output_0"].to_numpy(), expected)


def test_a_model_shipped_as_an_archive_is_found_by_its_name(spark, mlp_path, tmp_path):
    archive = shutil.make_archive(str(tmp_path / "model"), "zip", mlp_path)
    spark.sparkContext.addArchive(f"{archive}#shipped_mlp")
    udf = tg_spark.predict_batch_udf("shipped_mlp", return_type=T.DoubleType())  # and a return type of choice
    x, y = _collected(_frame(spark, 500, seed=6).withColumn("y", udf(F.array(*FEATURES))), "y")
    assert y.dtype == np.float64
    np.testing.assert_array_equal(y.to_numpy(), _predict(mlp_path, inputs=x)["output_0"][:, 0].astype(np.float64))


def test_a_rows_prediction_does_not_depend_on_where_batches_split(mlp_path):
    x = np.random.default_rng(8).standard_normal((100_000, 8)).astype(np.float32)
    fn = tg_spark.map_in_pandas_fn(mlp_path, FEATURES, batch_size=4093)  # 4093: rows left over BLAS's blocks
    result = pd.concat(fn([pd.DataFrame(x, columns=FEATURES)]))
    np.testing.assert_array_equal(result["output_0"].to_numpy(), _predict(mlp_path, inputs=x)["output_0"][:, 0])


def test_null_and_ragged_rows_are_errors_naming_the_input(mlp_path):
    fn = tg_spark.map_in_pandas_fn(mlp_path, "features")
    for rows, problem in [([np.ones(8), None], "null values"), ([np.ones(8), np.ones(7)], "different lengths")]:
        with pytest.raises(tg_spark.SparkInputError, match=f"input 'inputs': .*{problem}.*TensorSpec"):
            list(fn([pd.DataFrame({"features": rows})]))


def test_a_missing_model_path_is_an_error_naming_it(tmp_path):
    missing = str(tmp_path / "no_model_here")
    with pytest.raises(saved_model.SavedModelError, match="no_model_here: no tracegraph saved model here"):
        tg_spark.predict_batch_udf(missing)
    with pytest.raises(saved_model.SavedModelError, match="no_model_here"):
        tg_spark.map_in_pandas_fn(missing, FEATURES)


def test_an_unknown_signature_or_a_mismatching_return_type_is_refused_at_once(mlp_path):
    with pytest.raises(saved_model.SavedModelError, match=r"no signature 'predict'; the model has \['serving_default'\]"):
        tg_spark.predict_batch_udf(mlp_path, signature_name="predict")
    with pytest.raises(ValueError, match="return_type has the fields"):
        tg_spark.predict_batch_udf(mlp_path, return_type=T.StructType([T.StructField("y", T.FloatType())]))


def test_wrong_rows_and_column_counts_fail_naming_the_input_and_its_spec(spark, mlp_path):
    df = _frame(spark, 64, seed=7)
    udf = tg_spark.predict_batch_udf(mlp_path)
    expected = r"'inputs': float32 arrays of 8 per row \(TensorSpec\(shape=\(None, 8\)"
    with pytest.raises(Exception, match="input 'inputs': rows hold 7 values, expected 8 .*" + expected):  # worker
        df.select(udf(F.array(*FEATURES[:7]))).collect()
    with pytest.raises(tg_spark.SparkInputError, match="got 2 column.s.; .*" + expected):  # on the driver
        udf(F.array(*FEATURES), "id")
    with pytest.raises(tg_spark.SparkInputError, match=r"input 'inputs': got a batch of shape \(64, 7\), expected "
                                                       r"TensorSpec\(shape=\(None, 8\)"):
        list(tg_spark.map_in_pandas_fn(mlp_path, FEATURES[:7])([df.toPandas()]))


def _fake_java_home(root, version):
    """A directory that looks like a Java runtime of `version` to `find_java_home`."""
    (root / "bin").mkdir(parents=True)
    (root / "bin" / "java").write_text("#!/bin/sh\nexit 1\n")
    (root / "bin" / "java").chmod(0o755)
    (root / "release").write_text(f'JAVA_VERSION="{version}"\nMODULES="java.base jdk.incubator.vector"\n')
    return str(root)


def test_java_versions_are_read_from_the_runtime(tmp_path):
    assert tg_spark.java_version(_fake_java_home(tmp_path / "j8", "1.8.0_392")) == 8
    assert tg_spark.java_version(_fake_java_home(tmp_path / "j21", "21.0.2")) == 21
    new_enough = _fake_java_home(tmp_path / "j17", "17.0.15")
    assert tg_spark.find_java_home({"JAVA_HOME": new_enough, "PATH": ""}) == new_enough
    too_old = _fake_java_home(tmp_path / "j11", "11.0.2")  # then the java on PATH
    assert tg_spark.find_java_home({"JAVA_HOME": too_old, "PATH": os.path.join(new_enough, "bin")}) == new_enough


def test_without_a_java_17_spark_gets_jdk4pys_runtime_which_runs(tmp_path):
    too_old = _fake_java_home(tmp_path / "j11", "11.0.2")
    empty = tmp_path / "empty"
    empty.mkdir()
    for environ in ({"JAVA_HOME": too_old, "PATH": str(empty)}, {"PATH": str(empty)}):
        home = tg_spark.find_java_home(environ)
        assert home != too_old and tg_spark.java_version(home) >= 17
        # Spark's launcher passes this option; the runtime (or its wrapper) must start with it
        run = subprocess.run([os.path.join(home, "bin", "java"), "--add-modules=jdk.incubator.vector", "-version"],
                             capture_output=True, text=True, timeout=60)
        assert run.returncode == 0, run.stderr

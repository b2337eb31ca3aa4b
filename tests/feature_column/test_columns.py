"""tg.feature_column through keras.layers.DenseFeatures, against TensorFlow 2.21's feature columns.

The reference outputs were recorded with TF 2.21 (`tf.compat.v1.feature_column.input_layer`, which
computes what tf.keras 2's `DenseFeatures` does; Keras 3 has no DenseFeatures) on the same features,
with the embedding tables initialized to `TABLE`.
"""
import json

import numpy as np
import pytest

import tracegraph as tg
from tracegraph import feature_column as fc
from tracegraph.keras.layers import DenseFeatures

TABLE = np.arange(64, dtype=np.float32).reshape(32, 2) / 10.0


def table_initializer(shape, dtype=None):
    return TABLE[: shape[0]]


FEATURES = {"age": [22., 38., 70., 5.], "sex": ["male", "female", "female", ""], "pclass": [3, 1, 2, 7],
            "ticket": ["A/5", "PC 17599", "113803", "x"], "cabin": ["", "C85", "C123", "C85"],
            "tags": [["a", "b"], ["b", ""], ["", ""], ["c", "a"]], "n": [1, 2, 3, 4]}

AGE = fc.numeric_column("age")
AGE_BUCKETS = fc.bucketized_column(AGE, [18, 25, 30, 35, 40, 45, 50, 55, 60, 65])
PCLASS = fc.categorical_column_with_vocabulary_list("pclass", [1, 2, 3])
TAGS = fc.categorical_column_with_vocabulary_list("tags", ["a", "b", "c"])


def tutorial_columns():
    """The tutorial's Titanic columns (as in examples/feature_columns.py), with a fixed embedding table."""
    return [AGE, AGE_BUCKETS,
            fc.indicator_column(fc.categorical_column_with_vocabulary_list("sex", ["male", "female"])),
            fc.indicator_column(PCLASS),
            fc.indicator_column(fc.categorical_column_with_hash_bucket("ticket", 3)),
            fc.embedding_column(fc.categorical_column_with_hash_bucket("cabin", 32), 2, initializer=table_initializer),
            fc.indicator_column(fc.crossed_column([AGE_BUCKETS, PCLASS], hash_bucket_size=15))]


def one_hot(length, *hot):
    row = [0.0] * length
    for i in hot:
        row[i] += 1.0
    return row


# Recorded from TF 2.21: age | age_bucketized (11) | age_bucketized_X_pclass_indicator (15) |
# cabin_embedding (2) | pclass_indicator (3) | sex_indicator (2) | ticket_indicator (3).
TUTORIAL_EXPECTED = [
    [22.0] + one_hot(11, 1) + one_hot(15, 12) + [0.0, 0.0] + one_hot(3, 2) + one_hot(2, 0) + one_hot(3, 0),
    [38.0] + one_hot(11, 4) + one_hot(15, 11) + [0.6, 0.7] + one_hot(3, 0) + one_hot(2, 1) + one_hot(3, 0),
    [70.0] + one_hot(11, 10) + one_hot(15, 2) + [3.2, 3.3] + one_hot(3, 1) + one_hot(2, 1) + one_hot(3, 0),
    [5.0] + one_hot(11, 0) + one_hot(15, 14) + [0.6, 0.7] + one_hot(3) + one_hot(2) + one_hot(3, 2),
]


def test_the_tutorials_columns_give_tensorflows_output_ordered_by_column_name():
    layer = DenseFeatures(tutorial_columns())
    assert [c.name for c in layer.feature_columns] == [
        "age", "age_bucketized", "age_bucketized_X_pclass_indicator", "cabin_embedding", "pclass_indicator",
        "sex_indicator", "ticket_indicator"]
    out = layer(FEATURES)
    assert out.dtype == tg.float32 and out.shape == (4, 37)
    np.testing.assert_allclose(out.numpy(), TUTORIAL_EXPECTED, rtol=1e-6)


@pytest.mark.parametrize("column, expected", [
    # Out-of-vocabulary strings hashed into 3 buckets after the vocabulary.
    (fc.categorical_column_with_vocabulary_list("ticket", ["A/5"], num_oov_buckets=3),
     [one_hot(4, 0), one_hot(4, 1), one_hot(4, 1), one_hot(4, 3)]),
    # Integer OOV values are hashed as their decimal strings.
    (fc.categorical_column_with_vocabulary_list("pclass", [1], num_oov_buckets=5),
     [one_hot(6, 2), one_hot(6, 0), one_hot(6, 5), one_hot(6, 4)]),
    (fc.categorical_column_with_hash_bucket("n", 5, dtype=tg.int32),
     [one_hot(5, 4), one_hot(5, 4), one_hot(5, 1), one_hot(5, 3)]),
    # Several values per example are counted; '' is missing.
    (TAGS, [one_hot(3, 0, 1), one_hot(3, 1), one_hot(3), one_hot(3, 0, 2)]),
    # A raw feature crossed with a column: dense raw values (even '') take part, missing ids do not.
    (fc.crossed_column(["sex", TAGS], 7), [one_hot(7, 3, 4), one_hot(7, 1), one_hot(7), one_hot(7, 0, 0)]),
    (fc.crossed_column(["sex", "ticket"], 11), [one_hot(11, 0), one_hot(11, 8), one_hot(11, 3), one_hot(11, 8)]),
])
def test_categorical_columns_as_indicators_match_tensorflow(column, expected):
    out = DenseFeatures([fc.indicator_column(column)])(FEATURES)
    np.testing.assert_array_equal(out.numpy(), expected)  # recorded from TF 2.21


@pytest.mark.parametrize("combiner, expected", [
    ("sum", [[0.2, 0.4], [0.2, 0.3], [0.0, 0.0], [0.4, 0.6]]),
    ("mean", [[0.1, 0.2], [0.2, 0.3], [0.0, 0.0], [0.2, 0.3]]),
    ("sqrtn", [[0.14142136, 0.28284273], [0.2, 0.3], [0.0, 0.0], [0.28284273, 0.42426407]]),
])
def test_embedding_combiners_match_tensorflow_and_give_zeros_for_an_empty_example(combiner, expected):
    column = fc.embedding_column(TAGS, 2, combiner=combiner, initializer=table_initializer)
    np.testing.assert_allclose(DenseFeatures([column])(FEATURES).numpy(), expected, rtol=1e-6)


def test_numeric_column_shape_and_normalizer_then_cast_to_float32():
    column = fc.numeric_column("v", shape=(2,), normalizer_fn=lambda x: (x - 1) * 2)
    out = DenseFeatures([column])({"v": np.array([[1, 2], [3, 5]], dtype=np.int64)})
    assert out.dtype == tg.float32
    np.testing.assert_array_equal(out.numpy(), [[0, 2], [4, 8]])
    assert fc.numeric_column("d", shape=2, default_value=1.5).default_value == (1.5, 1.5)
    with pytest.raises(ValueError, match="shape of default_value"):
        fc.numeric_column("d", shape=2, default_value=[1.0, 2.0, 3.0])


def test_bucketized_column_of_a_vector_offsets_ids_per_value_as_tensorflow():
    buckets = fc.bucketized_column(fc.numeric_column("v", shape=2), [0.0, 1.0])
    assert buckets.num_buckets == 6 and buckets.variable_shape == (2, 3)
    features = {"v": np.array([[-1.0, 1.0], [0.5, 7.0]], dtype=np.float32)}
    np.testing.assert_array_equal(DenseFeatures([buckets])(features).numpy(),
                                  [[1, 0, 0, 0, 0, 1], [0, 1, 0, 0, 0, 1]])
    np.testing.assert_array_equal(DenseFeatures([fc.indicator_column(buckets)])(features).numpy(),
                                  [[1, 0, 0, 0, 0, 1], [0, 1, 0, 0, 0, 1]])


def test_vocabulary_default_value_and_identity_column():
    vocabulary = fc.categorical_column_with_vocabulary_list("s", ["a", "b"], default_value=0)
    out = DenseFeatures([fc.indicator_column(vocabulary)])({"s": ["b", "zzz", ""]})
    np.testing.assert_array_equal(out.numpy(), [[0, 1], [1, 0], [0, 0]])
    identity = fc.categorical_column_with_identity("i", 4, default_value=3)
    out = DenseFeatures([fc.indicator_column(identity)])({"i": [0, 9, -1]})
    np.testing.assert_array_equal(out.numpy(), [[1, 0, 0, 0], [0, 0, 0, 1], [0, 0, 0, 0]])


def test_sparse_inputs_are_read_as_their_values():
    tags = tg.SparseTensor(indices=[[0, 0], [0, 1], [2, 0]], values=["c", "a", "b"], dense_shape=[3, 2])
    out = DenseFeatures([fc.indicator_column(TAGS)])({"tags": tags})
    np.testing.assert_array_equal(out.numpy(), [[1, 0, 1], [0, 0, 0], [0, 1, 0]])


def test_traced_call_matches_eager():
    layer = DenseFeatures(tutorial_columns())
    features = {k: tg.constant(v) for k, v in FEATURES.items() if k in ("age", "sex", "pclass", "ticket", "cabin")}
    traced = tg.function(lambda f: layer(f))(features)
    np.testing.assert_allclose(traced.numpy(), TUTORIAL_EXPECTED, rtol=1e-6)


def test_embedding_table_is_a_trainable_weight_with_the_mean_combiners_gradient():
    column = fc.embedding_column(TAGS, 2, initializer=table_initializer)
    layer = DenseFeatures([column])
    with tg.GradientTape() as tape:
        total = tg.reduce_sum(layer(FEATURES))
    (table,) = layer.trainable_weights
    assert table.name == "tags_embedding/embedding_weights"  # Keras 3 names a weight without its layer
    grad = tg.convert_to_tensor(tape.gradient(total, table)).numpy()
    # Each example spreads weight 1 evenly over its ids: a (0.5), b (0.5 + 1), c (0.5).
    np.testing.assert_allclose(grad, [[1.0, 1.0], [1.5, 1.5], [0.5, 0.5]])


def test_default_embedding_initializer_is_truncated_normal_of_stddev_one_over_sqrt_dimension():
    layer = DenseFeatures([fc.embedding_column(fc.categorical_column_with_hash_bucket("h", 400), 4)])
    layer({"h": ["x"]})
    values = layer.weights[0].numpy()
    assert values.shape == (400, 4) and np.abs(values).max() <= 2 * 0.5 + 1e-6
    assert 0.35 < values.std() < 0.5  # a normal of stddev 0.5 cut at two stddevs: 0.44


def test_fit_trains_the_embedding_inside_a_model():
    columns = [fc.numeric_column("x"), fc.embedding_column(TAGS, 2)]
    inputs = {"x": tg.keras.Input(shape=(), name="x"), "tags": tg.keras.Input(shape=(2,), dtype="string", name="tags")}
    features_layer = DenseFeatures(columns)
    model = tg.keras.Model(inputs, tg.keras.layers.Dense(1)(features_layer(inputs)))
    model.compile("adam", "mse")
    data = {"x": np.arange(8, dtype="float32"), "tags": np.array([["a", "b"], ["c", ""]] * 4)}
    before = features_layer.weights[0].numpy().copy()
    dataset = tg.data.Dataset.from_tensor_slices((data, np.arange(8, dtype="float32"))).batch(4)
    history = model.fit(dataset, epochs=3, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert not np.allclose(features_layer.weights[0].numpy(), before)


def test_errors_name_the_problem():
    with pytest.raises(ValueError, match="DenseColumn"):
        DenseFeatures([TAGS])
    with pytest.raises(ValueError, match="sorted"):
        fc.bucketized_column(AGE, [3, 1])
    with pytest.raises(ValueError, match="hash"):
        fc.crossed_column([fc.categorical_column_with_hash_bucket("h", 3), "a"], 5)
    with pytest.raises(ValueError, match="'missing' is not in the features"):
        DenseFeatures([fc.numeric_column("missing")])({"age": [1.0]})
    with pytest.raises(ValueError, match="Duplicate keys"):
        fc.categorical_column_with_vocabulary_list("s", ["a", "a"])


def test_columns_are_values_equal_columns_compare_and_hash_equal():
    assert fc.numeric_column("a") == fc.numeric_column("a")
    assert hash(fc.crossed_column(["a", "b"], 5)) == hash(fc.crossed_column(["a", "b"], 5))
    assert fc.crossed_column([AGE_BUCKETS, "b"], 5).name == "age_bucketized_X_b"


def scale_by_ten(x):
    """A module-level normalizer, so a column using it can be saved."""
    return x / 10


def test_dense_features_config_round_trips_through_json_and_a_saved_model(tmp_path):
    columns = [fc.numeric_column("x", normalizer_fn=scale_by_ten), fc.embedding_column(TAGS, 2),
               fc.indicator_column(fc.crossed_column([fc.bucketized_column(fc.numeric_column("x"), [1., 5.]), "c"], 7))]
    rebuilt = DenseFeatures.from_config(json.loads(json.dumps(DenseFeatures(columns).get_config())))
    assert rebuilt.feature_columns == DenseFeatures(columns).feature_columns
    inputs = {"x": tg.keras.Input(shape=(), name="x"), "c": tg.keras.Input(shape=(), dtype="string", name="c"),
              "tags": tg.keras.Input(shape=(2,), dtype="string", name="tags")}
    model = tg.keras.Model(inputs, tg.keras.layers.Dense(1)(DenseFeatures(columns)(inputs)))
    model.save(tmp_path / "model.keras")
    loaded = tg.keras.models.load_model(tmp_path / "model.keras")
    x = {"x": np.array([1.0, 7.0], "float32"), "c": np.array(["a", "q"]), "tags": np.array([["a", ""], ["b", "c"]])}
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)
    with pytest.raises(ValueError, match="cannot be saved"):
        DenseFeatures([fc.numeric_column("x", normalizer_fn=lambda v: v)]).get_config()


def test_dense_features_inside_a_dataset_map():
    layer = DenseFeatures(tutorial_columns())
    features = {k: FEATURES[k] for k in ("age", "sex", "pclass", "ticket", "cabin")}
    dataset = tg.data.Dataset.from_tensor_slices(features).batch(2).map(layer)
    np.testing.assert_allclose(np.concatenate([b.numpy() for b in dataset]), TUTORIAL_EXPECTED, rtol=1e-6)

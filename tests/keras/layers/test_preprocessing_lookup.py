"""StringLookup and IntegerLookup against Keras 3.15 on TensorFlow 2.21 (outputs recorded there, with the
same calls, and written in below), inside tg.data pipelines, traced functions and models."""
import json

import numpy as np
import pytest

import tracegraph as tg
from tracegraph.keras.layers import IntegerLookup, StringLookup

DATA = np.array([["a", "c", "d"], ["d", "z", "c"]])
VOCABULARY = ["a", "b", "c", "d"]
ADAPT_DATA = np.array([["b", "c", "a"], ["c", "c", "b"], ["d", "a", "b"]])


def values(tensor):
    return np.asarray(tensor).tolist()


# ----- StringLookup ------------------------------------------------------------------------------

@pytest.mark.parametrize("output_mode, inputs, expected_dtype, expected", [
    ("int", DATA, tg.int64, [[1, 3, 4], [4, 0, 3]]),
    ("one_hot", DATA[:, :1], tg.int64, [[0, 1, 0, 0, 0], [0, 0, 0, 0, 1]]),
    ("multi_hot", DATA, tg.int64, [[0, 1, 0, 1, 1], [1, 0, 0, 1, 1]]),
    ("count", np.array([["a", "a", "z"]]), tg.int64, [[1, 2, 0, 0, 0]]),
])
def test_string_lookup_output_modes_match_keras(output_mode, inputs, expected_dtype, expected):
    out = StringLookup(vocabulary=VOCABULARY, output_mode=output_mode)(inputs)
    assert out.dtype == expected_dtype
    assert values(out) == expected


def test_string_lookup_tf_idf_with_given_weights_matches_keras():
    layer = StringLookup(vocabulary=VOCABULARY, output_mode="tf_idf", idf_weights=[0.25, 0.75, 0.6, 0.4])
    out = layer(DATA)
    assert out.dtype == tg.float32
    # Keras 3.15: the OOV index weighs the mean of the given weights.
    np.testing.assert_allclose(out.numpy(), [[0.0, 0.25, 0.0, 0.6, 0.4], [0.5, 0.0, 0.0, 0.6, 0.4]], rtol=1e-6)


def test_string_lookup_oov_hashing_mask_and_invert_match_keras():
    several = StringLookup(vocabulary=["a", "b"], num_oov_indices=2)
    assert values(several(np.array(["a", "x", "y", "zz", "b"]))) == [2, 0, 1, 0, 3]
    masked = StringLookup(vocabulary=["a", "b"], mask_token="")
    assert values(masked(np.array(["a", "", "q", "b"]))) == [2, 0, 1, 3]
    assert masked.get_vocabulary() == ["", "[UNK]", "a", "b"]
    multi_hot = StringLookup(vocabulary=["a", "b"], mask_token="", output_mode="multi_hot")
    assert values(multi_hot(np.array([["a", ""], ["", "q"]]))) == [[0, 1, 0], [1, 0, 0]]
    inverse = StringLookup(vocabulary=["a", "b", "c"], invert=True)
    assert values(inverse(np.array([[1, 3], [0, 9]]))) == [[b"a", b"c"], [b"[UNK]", b"[UNK]"]]
    masked_inverse = StringLookup(vocabulary=["a", "b"], mask_token="", invert=True)
    assert values(masked_inverse(np.array([0, 1, 2, 3, 7]))) == [b"", b"[UNK]", b"a", b"b", b"[UNK]"]


def test_adapt_orders_by_count_then_token_and_learns_idf_like_keras():
    layer = StringLookup()
    layer.adapt(ADAPT_DATA)
    assert layer.get_vocabulary() == ["[UNK]", "c", "b", "a", "d"] and layer.vocabulary_size() == 5
    assert layer.get_vocabulary(include_special_tokens=False) == ["c", "b", "a", "d"]
    tf_idf = StringLookup(output_mode="tf_idf")
    tf_idf.adapt(ADAPT_DATA)
    np.testing.assert_allclose(tf_idf(np.array([["b", "c", "c"], ["z", "a", "a"]])).numpy(),
                               [[0.0, 1.3862944, 0.5596158, 0.0, 0.0], [0.71555024, 0.0, 0.0, 1.3862944, 0.0]],
                               rtol=1e-6)


def test_adapt_reads_a_dataset_batch_by_batch_and_keeps_max_tokens():
    layer = StringLookup(max_tokens=3)
    layer.adapt(tg.data.Dataset.from_tensor_slices(np.array(["b", "c", "a", "c", "c", "b", "d"])).batch(2))
    assert layer.get_vocabulary() == ["[UNK]", "c", "b"]


def test_vocabulary_with_its_special_tokens_and_from_a_file(tmp_path):
    layer = StringLookup(vocabulary=["[UNK]", "x", "y"])
    assert layer.get_vocabulary() == ["[UNK]", "x", "y"]
    path = tmp_path / "vocabulary.txt"
    path.write_text("x\ny\n", encoding="utf-8")
    assert values(StringLookup(vocabulary=str(path))(np.array(["y", "q"]))) == [2, 0]


def test_no_oov_index_makes_an_unknown_token_an_error_eagerly_and_traced():
    layer = StringLookup(vocabulary=["a", "b"], num_oov_indices=0)
    assert values(layer(np.array(["b", "a"]))) == [1, 0]
    with pytest.raises(tg.errors.InvalidArgumentError, match="num_oov_indices=0"):
        layer(np.array(["a", "q"]))
    with pytest.raises(tg.errors.InvalidArgumentError, match="num_oov_indices=0"):
        tg.function(lambda x: layer(x))(tg.constant(["a", "q"]))


def test_errors_name_the_problem():
    with pytest.raises(ValueError, match="repeated"):
        StringLookup(vocabulary=["a", "a"])
    with pytest.raises(ValueError, match="`output_mode` must be `'int'`"):
        StringLookup(vocabulary=["a"], invert=True, output_mode="one_hot")
    with pytest.raises(RuntimeError, match="must set the layer's vocabulary"):
        StringLookup(output_mode="one_hot")(np.array(["a"]))
    with pytest.raises(ValueError, match="static vocabulary"):
        StringLookup(vocabulary=["a"]).adapt(np.array(["a"]))
    with pytest.raises(ValueError, match="string inputs"):
        StringLookup(vocabulary=["a"])(np.array([1, 2]))


# ----- IntegerLookup ------------------------------------------------------------------------------

def test_integer_lookup_matches_keras():
    layer = IntegerLookup(vocabulary=[12, 36, 1138, 42])
    assert values(layer(np.array([[12, 1138, 42], [42, 1000, 36]]))) == [[1, 3, 4], [4, 0, 2]]
    assert values(IntegerLookup(vocabulary=[12, 36], mask_token=0)(np.array([12, 0, 36, 5]))) == [2, 0, 3, 1]
    # Several OOV indices: value % num_oov_indices (Keras's default oov_method "floormod").
    assert values(IntegerLookup(vocabulary=[12, 36], num_oov_indices=2)(np.array([12, 7, 8, 36, -3]))) == \
        [2, 1, 0, 3, 1]
    inverse = IntegerLookup(vocabulary=[12, 36, 1138], invert=True)(np.array([0, 1, 3, 5]))
    assert inverse.dtype == tg.int64 and values(inverse) == [-1, 12, 1138, -1]
    adapted = IntegerLookup()
    adapted.adapt(np.array([12, 36, 36, 1138, 12, 36, 7]))
    assert adapted.get_vocabulary() == [-1, 36, 12, 1138, 7]


def test_integer_lookup_one_hot_and_int32_inputs():
    layer = IntegerLookup(vocabulary=[5, 6], output_mode="one_hot")
    assert values(layer(np.array([6, 9], dtype=np.int32))) == [[0, 0, 1], [1, 0, 0]]


# ----- where the layers run -------------------------------------------------------------------------

def test_lookup_inside_a_dataset_map_and_a_traced_function():
    layer = StringLookup(vocabulary=VOCABULARY)
    dataset = tg.data.Dataset.from_tensor_slices(np.array(["a", "c", "x", "b"])).batch(2).map(layer)
    assert [values(b) for b in dataset] == [[1, 3], [0, 2]]
    traced = tg.function(lambda x: layer(x))(tg.constant(DATA))
    assert values(traced) == [[1, 3, 4], [4, 0, 3]]


def test_lookup_inside_a_model_trained_with_fit_on_string_arrays():
    inputs = tg.keras.Input(shape=(1,), dtype="string")
    outputs = tg.keras.layers.Dense(1)(StringLookup(vocabulary=["a", "b", "c"], output_mode="one_hot")(inputs))
    model = tg.keras.Model(inputs, outputs)
    model.compile("adam", "mse")
    x = np.array([["a"], ["b"], ["c"], ["z"]] * 4)
    y = np.tile(np.arange(4, dtype="float32"), 4)
    history = model.fit(x, y, epochs=3, batch_size=8, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    predictions = model.predict(x[:4], verbose=0).ravel()
    assert len(set(np.round(predictions, 6))) == 4  # each token its own one-hot row


def test_config_round_trip_through_json_keeps_the_vocabulary():
    layer = StringLookup(vocabulary=["a", "b"], mask_token="")
    rebuilt = StringLookup.from_config(json.loads(json.dumps(layer.get_config())))
    assert values(rebuilt(np.array(["b", "", "q"]))) == [3, 0, 1]
    integer = IntegerLookup(vocabulary=[3, 4], invert=True)
    rebuilt = IntegerLookup.from_config(json.loads(json.dumps(integer.get_config())))
    assert values(rebuilt(np.array([1, 2]))) == [3, 4]


def test_masks_hold_on_numpy_string_arrays_fed_by_predict():
    inputs = tg.keras.Input(shape=(1,), dtype="string")
    model = tg.keras.Model(inputs, StringLookup(vocabulary=["a", "b"], mask_token="")(inputs))
    x = np.array([["a"], [""], ["q"]])
    assert values(model.predict(x, verbose=0).ravel()) == [2, 0, 1] == values(model(x).numpy().ravel())

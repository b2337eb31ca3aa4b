"""Sources: from_tensor_slices, from_tensors, range, from_generator, zip, list_files; specs, cardinality, len."""
import collections

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tracegraph as tg
from tracegraph import data
from tracegraph.errors import InvalidArgumentError

Dataset = data.Dataset


def values(dataset):
    return list(dataset.as_numpy_iterator())


def test_slices_of_a_tuple_give_tuples_of_rows():
    x = np.arange(6, dtype=np.float32).reshape(3, 2)
    y = np.array([1, 2, 3])
    ds = Dataset.from_tensor_slices((x, y))
    assert ds.element_spec == (tg.TensorSpec([2], tg.float32), tg.TensorSpec([], tg.int64))
    got = values(ds)
    assert len(got) == 3 and len(ds) == 3 and int(ds.cardinality()) == 3
    for i, (row, label) in enumerate(got):
        np.testing.assert_array_equal(row, x[i])
        assert label == y[i]


def test_a_list_is_one_tensor_and_python_numbers_take_tf_dtypes():
    ds = Dataset.from_tensor_slices([[1, 2], [3, 4]])
    # TF 2.21: TensorSpec(shape=(2,), dtype=tf.int32, name=None)
    assert ds.element_spec == tg.TensorSpec([2], tg.int32)
    assert Dataset.from_tensor_slices([1.5, 2.5]).element_spec.dtype == tg.float32


def test_dicts_keep_their_key_order_and_nest():
    ds = Dataset.from_tensor_slices({"b": [1, 2], "a": {"c": [1.0, 2.0]}})
    # TF 2.21 prints {'b': TensorSpec(...int32...), 'a': ...}: the dict's own order
    assert list(ds.element_spec) == ["b", "a"]
    first = next(iter(ds))
    assert list(first) == ["b", "a"] and float(first["a"]["c"]) == 1.0 and int(first["b"]) == 1


def test_namedtuples_stay_namedtuples():
    Point = collections.namedtuple("Point", "x y")
    element = next(iter(Dataset.from_tensor_slices(Point([1, 2], [3, 4]))))
    assert isinstance(element, Point) and int(element.y) == 3


def test_the_source_arrays_are_copied():
    x = np.arange(4)
    ds = Dataset.from_tensor_slices(x)
    x[:] = -1
    assert values(ds) == [0, 1, 2, 3]


def test_mismatched_first_dimensions_name_both_components():
    with pytest.raises(ValueError, match=r"\[0\] has 3 .*\[1\] has 4"):
        Dataset.from_tensor_slices((np.zeros((3, 2)), np.zeros(4)))
    with pytest.raises(ValueError, match=r"\['label'\] has 2"):
        Dataset.from_tensor_slices({"features": np.zeros((3, 2)), "label": np.zeros(2)})
    with pytest.raises(ValueError, match="scalar"):
        Dataset.from_tensor_slices(1.0)


def test_from_tensors_is_one_element():
    ds = Dataset.from_tensors(([1, 2, 3], "a"))
    assert ds.element_spec == (tg.TensorSpec([3], tg.int32), tg.TensorSpec([], tg.string))
    (vector, text), = values(ds)
    assert vector.tolist() == [1, 2, 3] and text == b"a" and len(ds) == 1


@settings(max_examples=40, deadline=None)
@given(st.integers(-6, 6), st.integers(-6, 12), st.sampled_from([1, 2, 3, -1, -2]))
def test_range_matches_python(start, stop, step):
    assert values(Dataset.range(start, stop, step)) == list(range(start, stop, step))
    assert len(Dataset.range(start, stop, step)) == len(range(start, stop, step))


def test_range_dtype():
    ds = Dataset.range(3, output_type=tg.int32)
    assert ds.element_spec == tg.TensorSpec([], tg.int32)
    assert next(iter(ds)).dtype == tg.int32


def test_generator_with_output_signature():
    def gen():
        for i in range(3):
            yield i, [float(i)] * i
    ds = Dataset.from_generator(gen, output_signature=(tg.TensorSpec([], tg.int32), tg.TensorSpec([None], tg.float32)))
    got = values(ds)
    assert [g[0] for g in got] == [0, 1, 2] and [g[1].tolist() for g in got] == [[], [1.0], [2.0, 2.0]]
    assert int(ds.cardinality()) == data.UNKNOWN_CARDINALITY
    assert [g[0] for g in values(ds)] == [0, 1, 2]  # a new pass calls the generator again


def test_generator_with_output_types_and_shapes_and_args():
    ds = Dataset.from_generator(lambda n: iter(range(n)), output_types=tg.int64, output_shapes=(), args=(4,))
    assert ds.element_spec == tg.TensorSpec([], tg.int64) and values(ds) == [0, 1, 2, 3]


def test_a_generator_yielding_the_wrong_spec_names_the_element_and_field():
    def gen():
        yield (1, [1.0, 2.0])
        yield (2, [1.0, 2.0, 3.0])
    ds = Dataset.from_generator(gen, output_signature=(tg.TensorSpec([], tg.int32), tg.TensorSpec([2], tg.float32)))
    with pytest.raises(ValueError, match=r"element 1 of the generator: \[1\] has shape \(3,\)"):
        values(ds)
    wrong_type = Dataset.from_generator(lambda: iter([(1, "x")]),
                                        output_signature=(tg.TensorSpec([], tg.int32), tg.TensorSpec([], tg.float32)))
    with pytest.raises(InvalidArgumentError, match=r"element 0 of the generator: \[1\] is 'x'"):
        values(wrong_type)
    wrong_structure = Dataset.from_generator(lambda: iter([1]), output_signature=(tg.TensorSpec([]), tg.TensorSpec([])))
    with pytest.raises(InvalidArgumentError, match="element 0 .*structure"):
        values(wrong_structure)
    fraction = Dataset.from_generator(lambda: iter([1.5]), output_signature=tg.TensorSpec([], tg.int32))
    with pytest.raises(InvalidArgumentError, match="not integers"):
        values(fraction)


def test_zip_ends_with_the_shortest_and_keeps_structure():
    ds = Dataset.zip((Dataset.range(3), Dataset.range(5).map(lambda x: x * 2)))
    # TF 2.21: [(0, 0), (1, 2), (2, 4)]
    assert values(ds) == [(0, 0), (1, 2), (2, 4)] and len(ds) == 3
    named = Dataset.zip({"a": Dataset.range(2), "b": Dataset.range(2)})
    assert values(named) == [{"a": 0, "b": 0}, {"a": 1, "b": 1}]
    assert int(Dataset.zip((Dataset.range(3).repeat(), Dataset.range(2))).cardinality()) == 2


def test_list_files_sorted_or_shuffled(tmp_path):
    for name in ["b.txt", "a.txt", "c.csv"]:
        (tmp_path / name).write_text("x")
    names = values(Dataset.list_files(str(tmp_path / "*.txt"), shuffle=False))
    assert names == [str(tmp_path / "a.txt").encode(), str(tmp_path / "b.txt").encode()]
    shuffled = values(Dataset.list_files(str(tmp_path / "*"), seed=1))
    assert sorted(shuffled) == sorted(str(tmp_path / n).encode() for n in ["a.txt", "b.txt", "c.csv"])
    with pytest.raises(InvalidArgumentError, match="no files match"):
        Dataset.list_files(str(tmp_path / "*.nope"))


def test_repr_and_len_errors():
    assert repr(Dataset.range(3)) == "<_RangeDataset element_spec=TensorSpec(shape=(), dtype=tg.int64, name=None)>"
    with pytest.raises(TypeError, match="infinite"):
        len(Dataset.range(3).repeat())
    with pytest.raises(TypeError, match="unknown"):
        len(Dataset.range(3).filter(lambda x: x > 1))


def test_iterator_get_next_raises_out_of_range_at_the_end():
    iterator = iter(Dataset.range(1))
    assert int(iterator.get_next()) == 0
    with pytest.raises(tg.errors.OutOfRangeError):
        iterator.get_next()
    assert int(Dataset.from_tensors(5).get_single_element()) == 5


def test_slices_of_a_ragged_tensor_are_its_rows():
    ragged = tg.ragged.constant([[1, 2], [3], []])
    ds = Dataset.from_tensor_slices((ragged, [10, 20, 30]))
    # TF 2.21 gives rows of a 2-D ragged tensor as 1-D tensors of their own lengths
    assert [(row.tolist(), int(label)) for row, label in ds.as_numpy_iterator()] == \
        [([1, 2], 10), ([3], 20), ([], 30)]
    assert ds.element_spec[0] == tg.TensorSpec([None], tg.int32)
    deeper = Dataset.from_tensor_slices(tg.ragged.constant([[[1], [2, 3]], [[4]]]))
    # TF 2.21: RaggedTensorSpec(TensorShape([None, None]), tf.int32, 1, tf.int64)
    assert deeper.element_spec == tg.RaggedTensorSpec([None, None], tg.int32, 1)
    assert [r.to_list() for r in deeper.map(lambda r: r * 2)] == [[[2], [4, 6]], [[8]]]
    padded = Dataset.from_tensor_slices(ragged).padded_batch(3)
    assert [b.tolist() for b in padded.as_numpy_iterator()] == [[[1, 2], [3, 0], [0, 0]]]
    with pytest.raises(ValueError, match=r"\[0\] has 3 but \[1\] has 2"):
        Dataset.from_tensor_slices((ragged, [1, 2]))

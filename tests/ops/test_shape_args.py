"""Shape-like arguments (ops/shape_args.py): what a shape tensor computed while tracing is known to hold."""
import numpy as np
import pytest

import tracegraph as tg
from tracegraph.ops import shape_args


def trace_time(make, *specs):
    """`make(*symbolic inputs)` evaluated while tracing a function with the given input specs."""
    found = []

    def body(*args):
        found.append(make(*args))
        return args[0]

    tg.function(body).get_concrete_function(*specs)
    return found[0]


MATRIX = tg.TensorSpec([None, 3], tg.float32)


@pytest.mark.parametrize("make, known", [
    (lambda x: tg.shape(x), (None, 3)),
    (lambda x: tg.shape(x, out_type=tg.int64), (None, 3)),
    (lambda x: tg.cast(tg.shape(x), tg.int64), (None, 3)),
    (lambda x: tg.identity(tg.shape(x)), (None, 3)),
    (lambda x: tg.stack([tg.shape(x)[0], 3]), (None, 3)),
    (lambda x: tg.stack([tg.shape(x)[-1], tg.shape(x)[0], -1]), (3, None, -1)),
    (lambda x: tg.stack([tg.shape(x)[tg.constant(1)], 2]), (3, 2)),
    (lambda x: tg.concat([tg.shape(x)[1:], [2], tg.shape(x)], 0), (3, 2, None, 3)),
    (lambda x: tg.shape(x)[::-1], (3, None)),
    (lambda x: tg.shape(x)[:1], (None,)),
    (lambda x: tg.reshape(tg.shape(x)[1], [1]), (3,)),
    (lambda x: tg.expand_dims(tg.shape(x)[1], 0), (3,)),
    (lambda x: tg.shape(x) * 2, (None, None)),                 # arithmetic is not followed
    (lambda x: tg.stack([tg.shape(x)[1] * 2, 4]), (None, 4)),
])
def test_known_entries_of_traced_shape_tensors(make, known):
    assert trace_time(lambda x: shape_args.known_entries(make(x)), MATRIX) == known


def test_a_shape_of_unknown_length_is_unknown():
    assert trace_time(lambda x: shape_args.known_entries(tg.shape(x)), tg.TensorSpec(None)) is None
    masked = trace_time(lambda x: shape_args.known_entries(tg.boolean_mask(tg.shape(x), tg.shape(x) > 1)),
                        MATRIX)
    assert masked is None
    assert trace_time(lambda x: shape_args.constant_value_as_shape(tg.shape(x)),
                      tg.TensorSpec(None)).rank is None


def test_non_integer_and_non_vector_tensors_are_not_shapes():
    assert trace_time(lambda x: shape_args.known_entries(tg.cast(tg.shape(x), tg.float32)), MATRIX) is None
    assert trace_time(lambda x: shape_args.known_entries(tg.shape(x)[0]), MATRIX) is None
    assert trace_time(lambda x: shape_args.known_entries(tg.cast(tg.shape(x), tg.uint8)), MATRIX) is None
    with pytest.raises(TypeError, match="reshape: `shape` must be an int32 or int64 tensor, got uint8"):
        trace_time(lambda x: tg.reshape(x, tg.cast(tg.shape(x), tg.uint8)), MATRIX)


def test_known_negative_sizes_are_errors_while_tracing():
    with pytest.raises(ValueError, match=r"zeros: shape must not have negative dimensions, got \[None, -1\]"):
        trace_time(lambda x: tg.zeros(tg.stack([tg.shape(x)[0], -1])), MATRIX)
    with pytest.raises(ValueError, match="reshape: invalid dimension"):
        trace_time(lambda x: tg.reshape(x, tg.stack([tg.shape(x)[1], -2])), MATRIX)


def test_shape_hint_of_lists_and_eager_values():
    assert trace_time(lambda x: shape_args.shape_hint([tg.shape(x)[1], -1, np.int64(2)]), MATRIX) == (3, -1, 2)
    assert trace_time(lambda x: shape_args.shape_hint([tg.shape(x)[0], tg.reduce_sum(x)]), MATRIX) == (None, None)
    assert shape_args.shape_hint(tg.constant([4, -1])) == (4, -1)
    assert shape_args.shape_hint(np.array([2, 5])) == (2, 5)
    assert shape_args.shape_hint(tg.constant(1.5)) is None


def test_constant_value_as_shape_like_tensorflow():
    shape = trace_time(lambda x: shape_args.constant_value_as_shape(tg.stack([tg.shape(x)[1], -1])), MATRIX)
    assert shape.as_list() == [3, None]  # -1 means "unknown", as in TF
    assert shape_args.constant_value_as_shape(tg.TensorShape([None, 2])).as_list() == [None, 2]
    assert shape_args.constant_value_as_shape(tg.constant([2, 3])).as_list() == [2, 3]
    assert shape_args.fully_known((2, -1)) and not shape_args.fully_known((2, None))
    assert not shape_args.fully_known(None)


def test_shapes_captured_by_control_flow_branches_are_followed():
    @tg.function(input_signature=[MATRIX])
    def f(x):
        shape = tg.shape(x)
        return tg.cond(tg.reduce_sum(x) > 0, lambda: tg.zeros(shape), lambda: tg.ones([shape[0], 3]))

    assert f.get_concrete_function().structured_outputs.shape.as_list() == [None, 3]
    np.testing.assert_array_equal(f(-np.ones((2, 3), np.float32)).numpy(), np.ones((2, 3)))


def test_long_chains_stop_at_the_depth_limit_with_the_right_length():
    def chain(x):
        shape = tg.shape(x)
        for _ in range(40):
            shape = tg.identity(shape)
        return shape_args.known_entries(shape)

    assert trace_time(chain, MATRIX) == (None, None)


def test_func_graph_producer_lookup():
    def producers(x):
        shape = tg.shape(x)
        graph = shape.graph
        return graph.producer_of(shape.value).op.name, graph.producer_of(x.value)

    assert trace_time(producers, MATRIX) == ("shape", None)

"""Each AutoGraph error names the variable, the user's file and line, and what to write instead."""
import inspect

import pytest

import tracegraph as tg
from tracegraph.autograph import AutoGraphError, UnsupportedAssignmentError


def line_of(function, text):
    """The line number, in this file, of the first line of `function`'s source that contains `text`."""
    lines, first = inspect.getsourcelines(function)
    return first + next(i for i, line in enumerate(lines) if text in line)


def assert_points_at(error, function, text):
    message = str(error)
    assert f"{__file__}:{line_of(function, text)}" in message
    assert text.strip() in message
    assert "Fix:" in message


def defined_in_one_branch(x):
    if x > 0:
        y = x
    return y


def test_a_variable_defined_in_one_branch_and_used_after_is_an_error():
    with pytest.raises(AutoGraphError) as raised:
        tg.function(defined_in_one_branch)(tg.constant(1))
    assert isinstance(raised.value, ValueError) and isinstance(raised.value, TypeError)
    assert "`y` is assigned in the `if` branch" in str(raised.value)
    assert "assign `y` in the `else` branch too" in str(raised.value)
    assert_points_at(raised.value, defined_in_one_branch, "if x > 0:")


def test_a_variable_defined_in_one_branch_is_fine_when_not_used_after_or_for_a_python_condition():
    @tg.function(fallback="error")
    def unused_after(x):
        if x > 0:
            temporary = x * 2
            x = temporary + 1
        return x

    assert int(unused_after(tg.constant(1))) == 3
    assert int(tg.function(defined_in_one_branch)(3)) == 3  # a Python int: a Python `if`


def dtype_changes(n):
    x = tg.constant(0)
    i = 0
    while i < n:
        x = tg.cast(x, tg.float32) + 0.5
        i += 1
    return x


def test_a_loop_variable_whose_dtype_changes_is_an_error():
    with pytest.raises(AutoGraphError) as raised:
        tg.function(dtype_changes)(tg.constant(3))
    message = str(raised.value)
    assert "`x` enters this `while` loop as a int32 tensor" in message
    assert "float32" in message and "tg.cast" in message
    assert_points_at(raised.value, dtype_changes, "while i < n:")


def returns_in_one_branch(x):
    if x > 0:
        return x
    x = x + 1


def test_a_return_in_one_branch_only_is_an_error():
    with pytest.raises(AutoGraphError) as raised:
        tg.function(returns_in_one_branch)(tg.constant(1))
    assert "`return` in one branch" in str(raised.value)
    assert_points_at(raised.value, returns_in_one_branch, "if x > 0:")


def tensor_break_in_list_loop(x):
    total = x
    for v in [1, 2, 3]:
        if total > 3:
            break
        total += v
    return total


def test_a_tensor_break_in_a_python_for_is_an_error():
    with pytest.raises(AutoGraphError) as raised:
        tg.function(tensor_break_in_list_loop)(tg.constant(1))
    assert "runs over a Python list" in str(raised.value)
    assert "tg.range(len(values))" in str(raised.value)
    assert_points_at(raised.value, tensor_break_in_list_loop, "for v in [1, 2, 3]:")


def none_loop_variable(n):
    y = None
    i = 0
    while i < n:
        y = i
        i += 1
    return y


def test_none_flowing_into_a_loop_variable_is_an_error():
    with pytest.raises(AutoGraphError) as raised:
        tg.function(none_loop_variable)(tg.constant(3))
    assert "`y` is None when the loop starts" in str(raised.value)
    assert_points_at(raised.value, none_loop_variable, "while i < n:")


def first_defined_in_loop(n):
    i = 0
    while i < n:
        z = i * 2
        i += 1
    return z


def test_a_variable_first_defined_in_a_tensor_loop_and_used_after_is_an_error():
    with pytest.raises(AutoGraphError) as raised:
        tg.function(first_defined_in_loop)(tg.constant(3))
    assert "`z` is first assigned inside this `while` loop and used after the loop" in str(raised.value)
    assert_points_at(raised.value, first_defined_in_loop, "while i < n:")


def different_dtypes_in_branches(x):
    if x > 0:
        y = tg.constant(1)
    else:
        y = tg.constant(1.0)
    return y


def test_branches_that_disagree_on_a_dtype_name_the_variable():
    with pytest.raises(AutoGraphError) as raised:
        tg.function(different_dtypes_in_branches)(tg.constant(1))
    assert "`y` is a int32 tensor" in str(raised.value) and "float32" in str(raised.value)
    assert_points_at(raised.value, different_dtypes_in_branches, "if x > 0:")


class Counter:
    def __init__(self):
        self.value = tg.constant(0)

    def bump_if_positive(self, x):
        if x > 0:
            self.value = self.value + x


def test_assigning_an_attribute_in_a_tensor_branch_is_unsupported_and_says_so():
    counter = Counter()
    with pytest.raises(UnsupportedAssignmentError) as raised:
        tg.function(counter.bump_if_positive)(tg.constant(1))
    assert "`self.value`" in str(raised.value) and "local variable" in str(raised.value)
    assert_points_at(raised.value, Counter.bump_if_positive, "if x > 0:")


def returns_inside_a_tensor_loop(n):
    i = 0
    while i < n:
        if i * i > 10:
            return i
        i += 1
    return -1


def test_a_return_inside_a_tensor_loop_says_what_to_write():
    with pytest.raises(AutoGraphError) as raised:
        tg.function(returns_inside_a_tensor_loop)(tg.constant(10))
    assert "`return` inside it" in str(raised.value) and "`break`" in str(raised.value)
    assert_points_at(raised.value, returns_inside_a_tensor_loop, "while i < n:")


def grows(n):
    x = tg.constant([1.0])
    while tg.size(x) < n:
        x = tg.concat([x, [2.0]], axis=0)
    return x


def test_a_loop_variable_whose_shape_changes_is_an_error_unless_a_shape_invariant_allows_it():
    with pytest.raises(AutoGraphError) as raised:
        tg.function(grows)(tg.constant(3))
    message = str(raised.value)
    assert "`x` has shape (1,) when this `while` loop starts but shape (2,)" in message
    assert "set_loop_options(shape_invariants=[(x, tg.TensorShape([None]))])" in message
    assert_points_at(raised.value, grows, "while tg.size(x) < n:")

    @tg.function(fallback="error")
    def grows_with_invariant(n):
        x = tg.constant([1.0])
        while tg.size(x) < n:
            tg.autograph.experimental.set_loop_options(shape_invariants=[(x, tg.TensorShape([None]))])
            x = tg.concat([x, [2.0]], axis=0)
        return x

    assert grows_with_invariant(tg.constant(3)).numpy().tolist() == [1.0, 2.0, 2.0]

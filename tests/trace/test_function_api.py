"""`tg.function` with TF2's semantics: decoration, cache keys, input_signature, concrete functions."""
import collections
import functools

import numpy as np
import pytest

import tracegraph as tg
from tracegraph.trace.errors import InputSignatureError


class Traces:
    """Wraps a Python function and counts how often it runs (= how often it is traced)."""

    def __init__(self, fn):
        self.fn, self.count = fn, 0

    def __call__(self, *args, **kwargs):
        self.count += 1
        return self.fn(*args, **kwargs)


def counted(fn, **options):
    """A tg.function of `fn` and the counter of its traces (the signature is `fn`'s)."""
    inner = Traces(fn)

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return inner(*args, **kwargs)

    return tg.function(wrapper, **options), inner


# ----- decoration ------------------------------------------------------------------------------

def test_decorator_without_arguments():
    @tg.function
    def double(x):
        return x * 2

    assert isinstance(double, tg.Function)
    np.testing.assert_array_equal(double(tg.constant([1, 2])).numpy(), [2, 4])


def test_decorator_with_arguments_and_call_form():
    @tg.function(input_signature=[tg.TensorSpec([None], tg.float32)], jit_compile=True, autograph=False)
    def double(x):
        return x * 2

    np.testing.assert_array_equal(double(tg.constant([1.0])).numpy(), [2.0])
    triple = tg.function(lambda x: x * 3, reduce_retracing=True, experimental_relax_shapes=True)
    assert float(triple(tg.constant(2.0))) == 6.0


def test_python_function_and_wrapping():
    def scaled(x, scale=2.0):
        """Scale x."""
        return x * scale

    f = tg.function(scaled)
    assert f.python_function is scaled
    assert f.__name__ == "scaled" and f.__doc__ == "Scale x."
    assert "scaled" in repr(f)


def test_bad_fallback_option():
    with pytest.raises(ValueError, match="fallback must be 'eager' or 'error'"):
        tg.function(lambda x: x, fallback="maybe")


def test_results_equal_eager_results():
    def scaled_elu(z, scale=1.0, alpha=1.0):
        return scale * tg.where(tg.greater_equal(z, 0.0), z, alpha * (tg.exp(z) - 1))

    f = tg.function(scaled_elu)
    z = tg.constant(np.random.RandomState(0).randn(30, 20).astype(np.float32))
    np.testing.assert_allclose(f(z).numpy(), scaled_elu(z).numpy(), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(f(z, 2.0, 0.5).numpy(), scaled_elu(z, 2.0, 0.5).numpy(), rtol=1e-6, atol=1e-7)


# ----- cache keys --------------------------------------------------------------------------------

def test_tensors_are_keyed_by_dtype_and_shape():
    f, traces = counted(lambda x: x + 1)
    f(tg.constant([1.0, 2.0]))
    f(tg.constant([3.0, 4.0]))  # same dtype and shape: no retrace
    assert traces.count == 1
    f(tg.constant([1, 2]))  # dtype
    f(tg.constant([1.0, 2.0, 3.0]))  # shape
    f(tg.constant(1.0))  # rank
    assert traces.count == 4
    assert f.experimental_get_tracing_count() == 4


def test_numpy_arrays_are_treated_as_tensors():
    f, traces = counted(lambda x: x + 1)
    np.testing.assert_array_equal(f(np.array([1.0, 2.0], np.float32)).numpy(), [2.0, 3.0])
    f(np.array([5.0, 6.0], np.float32))
    f(tg.constant([5.0, 6.0]))
    assert traces.count == 1


def test_repeated_calls_with_numpy_arrays_copy_them_and_keep_dtypes_apart():
    """Calls with NumPy arrays take a fast path after the first: it must still copy the arrays
    (a returned view must not change when the caller's array does) and key them by dtype and shape."""
    f, traces = counted(lambda x, y: tg.reshape(x, [-1]) + 0 * y)
    x, y = np.array([[1.0, 2.0]], np.float32), np.zeros(2, np.float32)
    f(x, y)
    out = f(x, y)
    x[0, 0] = 100.0
    np.testing.assert_array_equal(out.numpy(), [1.0, 2.0])
    assert f(x, y).numpy()[0] == 100.0
    wide = f(x.astype(np.float64), y.astype(np.float64))
    assert wide.dtype == tg.float64 and traces.count == 2
    strings = tg.function(lambda s: tg.strings.length(s))
    strings(np.array(["ab", "c"]))
    np.testing.assert_array_equal(strings(np.array(["abc", "d"])).numpy(), [3, 1])


def test_python_values_are_keyed_by_type_and_value():
    f, traces = counted(lambda x, n: x * tg.cast(n, tg.float32))
    x = tg.constant([1.0, 2.0])
    f(x, 1)
    f(x, 1)
    assert traces.count == 1
    f(x, 2)
    f(x, 1.0)  # 1 and 1.0 ...
    f(x, True)  # ... and True are different keys
    assert traces.count == 4
    assert np.allclose(f(x, 2).numpy(), [2.0, 4.0])


def test_strings_and_none_are_keyed_by_value():
    f, traces = counted(lambda x, mode=None: x if mode is None else -x)
    x = tg.constant(1.0)
    assert float(f(x)) == 1.0
    assert float(f(x, "neg")) == -1.0
    assert float(f(x, "neg")) == -1.0
    assert float(f(x, "other")) == -1.0
    assert traces.count == 3


def test_variables_are_keyed_by_identity():
    f, traces = counted(lambda v: v * 2.0)
    a, b = tg.Variable(1.0), tg.Variable(1.0)
    assert float(f(a)) == 2.0
    a.assign(5.0)
    assert float(f(a)) == 10.0  # same variable: no retrace, and its value is read at call time
    assert traces.count == 1
    assert float(f(b)) == 2.0
    assert traces.count == 2


def test_nested_structures_are_keyed_by_structure():
    f, traces = counted(lambda d: d["a"] + d["b"][0])
    f({"a": tg.constant(1.0), "b": [tg.constant(2.0)]})
    f({"b": [tg.constant(5.0)], "a": tg.constant(1.0)})  # key order does not matter
    assert traces.count == 1
    f({"a": tg.constant(1.0), "b": (tg.constant(2.0),)})  # tuple instead of list
    f({"a": tg.constant(1.0), "b": [tg.constant(2.0), tg.constant(3.0)]})  # longer list
    assert traces.count == 3


def test_keyword_and_default_arguments_bind_to_one_key():
    f, traces = counted(lambda x, n=2, *, k=1.0: x * n + k)
    x = tg.constant(1.0)
    assert float(f(x)) == 3.0
    assert float(f(x, 2)) == 3.0
    assert float(f(x, n=2)) == 3.0
    assert float(f(n=2, x=x, k=1.0)) == 3.0
    assert traces.count == 1
    assert float(f(x, k=2.0)) == 4.0
    assert traces.count == 2


def test_varargs_and_kwargs():
    f, traces = counted(lambda *xs, **named: sum(xs) + named.get("bias", 0.0))
    assert float(f(tg.constant(1.0), tg.constant(2.0))) == 3.0
    assert float(f(tg.constant(3.0), tg.constant(4.0), bias=tg.constant(0.5))) == 7.5
    assert float(f(tg.constant(5.0), tg.constant(6.0))) == 11.0
    assert traces.count == 2


def test_wrong_arguments_raise_a_type_error_naming_the_function():
    f = tg.function(lambda x: x)
    with pytest.raises(TypeError, match="<lambda>: missing a required argument"):
        f()


# ----- nested structures in and out ------------------------------------------------------------

Pair = collections.namedtuple("Pair", "first second")


def test_nested_outputs():
    @tg.function
    def f(x):
        return {"sum": x + 1, "parts": (x, [x * 2, None]), "pair": Pair(x, -x)}

    out = f(tg.constant(2.0))
    assert set(out) == {"sum", "parts", "pair"}
    assert float(out["sum"]) == 3.0
    assert isinstance(out["parts"], tuple) and isinstance(out["parts"][1], list)
    assert float(out["parts"][1][0]) == 4.0 and out["parts"][1][1] is None
    assert isinstance(out["pair"], Pair) and float(out["pair"].second) == -2.0


def test_namedtuple_inputs_and_python_values_in_outputs_become_tensors():
    @tg.function
    def f(p):
        return p.first * p.second, 3

    product, three = f(Pair(tg.constant(2.0), tg.constant(5.0)))
    assert float(product) == 10.0
    assert isinstance(three, tg.Tensor) and int(three) == 3


def test_returning_a_variable_returns_its_value():
    v = tg.Variable([1.0, 2.0])
    out = tg.function(lambda: v)()
    assert isinstance(out, tg.Tensor)
    np.testing.assert_array_equal(out.numpy(), [1.0, 2.0])


# ----- input_signature ----------------------------------------------------------------------------

def test_input_signature_with_none_dims_traces_once():
    f, traces = counted(lambda x: x * x, input_signature=[tg.TensorSpec([None], tg.int32, name="x")])
    np.testing.assert_array_equal(f(tg.constant([1, 2, 3])).numpy(), [1, 4, 9])
    np.testing.assert_array_equal(f(tg.constant([4])).numpy(), [16])
    np.testing.assert_array_equal(f([5, 6]).numpy(), [25, 36])  # Python values are converted
    assert traces.count == 1
    assert f.input_signature == (tg.TensorSpec([None], tg.int32, name="x"),)


def test_input_signature_dtype_mismatch_names_argument_spec_and_value():
    f = tg.function(lambda z: z, input_signature=[tg.TensorSpec([None], tg.int32, name="x")])
    with pytest.raises(TypeError) as info:
        f(tg.constant([1.0, 2.0, 3.0]))
    message = str(info.value)
    assert "argument `z`" in message
    assert "TensorSpec(shape=(None,), dtype=tg.int32, name='x')" in message
    assert "TensorSpec(shape=(3,), dtype=tg.float32, name=None)" in message
    assert isinstance(info.value, ValueError)  # TF < 2.13 raised ValueError; both are caught


def test_input_signature_shape_mismatch():
    f = tg.function(lambda t: t, input_signature=[tg.TensorSpec([1, None])])
    f(tg.constant([[1.0, 2.0]]))
    f(tg.constant([[1.0, 2.0, 3.0, 4.0]]))
    with pytest.raises(InputSignatureError, match=r"shape \(2, 2\) is not compatible with \(1, None\)"):
        f(tg.constant([[1.0, 2.0], [3.0, 4.0]]))


def test_nested_input_signature():
    sig = [{"a": tg.TensorSpec([None]), "b": (tg.TensorSpec([], tg.int32),)}]
    f, traces = counted(lambda d: d["a"] * tg.cast(d["b"][0], tg.float32), input_signature=sig)
    np.testing.assert_array_equal(f({"a": tg.constant([1.0, 2.0]), "b": (tg.constant(3),)}).numpy(), [3.0, 6.0])
    f({"a": tg.constant([1.0]), "b": (tg.constant(3),)})
    assert traces.count == 1
    with pytest.raises(InputSignatureError, match="argument `d`: expected the structure"):
        f({"a": tg.constant([1.0])})


def test_input_signature_must_hold_specs():
    with pytest.raises(TypeError, match="must be a list or tuple"):
        tg.function(lambda x: x, input_signature=tg.TensorSpec([]))
    with pytest.raises(TypeError, match="must be tg.TensorSpec"):
        tg.function(lambda x: x, input_signature=[3])


# ----- get_concrete_function ---------------------------------------------------------------------

def test_get_concrete_function_returns_the_same_object_for_compatible_specs():
    @tg.function(input_signature=[tg.TensorSpec([None], tg.int32, name="x")])
    def cube(z):
        return tg.pow(z, 3)

    cf = cube.get_concrete_function(tg.TensorSpec([None], tg.int32))
    assert cf is cube.get_concrete_function(tg.TensorSpec([5], tg.int32))
    assert cf is cube.get_concrete_function(tg.constant([1, 2, 3]))
    assert cf is cube.get_concrete_function()
    np.testing.assert_array_equal(cf(tg.constant([2, 3])).numpy(), [8, 27])
    with pytest.raises(InputSignatureError, match="dtype float32 is not int32"):
        cube.get_concrete_function(tg.TensorSpec([None], tg.float32))


def test_get_concrete_function_without_signature():
    f, traces = counted(lambda x: x + 1)
    general = f.get_concrete_function(tg.TensorSpec([None], tg.float32))
    assert f.get_concrete_function(tg.TensorSpec([4], tg.float32)) is general
    assert f.get_concrete_function(tg.constant([1.0, 2.0])) is general
    assert traces.count == 1
    f(tg.constant([1.0, 2.0, 3.0]))  # calls use the general trace too
    assert traces.count == 1
    assert f.get_concrete_function(tg.TensorSpec([None], tg.int32)) is not general
    assert f.get_concrete_function(tg.constant([[1.0]])) is not general
    assert traces.count == 3


def test_get_concrete_function_with_python_arguments():
    f = tg.function(lambda x, power: x ** power)
    square = f.get_concrete_function(tg.TensorSpec(None, tg.float32), 2)
    assert square is f.get_concrete_function(tg.TensorSpec(None, tg.float32), power=2)
    assert square is not f.get_concrete_function(tg.TensorSpec(None, tg.float32), 3)
    assert float(square(tg.constant(3.0))) == 9.0
    np.testing.assert_array_equal(square(tg.constant([1.0, 2.0])).numpy(), [1.0, 4.0])


def test_tensor_spec_attributes():
    s = tg.TensorSpec([2, None], tg.float64, name="points")
    assert s.shape.as_list() == [2, None] and s.dtype == tg.float64 and s.name == "points"
    assert tg.TensorSpec([3]).dtype == tg.float32
    assert s.is_compatible_with(tg.constant(np.zeros((2, 7))))


# ----- reduce_retracing ------------------------------------------------------------------------

def test_reduce_retracing_generalizes_shapes_to_none():
    f, traces = counted(lambda x: x + 1, reduce_retracing=True)
    f(tg.constant([1.0]))
    f(tg.constant([1.0, 2.0]))
    f(tg.constant([1.0, 2.0, 3.0]))
    f(tg.constant([1.0, 2.0, 3.0, 4.0]))
    assert traces.count == 2
    specs = [cf.structured_input_signature[0][0] for cf in (f.get_concrete_function(tg.constant([1.0])),
                                                            f.get_concrete_function(tg.constant([1.0] * 7)))]
    assert specs[0].shape.as_list() == [1] and specs[1].shape.as_list() == [None]
    f(tg.constant([[1.0]]))  # another rank: relaxed to unknown rank... a new trace either way
    assert traces.count == 3


# ----- methods ---------------------------------------------------------------------------------

class Scaler:
    def __init__(self, factor):
        self.factor = factor
        self.traced = 0

    @tg.function
    def __call__(self, x):
        self.traced += 1
        return x * self.factor


def test_method_has_one_cache_per_instance():
    a, b = Scaler(2.0), Scaler(3.0)
    x = tg.constant([1.0, 2.0])
    np.testing.assert_array_equal(a(x).numpy(), [2.0, 4.0])
    np.testing.assert_array_equal(b(x).numpy(), [3.0, 6.0])
    a(x)
    a(tg.constant([5.0, 6.0]))
    assert (a.traced, b.traced) == (1, 1)
    assert a.__call__ is a.__call__ and a.__call__ is not b.__call__
    assert a.__call__.experimental_get_tracing_count() == 1
    assert Scaler.__call__.experimental_get_tracing_count() == 0
    assert a.__call__.python_function.__self__ is a


def test_method_caches_do_not_keep_instances_alive():
    import gc
    import weakref

    s = Scaler(2.0)
    s(tg.constant(1.0))
    ref = weakref.ref(s)
    del s
    gc.collect()
    assert ref() is None


def test_unhashable_instances_get_their_own_cache():
    class Unhashable:
        __hash__ = None

        def __init__(self, k):
            self.k = k

        @tg.function
        def apply(self, x):
            return x + self.k

    one, two = Unhashable(1.0), Unhashable(2.0)
    assert float(one.apply(tg.constant(0.0))) == 1.0
    assert float(two.apply(tg.constant(0.0))) == 2.0


def test_specs_are_for_get_concrete_function_only():
    f = tg.function(lambda x: x)
    with pytest.raises(TypeError, match="holds a tg.TensorSpec; call the function with tensors"):
        f(tg.TensorSpec([2]))

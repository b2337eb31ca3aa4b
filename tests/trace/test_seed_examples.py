"""The tf.function section of the first tutorial, run with `import tracegraph as tf`."""
import pytest

import tracegraph as tf


def scaled_elu(z, scale=1.0, alpha=1.0):
    # z>=0 ? scale*z : scale*alpha*tf.nn.elu(z)
    is_positive = tf.greater_equal(z, 0.0)
    return scale * tf.where(is_positive, z, alpha * tf.nn.elu(z))


def test_function_and_python_function(capsys):
    print(scaled_elu(tf.constant(-3.)))
    print(scaled_elu(tf.constant([-3., -2.5])))
    scaled_elu_tf = tf.function(scaled_elu)
    print(scaled_elu_tf(tf.constant(-3.)))
    print(scaled_elu_tf(tf.constant([-3., -2.5])))
    print(scaled_elu_tf.python_function is scaled_elu)
    assert capsys.readouterr().out.splitlines() == [
        "tg.Tensor(-0.95021296, shape=(), dtype=float32)",
        "tg.Tensor([-0.95021296 -0.917915  ], shape=(2,), dtype=float32)",
        "tg.Tensor(-0.95021296, shape=(), dtype=float32)",
        "tg.Tensor([-0.95021296 -0.917915  ], shape=(2,), dtype=float32)",
        "True",
    ]


def test_decorator_variable_signature_and_concrete_functions(capsys):
    # 1 + 1/2 + 1/2^2 + ... + 1/2^n
    @tf.function
    def converge_to_2(n_iters):
        total = tf.constant(0.)
        increment = tf.constant(1.)
        for _ in range(n_iters):
            total += increment
            increment /= 2.0
        return total

    print(converge_to_2(20))

    var = tf.Variable(0.)

    @tf.function
    def add_21():
        return var.assign_add(21)

    print(add_21())

    @tf.function(input_signature=[tf.TensorSpec([None], tf.int32, name='x')])
    def cube(z):
        return tf.pow(z, 3)

    try:
        print(cube(tf.constant([1., 2., 3.])))
    except ValueError as ex:
        print(ex)
    print(cube(tf.constant([1, 2, 3])))

    cube_func_int32 = cube.get_concrete_function(tf.TensorSpec([None], tf.int32))
    print(cube_func_int32)
    print(cube_func_int32 is cube.get_concrete_function(tf.TensorSpec([5], tf.int32)))
    print(cube_func_int32 is cube.get_concrete_function(tf.constant([1, 2, 3])))

    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "tg.Tensor(1.9999981, shape=(), dtype=float32)"
    assert lines[1] == "tg.Tensor(21.0, shape=(), dtype=float32)"
    assert "dtype float32 is not int32" in lines[2]
    assert lines[3] == "tg.Tensor([ 1  8 27], shape=(3,), dtype=int32)"
    assert lines[4] == "ConcreteFunction cube(z)"
    assert lines[-2:] == ["True", "True"]


@pytest.mark.parametrize("size", [(1000, 1000)])
def test_timed_example_runs(size):
    scaled_elu_tf = tf.function(scaled_elu)
    z = tf.random.normal(size)
    assert scaled_elu_tf(z).shape == size

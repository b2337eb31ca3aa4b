"""tg.Module: variables and sub-modules found through attributes, names, name scopes."""
import numpy as np
import pytest

import tracegraph as tg


class Dense(tg.Module):
    def __init__(self, n_in, n_out, name=None):
        super().__init__(name=name)
        with self.name_scope:
            self.w = tg.Variable(tg.ones([n_in, n_out]), name="w")
            self.b = tg.Variable(tg.zeros([n_out]), name="b")

    @tg.function(input_signature=[tg.TensorSpec([None, 2], tg.float32)])
    def __call__(self, x):
        return tg.matmul(x, self.w) + self.b


class Net(tg.Module):
    def __init__(self):
        super().__init__()
        self.layers = [Dense(2, 2), Dense(2, 1)]
        self.table = {"scale": tg.Variable(2.0, name="scale"), "frozen": tg.Variable(1.0, trainable=False)}
        self.again = self.layers[0]          # the same module reached twice is listed once


def test_variables_own_first_then_submodules_each_once():
    net = Net()
    own = [net.table["frozen"], net.table["scale"]]      # dict values in key order
    first, second = net.layers
    assert list(net.variables) == own + [first.b, first.w, second.b, second.w]
    assert len(net.trainable_variables) == 5
    assert list(net.non_trainable_variables) == [net.table["frozen"]]
    assert list(net.submodules) == [first, second]


def test_default_name_is_snake_case_of_the_class_and_scopes_prefix_variable_names():
    layer = Dense(2, 3)
    assert layer.name == "dense"
    assert layer.w.name.startswith("dense/w")
    named = Dense(2, 3, name="encoder")
    assert named.b.name.startswith("encoder/b")
    with pytest.raises(ValueError, match="not a valid module name"):
        tg.Module(name="has space")


def test_function_methods_see_assignments_to_the_module_variables():
    layer = Dense(2, 1)
    x = tg.constant([[1.0, 2.0]])
    np.testing.assert_allclose(layer(x).numpy(), [[3.0]])
    layer.w.assign(tg.fill([2, 1], 2.0))
    np.testing.assert_allclose(layer(x).numpy(), [[6.0]])


def test_with_name_scope_runs_the_method_in_the_module_scope():
    class Lazy(tg.Module):
        @tg.Module.with_name_scope
        def make(self):
            return tg.Variable(1.0, name="v")
    assert Lazy(name="lazy").make().name.startswith("lazy/v")


def test_name_scope_nests_and_an_absolute_scope_replaces():
    with tg.name_scope("outer"):
        with tg.name_scope("inner"):
            assert tg.Variable(0.0, name="x").name.startswith("outer/inner/x")
        with tg.name_scope("top/"):
            assert tg.Variable(0.0, name="y").name.startswith("top/y")
    assert tg.Variable(0.0, name="z").name.startswith("z")

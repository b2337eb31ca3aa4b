"""The Optimizer base: TF 2.0-era names, None gradients, minimize, state, errors."""
import warnings

import numpy as np
import pytest

import tracegraph as tg
from tracegraph.keras import optimizers as O


def test_seed_sgd_lr_alias_reaches_the_minimum():
    # The tutorial's loop: z = 3x^2 + 2x - 1 has its minimum at -1/3 (TF 2.21 gives -0.3333333134651184).
    x = tg.Variable(0.0)
    optimizer = O.SGD(lr=0.1)
    for _ in range(100):
        with tg.GradientTape() as tape:
            z = 3. * x ** 2 + 2. * x - 1.
        optimizer.apply_gradients([(tape.gradient(z, x), x)])
    assert x.numpy() == np.float32(-0.3333333134651184)
    assert int(optimizer.iterations) == 100


def test_lr_is_learning_rate():
    optimizer = O.Adam(lr=0.5)
    assert float(optimizer.lr) == float(optimizer.learning_rate) == 0.5
    optimizer.lr = 0.125
    assert float(optimizer.learning_rate) == 0.125
    assert optimizer.get_config()["learning_rate"] == 0.125


def test_learning_rate_as_callable_or_variable():
    x = tg.Variable(0.0)
    rate = tg.Variable(0.5)
    optimizer = O.SGD(learning_rate=rate)
    optimizer.apply_gradients([(tg.constant(-1.0), x)])
    rate.assign(0.25)
    optimizer.apply_gradients([(tg.constant(-1.0), x)])
    assert float(x) == 0.75
    calls = []
    optimizer = O.SGD(learning_rate=lambda: calls.append(1) or 0.5)
    optimizer.apply_gradients([(tg.constant(-1.0), x)])
    assert float(x) == 1.25 and calls


def test_a_schedule_learning_rate_is_not_settable():
    optimizer = O.SGD(O.schedules.ExponentialDecay(0.1, 2, 0.5))
    with pytest.raises(TypeError, match="not settable"):
        optimizer.learning_rate = 0.3
    assert float(optimizer.learning_rate) == pytest.approx(0.1)


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="Only one of `clipnorm`"):
        O.SGD(clipnorm=1.0, clipvalue=1.0)
    with pytest.raises(ValueError, match=r"not recognized: \{'betta': 1\}"):
        O.Adam(betta=1)
    with pytest.raises(ValueError, match="weight_decay"):
        O.AdamW(weight_decay=None)
    with pytest.raises(ValueError, match="should be float"):
        O.SGD(learning_rate="fast")
    with pytest.raises(ValueError, match="momentum"):
        O.SGD(momentum=1.5)
    with pytest.raises(ValueError, match="learning_rate_power"):
        O.Ftrl(learning_rate_power=0.5)
    with pytest.raises(ValueError, match="gradient_accumulation_steps"):
        O.SGD(gradient_accumulation_steps=1)


def test_decay_argument_is_ignored_with_keras_warning():
    with pytest.warns(UserWarning, match="`decay` is no longer supported"):
        O.SGD(0.1, decay=0.01)


def test_none_gradients_are_skipped_with_tf_warning_naming_the_variables():
    x, y = tg.Variable(1.0), tg.Variable(2.0, name="bias")
    optimizer = O.SGD(0.5)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        optimizer.apply_gradients([(tg.constant(1.0), x), (None, y)])
    assert [str(w.message) for w in caught] == [
        "Gradients do not exist for variables ['bias:0'] when minimizing the loss. If using `model.compile()`, "
        "did you forget to provide a `loss` argument?"]
    assert float(x) == 0.5 and float(y) == 2.0


def test_no_gradient_at_all_is_an_error():
    with pytest.raises(ValueError, match="No gradients provided for any variable."):
        O.SGD().apply_gradients([(None, tg.Variable(1.0))])


def test_minimize_with_a_tape_and_with_a_callable():
    w1, w2 = tg.Variable([1.0, 2.0]), tg.Variable([1.0, 2.0])
    with tg.GradientTape() as tape:
        loss = tg.reduce_sum(tg.square(w1))
    O.SGD(0.25).minimize(loss, [w1], tape=tape)
    O.SGD(0.25).minimize(lambda: tg.reduce_sum(tg.square(w2)), lambda: [w2])
    np.testing.assert_allclose(w1.numpy(), [0.5, 1.0])
    np.testing.assert_allclose(w2.numpy(), [0.5, 1.0])
    with pytest.raises(ValueError, match="`tape` is required"):
        O.SGD().minimize(loss, [w1])


def test_compute_gradients_pairs_each_variable_with_its_gradient():
    a, b = tg.Variable(3.0), tg.Variable(4.0)
    pairs = O.SGD().compute_gradients(lambda: a * b, [a, b])
    assert [float(g) for g, _ in pairs] == [4.0, 3.0] and [v for _, v in pairs] == [a, b]


def test_apply_with_the_built_variables_and_unknown_variables():
    a, b = tg.Variable(1.0), tg.Variable(2.0)
    optimizer = O.SGD(0.5)
    with pytest.raises(ValueError, match="must already be built"):
        optimizer.apply([tg.constant(1.0)])
    optimizer.build([a, b])
    optimizer.apply([tg.constant(1.0), tg.constant(2.0)])
    assert (float(a), float(b)) == (0.5, 1.0)
    with pytest.raises(ValueError, match="Unknown variable"):
        optimizer.apply_gradients([(tg.constant(1.0), tg.Variable(0.0))])


def test_variables_are_keras_ordered_and_slots_are_found_by_name():
    w, b = tg.Variable([1.0, 2.0]), tg.Variable(0.0, name="bias")
    optimizer = O.Adam(amsgrad=True)
    optimizer.build([w, b])
    names = [v.name.split("/", 1)[1] for v in optimizer.variables]
    assert names[:2] == ["iteration:0", "learning_rate:0"]
    assert [n.rsplit("_", 1)[-1] for n in names[2:]] == ["momentum:0", "velocity:0", "momentum:0", "velocity:0",
                                                          "hat:0", "hat:0"]
    assert optimizer.get_slot_names() == ["momentum", "velocity", "velocity_hat"]
    assert optimizer.get_slot(b, "velocity") is optimizer.get_slot(b, "v")
    assert optimizer.get_slot(w, "m").shape == w.shape and optimizer.iterations.dtype == tg.int64
    with pytest.raises(KeyError):
        optimizer.get_slot(w, "nope")


def test_an_optimizer_is_a_module_holding_only_its_own_state():
    w = tg.Variable([1.0, 2.0])
    optimizer = O.SGD(0.1, momentum=0.9, name="my_sgd")
    optimizer.build([w])
    assert isinstance(optimizer, tg.Module) and optimizer.name == "my_sgd"
    assert optimizer.trainable_variables == ()
    assert {id(v) for v in optimizer.non_trainable_variables} == {id(v) for v in optimizer.variables}
    assert all(v is not w for v in optimizer.variables)


def test_default_names_are_unique_like_keras():
    first, second = O.RMSprop(), O.RMSprop()
    assert first.name.startswith("rm_sprop") and first.name != second.name


def test_weight_decay_skips_excluded_variables():
    w, bias = tg.Variable(2.0), tg.Variable(2.0, name="dense_bias")
    optimizer = O.SGD(0.5, weight_decay=0.1)
    optimizer.exclude_from_weight_decay(var_names=["bias"])
    optimizer.apply_gradients([(tg.constant(0.0), w), (tg.constant(0.0), bias)])
    assert float(w) == pytest.approx(2.0 - 2.0 * 0.1 * 0.5) and float(bias) == 2.0
    with pytest.raises(ValueError, match="before the optimizer is built"):
        optimizer.exclude_from_weight_decay(var_names=["w"])


def test_float64_variables_are_updated_in_float64():
    x = tg.Variable(np.array([1.0, 2.0]))
    optimizer = O.Adam(0.1)
    optimizer.apply_gradients([(tg.constant(np.array([0.5, -0.5])), x)])
    assert x.dtype == tg.float64 and optimizer.get_slot(x, "momentum").dtype == tg.float64
    # Keras 3.15 on TF 2.21 (the betas pass through float32, as in Keras's ops.cast)
    np.testing.assert_allclose(x.numpy(), [0.9000012985311475, 2.0999987014688526], rtol=1e-12)


def test_constraints_are_applied_after_the_update():
    x = tg.Variable([1.0, -1.0], constraint=lambda v: tg.clip_by_value(v, 0.0, 10.0))
    O.SGD(1.0).apply_gradients([(tg.constant([-5.0, 5.0]), x)])
    np.testing.assert_array_equal(x.numpy(), [6.0, 0.0])


def test_moving_averages_replace_the_variables_when_finalized():
    x = tg.Variable(0.0)
    optimizer = O.SGD(1.0, use_ema=True, ema_momentum=0.5)
    for _ in range(3):
        optimizer.apply_gradients([(tg.constant(-1.0), x)])
    assert float(x) == 3.0
    optimizer.finalize_variable_values([x])
    assert float(x) == 0.5 * (0.5 * 1.0 + 0.5 * 2.0) + 0.5 * 3.0


def test_get_and_set_weights_copy_the_state():
    w = tg.Variable([1.0, 2.0])
    source, target = O.Adam(0.1), O.Adam(0.1)
    source.apply_gradients([(tg.constant([0.5, 1.0]), w)])
    target.build([w])
    target.set_weights(source.get_weights())
    for a, b in zip(source.variables, target.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    with pytest.raises(ValueError, match="not yet been built"):
        O.Adam().set_weights(source.get_weights())


def test_a_custom_optimizer_written_as_keras_documents_it():
    class MomentumSGD(O.Optimizer):
        def __init__(self, learning_rate=0.1, **kwargs):
            super().__init__(learning_rate=learning_rate, **kwargs)
            self.momentum = 0.5

        def build(self, variables):
            super().build(variables)
            self.momentums = [self.add_variable_from_reference(reference_variable=v, name="momentum")
                              for v in variables]

        def update_step(self, gradient, variable, learning_rate):
            m = self.momentums[self._get_variable_index(variable)]
            self.assign(m, m * self.momentum - gradient * tg.cast(learning_rate, variable.dtype))
            self.assign_add(variable, m)

    x = tg.Variable(0.0)
    optimizer = MomentumSGD()
    for _ in range(2):
        optimizer.apply_gradients([(tg.constant(-1.0), x)])
    assert float(x) == pytest.approx(0.1 + (0.05 + 0.1))
    assert optimizer.name == "momentum_sgd" and len(optimizer.variables) == 3

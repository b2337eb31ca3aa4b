"""An optimizer step inside `tg.function`: the same values as eager steps, one trace for many
calls, learning rate changes seen without retracing, slots created while tracing."""
import numpy as np
import pytest

import tracegraph as tg
from tracegraph.keras import optimizers as O

S = O.schedules

MAKERS = {
    "sgd": lambda: O.SGD(0.1),
    "sgd_nesterov": lambda: O.SGD(0.1, momentum=0.9, nesterov=True),
    "adam_amsgrad": lambda: O.Adam(0.1, amsgrad=True),
    "adamw_clipnorm": lambda: O.AdamW(0.1, clipnorm=0.5),
    "rmsprop_centered": lambda: O.RMSprop(0.1, momentum=0.5, centered=True),
    "adagrad": lambda: O.Adagrad(0.1),
    "adadelta": lambda: O.Adadelta(1.0),
    "adamax": lambda: O.Adamax(0.1),
    "nadam": lambda: O.Nadam(0.1),
    "ftrl": lambda: O.Ftrl(0.1, l1_regularization_strength=0.01),
    "sgd_schedule": lambda: O.SGD(S.CosineDecay(0.1, 3, warmup_target=0.2, warmup_steps=2)),
    "sgd_global_clip_ema": lambda: O.SGD(0.1, global_clipnorm=0.4, use_ema=True, ema_overwrite_frequency=2),
    "adam_accumulate": lambda: O.Adam(0.1, gradient_accumulation_steps=2),
}

GRADS = [([0.5, -1.0], 0.3), ([-0.2, 0.4], -0.1), ([1.5, 0.5], 0.0), ([0.1, -0.3], 2.0)]


def _pair():
    return tg.Variable([1.0, -2.0]), tg.Variable(0.5)


@pytest.mark.parametrize("case", sorted(MAKERS))
def test_traced_step_equals_eager_step_and_traces_once(case):
    (ew, eb), (tw, tb) = _pair(), _pair()
    eager, traced = MAKERS[case](), MAKERS[case]()

    @tg.function
    def step(gw, gb):
        traced.apply_gradients([(gw, tw), (gb, tb)])

    for gw, gb in GRADS:
        gw, gb = tg.constant(gw), tg.constant(gb)
        eager.apply_gradients([(gw, ew), (gb, eb)])
        step(gw, gb)
        np.testing.assert_allclose(tw.numpy(), ew.numpy(), rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(tb.numpy(), eb.numpy(), rtol=1e-6, atol=1e-7)
    assert step.experimental_get_tracing_count() == 1
    assert int(traced.iterations) == int(eager.iterations) == len(GRADS) // (traced.gradient_accumulation_steps or 1)
    assert [v.name for v in traced.variables] != [] and len(traced.variables) == len(eager.variables)


def test_learning_rate_set_between_calls_is_used_without_retracing():
    x = tg.Variable(1.0)
    optimizer = O.SGD(0.1)

    @tg.function
    def step():
        optimizer.apply_gradients([(tg.constant(1.0), x)])

    step()
    optimizer.learning_rate = 0.5
    step()
    optimizer.lr = 0.25
    step()
    np.testing.assert_allclose(x.numpy(), 1.0 - 0.1 - 0.5 - 0.25, rtol=1e-6)
    assert step.experimental_get_tracing_count() == 1


def test_a_schedule_follows_the_step_count_inside_one_trace():
    x = tg.Variable(0.0)
    optimizer = O.SGD(S.ExponentialDecay(1.0, 1, 0.5))

    @tg.function
    def step():
        optimizer.apply_gradients([(tg.constant(-1.0), x)])

    for _ in range(4):
        step()
    np.testing.assert_allclose(x.numpy(), 1.0 + 0.5 + 0.25 + 0.125, rtol=1e-6)
    assert step.experimental_get_tracing_count() == 1


def test_minimize_inside_a_function_builds_the_slots_eagerly():
    w = tg.Variable([3.0, -1.0])
    optimizer = O.Adam(0.1)

    @tg.function
    def step():
        optimizer.minimize(lambda: tg.reduce_sum(tg.square(w)), [w])

    step()
    step()
    momentum = optimizer.get_slot(w, "momentum")
    assert isinstance(momentum.numpy(), np.ndarray) and np.all(momentum.numpy() != 0)
    assert int(optimizer.iterations) == 2 and step.experimental_get_tracing_count() == 1


def test_sparse_gradient_of_a_gather_inside_a_function():
    table = tg.Variable(np.ones((4, 2), np.float32))
    optimizer = O.Adagrad(0.1)

    @tg.function
    def step():
        with tg.GradientTape() as tape:
            loss = tg.reduce_sum(tg.gather(table, [1, 3, 1]) * 2.0)
        optimizer.apply_gradients([(tape.gradient(loss, table), table)])

    step()
    step()
    # rows 0 and 2 never gathered: untouched, as are their accumulators
    np.testing.assert_array_equal(table.numpy()[[0, 2]], 1.0)
    np.testing.assert_allclose(optimizer.get_slot(table, "accumulator").numpy()[[0, 2]], 0.1)
    assert np.all(table.numpy()[[1, 3]] < 1.0)
    assert step.experimental_get_tracing_count() == 1

"""Each optimizer's steps against Keras 3.15 on TF 2.21: the same float32 variable, the same fixed
gradients, the trajectories recorded in `optimizer_reference.py` (by /tmp/tfvenv's Keras, with
the optimizer arguments written here)."""
import numpy as np
import pytest

import tracegraph as tg
from tracegraph.keras import optimizers as O
from optimizer_reference import DENSE, GLOBAL_CLIPNORM, SCHEDULES, SPARSE

S = O.schedules

INIT = [1.0, -2.0, 3.0, 0.5]
GRADS = [[0.1, -0.2, 0.3, 0.4], [0.2, -0.1, -0.3, 0.5], [-0.4, 0.3, 0.2, 0.1], [0.05, 0.6, -0.2, -0.3]]
INIT2 = [[0.5, -1.0], [2.0, 0.25]]
GRADS2 = [[[1.0, 2.0], [-0.5, 0.1]], [[0.3, -0.2], [0.4, 4.0]], [[-2.0, 0.5], [0.0, 0.2]],
          [[0.1, 0.1], [-0.3, -3.0]]]

DENSE_OPTIMIZERS = {
    "sgd": lambda: O.SGD(0.1),
    "sgd_default": lambda: O.SGD(),
    "sgd_momentum": lambda: O.SGD(0.1, momentum=0.9),
    "sgd_nesterov": lambda: O.SGD(0.1, momentum=0.9, nesterov=True),
    "adam": lambda: O.Adam(0.1),
    "adam_default": lambda: O.Adam(),
    "adam_amsgrad": lambda: O.Adam(0.1, amsgrad=True),
    "adamw": lambda: O.AdamW(0.1),
    "adamw_amsgrad": lambda: O.AdamW(0.1, weight_decay=0.05, amsgrad=True),
    "rmsprop": lambda: O.RMSprop(0.1),
    "rmsprop_momentum": lambda: O.RMSprop(0.1, momentum=0.5),
    "rmsprop_centered": lambda: O.RMSprop(0.1, centered=True),
    "rmsprop_momentum_centered": lambda: O.RMSprop(0.1, rho=0.8, momentum=0.5, centered=True),
    "adagrad": lambda: O.Adagrad(0.1),
    "adagrad_args": lambda: O.Adagrad(0.1, initial_accumulator_value=0.5, epsilon=1e-3),
    "adadelta": lambda: O.Adadelta(1.0),
    "adadelta_rho": lambda: O.Adadelta(1.0, rho=0.8, epsilon=1e-4),
    "adamax": lambda: O.Adamax(0.1),
    "nadam": lambda: O.Nadam(0.1),
    "ftrl": lambda: O.Ftrl(0.1),
    "ftrl_regularized": lambda: O.Ftrl(0.1, l1_regularization_strength=0.01, l2_regularization_strength=0.02,
                                       l2_shrinkage_regularization_strength=0.03, beta=0.1),
    "ftrl_power": lambda: O.Ftrl(0.1, learning_rate_power=-0.3, initial_accumulator_value=0.2),
    "sgd_weight_decay": lambda: O.SGD(0.1, weight_decay=0.1),
    "adam_weight_decay": lambda: O.Adam(0.1, weight_decay=0.1),
    "sgd_clipnorm": lambda: O.SGD(0.1, clipnorm=0.3),
    "sgd_clipvalue": lambda: O.SGD(0.1, clipvalue=0.25),
    "adam_clipnorm": lambda: O.Adam(0.1, clipnorm=0.3),
    "sgd_loss_scale": lambda: O.SGD(0.1, loss_scale_factor=4.0),
    "sgd_ema": lambda: O.SGD(0.1, use_ema=True, ema_momentum=0.5),
    "sgd_ema_overwrite": lambda: O.SGD(0.1, use_ema=True, ema_momentum=0.5, ema_overwrite_frequency=2),
    "sgd_exponential": lambda: O.SGD(S.ExponentialDecay(0.1, 2, 0.5)),
    "adam_piecewise": lambda: O.Adam(S.PiecewiseConstantDecay([1, 2], [0.1, 0.05, 0.01])),
    "sgd_cosine_warmup": lambda: O.SGD(S.CosineDecay(0.0, 3, warmup_target=0.2, warmup_steps=2)),
    "sgd_accumulate": lambda: O.SGD(0.1, momentum=0.5, gradient_accumulation_steps=2),
    "adam_accumulate": lambda: O.Adam(0.1, gradient_accumulation_steps=2, clipnorm=0.3),
    "sgd_accumulate_schedule_ema": lambda: O.SGD(S.ExponentialDecay(0.1, 1, 0.5), gradient_accumulation_steps=2,
                                                 use_ema=True, ema_momentum=0.5, ema_overwrite_frequency=1),
}

SPARSE_INDICES = [[2, 0], [1, 2], [0, 3]]
SPARSE_VALUES = [[[1.0, -0.5], [0.25, 2.0]], [[-1.0, 0.3], [0.5, 0.5]], [[0.2, 0.2], [-0.4, 1.0]]]
SPARSE_INIT = [[1.0, 2.0], [-1.0, 0.5], [0.3, -0.7], [2.0, 1.5]]
SPARSE_OPTIMIZERS = {
    "sgd": lambda: O.SGD(0.1),
    "sgd_momentum": lambda: O.SGD(0.1, momentum=0.9),
    "sgd_nesterov": lambda: O.SGD(0.1, momentum=0.9, nesterov=True),
    "adagrad": lambda: O.Adagrad(0.1),
    "rmsprop": lambda: O.RMSprop(0.1),
    "rmsprop_momentum_centered": lambda: O.RMSprop(0.1, momentum=0.5, centered=True),
    "adadelta": lambda: O.Adadelta(1.0),
    "adam": lambda: O.Adam(0.1),
    "ftrl": lambda: O.Ftrl(0.1),
    "sgd_clipnorm": lambda: O.SGD(0.1, clipnorm=0.5),
}

SCHEDULE_OBJECTS = {
    "exponential": lambda: S.ExponentialDecay(0.1, 3, 0.5),
    "exponential_staircase": lambda: S.ExponentialDecay(0.1, 3, 0.5, staircase=True),
    "piecewise": lambda: S.PiecewiseConstantDecay([2, 5], [1.0, 0.5, 0.1]),
    "cosine": lambda: S.CosineDecay(0.1, 6, alpha=0.1),
    "cosine_warmup": lambda: S.CosineDecay(0.0, 5, warmup_target=0.2, warmup_steps=3),
    "inverse_time": lambda: S.InverseTimeDecay(0.1, 2, 0.5),
    "inverse_time_staircase": lambda: S.InverseTimeDecay(0.1, 2, 0.5, staircase=True),
    "polynomial": lambda: S.PolynomialDecay(0.1, 5, 0.01, power=2.0),
    "polynomial_cycle": lambda: S.PolynomialDecay(0.1, 3, 0.01, cycle=True),
    "cosine_restarts": lambda: S.CosineDecayRestarts(0.1, 2, t_mul=2.0, m_mul=0.5, alpha=0.1),
    "cosine_restarts_t1": lambda: S.CosineDecayRestarts(0.1, 3, t_mul=1.0),
}


def close(actual, expected):
    np.testing.assert_allclose(np.asarray(actual, np.float32), np.asarray(expected, np.float32),
                               rtol=2e-6, atol=2e-7)


def test_every_recorded_scenario_is_run():
    assert set(DENSE_OPTIMIZERS) == set(DENSE)
    assert set(SPARSE_OPTIMIZERS) == set(SPARSE)
    assert set(SCHEDULE_OBJECTS) == set(SCHEDULES)


@pytest.mark.parametrize("case", sorted(DENSE_OPTIMIZERS))
def test_dense_steps_match_keras(case):
    var = tg.Variable(np.array(INIT, np.float32))
    optimizer = DENSE_OPTIMIZERS[case]()
    for grad, expected in zip(GRADS, DENSE[case]):
        optimizer.apply_gradients([(tg.constant(np.array(grad, np.float32)), var)])
        close(var.numpy(), expected)


def test_global_clipnorm_scales_all_gradients_together():
    a, b = tg.Variable(np.array(INIT, np.float32)), tg.Variable(np.array(INIT2, np.float32))
    optimizer = O.SGD(0.1, global_clipnorm=0.5)
    for g1, g2, (expected_a, expected_b) in zip(GRADS, GRADS2, GLOBAL_CLIPNORM):
        optimizer.apply_gradients([(tg.constant(np.array(g1, np.float32)), a),
                                   (tg.constant(np.array(g2, np.float32)), b)])
        close(a.numpy(), expected_a)
        close(b.numpy(), expected_b)


@pytest.mark.parametrize("case", sorted(SPARSE_OPTIMIZERS))
def test_indexed_slices_steps_match_keras(case):
    var = tg.Variable(np.array(SPARSE_INIT, np.float32))
    optimizer = SPARSE_OPTIMIZERS[case]()
    for indices, values, expected in zip(SPARSE_INDICES, SPARSE_VALUES, SPARSE[case]):
        grad = tg.IndexedSlices(tg.constant(values, tg.float32), tg.constant(indices), tg.constant([4, 2]))
        optimizer.apply_gradients([(grad, var)])
        close(var.numpy(), expected)


@pytest.mark.parametrize("case", sorted(SCHEDULE_OBJECTS))
def test_schedules_match_keras(case):
    schedule = SCHEDULE_OBJECTS[case]()
    close([float(schedule(tg.constant(step, tg.int64))) for step in range(10)], SCHEDULES[case])

"""`BaseLogger`: epoch averages of non-stateful batch values; stateful ones keep their last value."""
import numpy as np
import pytest

import tracegraph as tg
from tracegraph.keras.callbacks import BaseLogger


def test_averages_batch_values_weighted_by_size_and_keeps_stateful_ones():
    logger = BaseLogger(stateful_metrics=["acc"])
    logger.on_epoch_begin(0)
    logger.on_train_batch_end(0, {"size": 2, "extra": 1.0, "acc": 0.5})
    logger.on_train_batch_end(1, {"size": 6, "extra": 3.0, "acc": 0.75})
    logs = {}
    logger.on_epoch_end(0, logs)
    assert logs["extra"] == pytest.approx((2 * 1.0 + 6 * 3.0) / 8)
    assert logs["acc"] == 0.75
    logger.on_epoch_begin(1)
    logger.on_train_batch_end(0, {"extra": 5.0})
    logs = {}
    logger.on_epoch_end(1, logs)
    assert logs["extra"] == 5.0


def test_in_fit_the_compiled_loss_and_metrics_are_left_as_their_epoch_means():
    rng = np.random.default_rng(0)
    x, y = rng.random((40, 3), np.float32), rng.random((40, 1), np.float32)

    def run(callbacks):
        tg.keras.utils.set_random_seed(1)
        model = tg.keras.Sequential([tg.keras.layers.Dense(1)])
        model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
        return model.fit(x, y, batch_size=8, epochs=2, verbose=0, callbacks=callbacks).history

    assert run([BaseLogger()]) == run([])

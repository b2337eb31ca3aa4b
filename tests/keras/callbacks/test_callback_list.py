"""CallbackList: dispatch of every hook, History and ProgbarLogger added as `fit` does, logs as Python floats."""
import re

import numpy as np

import tracegraph as tg
from callback_fakes import FakeModel, fit
from tracegraph.keras.callbacks import Callback, CallbackList, History, LambdaCallback, ProgbarLogger
from tracegraph.keras.callbacks.callback import HOOKS


class Recorder(Callback):
    """Records every hook call with its arguments."""

    def __init__(self):
        super().__init__()
        self.calls = []


def _recording(hook):
    def method(self, *args, **kwargs):
        self.calls.append((hook, args, kwargs))
    return method


for _hook in HOOKS:
    setattr(Recorder, _hook, _recording(_hook))


def test_every_hook_reaches_every_callback_in_order():
    first, second = Recorder(), Recorder()
    callbacks = CallbackList([first, [second]], model=FakeModel(), verbose=0, epochs=1, steps=1)
    for hook in HOOKS:
        args = (3,) if ("batch" in hook or "epoch" in hook) else ()
        getattr(callbacks, hook)(*args, {"loss": 1.0})
    assert [c[0] for c in first.calls] == [c[0] for c in second.calls]
    assert {c[0] for c in first.calls} == set(HOOKS)
    assert ("on_epoch_end", (3, {"loss": 1.0}), {}) in first.calls


def test_old_batch_hook_names_are_called_from_the_new_ones():
    seen = []

    class Old(Callback):
        def on_batch_begin(self, batch, logs=None):
            seen.append(("begin", batch))

        def on_batch_end(self, batch, logs=None):
            seen.append(("end", batch, logs))

    callbacks = CallbackList([Old()])
    assert callbacks.has_train_batch_hooks and not callbacks.has_test_batch_hooks
    callbacks.on_train_batch_begin(0)
    callbacks.on_train_batch_end(0, {"loss": np.float32(0.5)})
    assert seen == [("begin", 0), ("end", 0, {"loss": 0.5})]
    assert type(seen[1][2]["loss"]) is float


def test_logs_become_sorted_flat_python_floats():
    got = []
    callbacks = CallbackList([LambdaCallback(on_epoch_end=lambda epoch, logs: got.append(logs))])
    callbacks.on_epoch_end(0, {"val_loss": tg.constant(0.25), "loss": np.float64(0.5),
                               "extra": {"b": 1}, "name": "text"})
    assert got == [{"b": 1.0, "loss": 0.5, "name": "text", "val_loss": 0.25}]
    assert list(got[0]) == ["b", "loss", "name", "val_loss"]
    assert all(type(v) is float for k, v in got[0].items() if k != "name")


def test_nobody_listening_means_no_batch_work():
    callbacks = CallbackList([History()], add_history=True)
    assert not (callbacks.has_train_batch_hooks or callbacks.has_test_batch_hooks
                or callbacks.has_predict_batch_hooks)
    assert len(callbacks.callbacks) == 1


def test_history_and_progbar_are_added_once_and_model_gets_history():
    model = FakeModel()
    callbacks = CallbackList(None, add_history=True, add_progbar=True, model=model, verbose=1, epochs=2, steps=3)
    assert [type(c) for c in callbacks.callbacks] == [History, ProgbarLogger]
    assert model.history is callbacks.callbacks[0]
    assert callbacks.callbacks[1].params == {"verbose": 1, "epochs": 2, "steps": 3}
    mine = ProgbarLogger()
    assert CallbackList([mine], add_progbar=True).callbacks == [mine]


def test_history_records_epochs_and_values():
    model, history = fit([], [{"loss": 1.0, "val_loss": 2.0}, {"loss": 0.5, "val_loss": 1.5}])
    assert history.history == {"loss": [1.0, 0.5], "val_loss": [2.0, 1.5]}
    assert history.epoch == [0, 1]
    assert history.params == {"verbose": 0, "epochs": 2, "steps": 2}


def test_append_and_lambda_hooks_given_by_keyword():
    ends = []
    callbacks = CallbackList([], model=FakeModel(), verbose=0)
    callbacks.append(LambdaCallback(on_test_end=lambda logs: ends.append(logs),
                                    on_train_batch_end=lambda batch, logs: ends.append(batch)))
    assert callbacks.callbacks[0].model is callbacks.model
    callbacks.on_test_begin()
    callbacks.on_train_batch_end(4, {})
    callbacks.on_test_end({"loss": 1})
    assert ends == [4, {"loss": 1.0}]


def test_progbar_logger_in_fit_prints_epochs_and_final_lines(capsys):
    fit([], [{"loss": 0.5, "val_loss": 0.25}, {"loss": 0.125, "val_loss": 0.0625}], steps=3, verbose=1)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2"
    assert re.fullmatch(r"3/3 ━{20} \d+s \d+(us|ms)/step - loss: 0\.5000 - val_loss: 0\.2500", lines[1]), lines[1]
    assert re.fullmatch(r"3/3 ━{20} \d+s \d+(us|ms)/step - loss: 0\.1250 - val_loss: 0\.0625", lines[3]), lines[3]


def test_progbar_logger_verbose_2_evaluate_and_unknown_steps(capsys):
    logger = ProgbarLogger()
    callbacks = CallbackList([logger], model=FakeModel(), verbose=2, epochs=1, steps=None)
    callbacks.on_test_begin()
    for batch in range(4):
        callbacks.on_test_batch_end(batch, {"loss": 1.0})
    callbacks.on_test_end({"loss": 0.75})
    out = capsys.readouterr().out
    assert re.fullmatch(r"4/4 - \d+s - \d+(us|ms)/step - loss: 0\.7500\n", out), out


def test_progbar_logger_is_silent_for_validation_inside_fit(capsys):
    callbacks = CallbackList([], add_progbar=True, model=FakeModel(), verbose=1, epochs=1, steps=1)
    callbacks.on_train_begin()
    callbacks.on_epoch_begin(0)
    callbacks.on_train_batch_end(0, {"loss": 1.0})
    callbacks.on_test_begin()
    callbacks.on_test_batch_end(0, {"loss": 9.0})
    callbacks.on_test_end({"loss": 9.0})
    assert capsys.readouterr().out == ""
    callbacks.on_epoch_end(0, {"loss": 1.0, "val_loss": 9.0})
    assert capsys.readouterr().out.endswith("- loss: 1.0000 - val_loss: 9.0000\n")


def test_fit_validation_calls_the_test_hooks_of_fits_callbacks():
    """As Keras: `fit`'s validation pass is an `evaluate` with the same callbacks (TensorBoard writes
    its validation summaries from these hooks)."""
    import numpy as np
    import tracegraph as tg

    seen = []

    class Recorder(tg.keras.callbacks.Callback):
        def on_test_begin(self, logs=None):
            seen.append("test_begin")

        def on_test_end(self, logs=None):
            seen.append(("test_end", sorted(logs)))

        def on_epoch_end(self, epoch, logs=None):
            seen.append("epoch_end")

    model = tg.keras.Sequential([tg.keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x, y = np.ones((8, 2), np.float32), np.ones((8, 1), np.float32)
    model.fit(x, y, batch_size=4, epochs=2, verbose=0, validation_data=(x, y), callbacks=[Recorder()])
    assert seen == ["test_begin", ("test_end", ["loss"]), "epoch_end"] * 2

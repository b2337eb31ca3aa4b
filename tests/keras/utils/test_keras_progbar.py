"""Progbar's lines: the exact bytes were recorded from Keras 3.15's Progbar (TF 2.21's venv) under the same
fake clock; plain (non-terminal) output is tracegraph's own rule: the final line only, without colour codes."""
import re

import pytest

from tracegraph.keras.utils import Progbar, progbar as progbar_module


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def time(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(progbar_module, "time", fake)
    return fake


def run(clock, bar, steps, dt, values, final=None):
    for i in range(1, steps + 1):
        clock.now += dt
        bar.update(i, values(i), finalize=False if final is not None else None)
    if final is not None:
        bar.update(steps, final, finalize=True)


def test_terminal_bar_matches_keras_byte_for_byte(clock, capsys):
    bar = Progbar(10)
    bar._dynamic_display = True
    run(clock, bar, 10, 0.02, lambda i: [("loss", 1.0 / i)])
    back = "\x08" * 54
    frames = [(" 1/10", 2, "1.0000"), (" 4/10", 8, "0.5208"), (" 7/10", 14, "0.3704")]
    expected = "".join(
        f"\r\x1b[1m{count}\x1b[0m \x1b[32m{'━' * done}\x1b[0m\x1b[37m{'━' * (20 - done)}\x1b[0m "
        f"\x1b[1m0s\x1b[0m 20ms/step - loss: {loss}{back}" for count, done, loss in frames)
    expected += ("\r\x1b[1m10/10\x1b[0m \x1b[32m" + "━" * 20 + "\x1b[0m\x1b[37m\x1b[0m \x1b[1m0s\x1b[0m 20ms/step"
                 " - loss: 0.1000\n")
    assert capsys.readouterr().out == expected


def test_verbose_2_prints_one_summary_line(clock, capsys):
    bar = Progbar(5, verbose=2)
    run(clock, bar, 5, 1.5, lambda i: [("loss", -0.5 * i), ("tiny", 1e-5)])
    # Keras 3 averages non-stateful metrics; verbose=2 compares the signed value with 1e-3.
    assert capsys.readouterr().out == "5/5 - 8s - 2s/step - loss: -2.5000e+00 - tiny: 1.0000e-05\n"


def test_plain_output_is_the_final_line_only(clock, capsys):
    bar = Progbar(645, stateless_metrics=set())
    run(clock, bar, 645, 0.002, lambda i: {"loss": 1.0 / i, "accuracy": 0.5},
        final={"loss": 0.41, "val_loss": 0.39, "accuracy": 0.75})
    assert capsys.readouterr().out == (
        "645/645 ━━━━━━━━━━━━━━━━━━━━ 1s 2ms/step - accuracy: 0.7500 - loss: 0.4100 - val_loss: 0.3900\n")


def test_real_clock_final_line_format(capsys):
    bar = Progbar(3, stateful_metrics=["acc"])
    for i in range(1, 4):
        bar.update(i, [("loss", float(i)), ("acc", 0.25 * i)])
    line = capsys.readouterr().out
    assert re.fullmatch(r"3/3 ━{20} \d+s \d+(us|ms|s)/step - loss: 3\.0000 - acc: 0\.7500\n", line), line


def test_unknown_target_and_averaging(clock, capsys):
    bar = Progbar(None, stateful_metrics=["acc"])
    bar._dynamic_display = True
    run(clock, bar, 3, 0.3, lambda i: [("loss", 0.5 * i), ("acc", 0.1 * i)])
    frames = capsys.readouterr().out.split("\r")
    assert frames[-1].startswith("      3/Unknown \x1b[1m1s\x1b[0m 300ms/step - loss: 1.0000 - acc: 0.3000")


def test_eta_formats(clock, capsys):
    bar = Progbar(100000)
    bar._dynamic_display = True
    run(clock, bar, 1, 1.0, lambda i: [("loss", 5.0)])
    assert "\x1b[1m27:46:39\x1b[0m 1s/step - loss: 5.0000" in capsys.readouterr().out


def test_redraws_are_rate_limited(clock, capsys):
    bar = Progbar(1000, interval=0.05)
    bar._dynamic_display = True
    run(clock, bar, 999, 0.001, lambda i: {"loss": 1.0})
    # 999 steps over ~1 s: one redraw per 50 ms, not one per step.
    assert 15 <= capsys.readouterr().out.count("\r") <= 25


def test_silent_and_argument_checks(capsys):
    bar = Progbar(2, verbose=0)
    bar.update(1, [("loss", 1.0)])
    bar.add(1, [("loss", 1.0)])
    assert capsys.readouterr().out == ""
    with pytest.raises(ValueError, match="Only one of `stateful_metrics` or `stateless_metrics`"):
        Progbar(2, stateful_metrics=["a"], stateless_metrics=["b"])


def test_values_that_are_not_numbers_are_shown_as_given(clock, capsys):
    bar = Progbar(1, stateless_metrics=set())
    bar.update(1, [("loss", 0.5), ("note", "warmup"), ("pair", [1.0, 3.0])])
    assert capsys.readouterr().out == "1/1 ━━━━━━━━━━━━━━━━━━━━ 0s 0s/step - loss: 0.5000 - note: warmup - pair: 2.0000\n"

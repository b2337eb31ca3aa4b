"""`keras.utils.Progbar`: the progress bar `fit`, `evaluate` and `predict` print, as Keras 3 prints it.

verbose=1 on a terminal (or in a notebook) redraws one line in place, at most every `interval` seconds:

    12/645 ━━━━━━━━━━━━━━━━━━━━ 3s 5ms/step - loss: 0.5100

and ends with the total time: `645/645 ━━━━━━━━━━━━━━━━━━━━ 1s 2ms/step - loss: 0.4100 - val_loss: 0.3900`
(on a terminal in Keras 3's colours: bold counts, the done part green). verbose=2 prints only that final
line per epoch, as `645/645 - 1s - 2ms/step - loss: 0.4100`. When stdout is neither a terminal nor a
notebook (a pipe, a log file), verbose=1 prints only the final line, without colour codes, instead of
a stream of partial bars.

The per-step path is kept to a few attribute updates and one clock read: metrics nobody averages are
only converted to floats when a line is drawn, so a step costs the bar about 0.4 us (2-core dev machine).
"""
import math
import os
import sys
import time

import numpy as np

from .io_utils import print_msg
from .logs import pythonify_logs

__all__ = ["Progbar"]

_BOLD, _GREEN, _GREY, _RESET = "\x1b[1m", "\33[32m", "\33[37m", "\x1b[0m"
_BAR_CHAR = "━"


class Progbar:
    """Displays a progress bar (Keras 3's `keras.utils.Progbar`).

    Args:
        target: total number of steps expected, `None` if unknown.
        width: the bar's width in characters.
        verbose: 0 (silent), 1 (a bar redrawn in place), 2 (one line at the end).
        interval: the least time in seconds between two redraws of the bar.
        stateful_metrics: names of metrics shown as given (not averaged); every other metric is
            averaged over the steps seen. Give this or `stateless_metrics`, not both.
        stateless_metrics: names of metrics averaged over the steps; every other metric is shown as
            given (`set()` shows every metric as given, as `fit`'s ProgbarLogger does).
        unit_name: what a step is called in the time per step (`"step"`, `"sample"`).
    """

    def __init__(self, target, width=20, verbose=1, interval=0.05, stateful_metrics=None,
                 stateless_metrics=None, unit_name="step"):
        if stateful_metrics is not None and stateless_metrics is not None:
            raise ValueError(
                "Only one of `stateful_metrics` or `stateless_metrics` can be provided. `stateful_metrics` "
                "is used to make metrics stateless by default (with an exclusion list), while "
                "`stateless_metrics` is used to make metrics stateful by default (with an exclusion list).")
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        self.stateful_metrics = None if stateless_metrics is not None else set(stateful_metrics or ())
        self.stateless_metrics = None if stateless_metrics is None else set(stateless_metrics)
        # Nothing to average: the latest values are kept as given and read only when a line is drawn.
        self._shows_latest_only = self.stateless_metrics is not None and not self.stateless_metrics
        self._dynamic_display = ((hasattr(sys.stdout, "isatty") and sys.stdout.isatty())
                                 or "ipykernel" in sys.modules or "PYCHARM_HOSTED" in os.environ)
        self._seen_so_far = 0
        self._values = {}
        self._values_order = []
        self._pending = None
        self._start = time.time()
        self._last_update = 0.0
        self._time_after_first_step = None
        self._prev_total_width = 0

    def update(self, current, values=None, finalize=None):
        """Record step `current` (1-based) and redraw when due.

        `values` is a list of `(name, value)` pairs or a dict of logs (flattened, in sorted order, as
        Keras's callbacks pass them). `finalize` (default: `current >= target`) draws the final line.
        """
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        if values:
            if self._shows_latest_only:
                self._pending = values
            else:
                self._accumulate(current, values, finalize)
        self._seen_so_far = current
        now = time.time()
        if current == 1 and self._time_after_first_step is None:
            self._time_after_first_step = now
        if self.verbose == 1 and (finalize or now - self._last_update >= self.interval):
            if finalize or self._dynamic_display:
                self._write(self._bar_line(current, now, finalize))
            self._last_update = now
        elif self.verbose == 2 and finalize and self.target:
            self._write(self._summary_line(current, now))
            self._last_update = now

    def add(self, n, values=None):
        """Advance by `n` steps."""
        self.update(self._seen_so_far + n, values)

    def _accumulate(self, current, values, finalize):
        for name, value in _pairs(values):
            if name not in self._values:
                self._values_order.append(name)
            averaged = (name not in self.stateful_metrics if self.stateful_metrics is not None
                        else name in self.stateless_metrics)
            if not averaged or finalize:
                # A final value is the epoch's own result: show it as is (Keras does the same).
                self._values[name] = [value, 1]
                continue
            steps = max(current - self._seen_so_far, 1)
            total = self._values.get(name)
            if total is None:
                self._values[name] = [value * steps, steps]
            else:
                total[0] += value * steps
                total[1] += steps

    def _take_pending(self):
        if self._pending is not None:
            for name, value in _pairs(self._pending):
                if name not in self._values:
                    self._values_order.append(name)
                self._values[name] = [value, 1]
            self._pending = None

    def _bar_line(self, current, now, finalize):
        styled = self._dynamic_display
        bold, green, grey, reset = (_BOLD, _GREEN, _GREY, _RESET) if styled else ("", "", "", "")
        if self.target is not None and self.target > 0:
            count = f"%{_digits(self.target)}d/%d" % (current, self.target)
            done = int(self.width * current / self.target)
            bar = f"{bold}{count}{reset} "
            if done > 0:
                bar += f"{green}{_BAR_CHAR * done}{reset}"
            bar += f"{grey}{_BAR_CHAR * (self.width - done)}{reset}"
            special = (8 + (9 if done > 0 else 0) + 9) if styled else 0
        else:
            bar, special = "%7d/Unknown" % current, 0
        time_per_unit = self._time_per_unit(current, now)
        if self.target is not None and self.target > 0 and not finalize:
            info = f" {bold}{_format_eta(time_per_unit * (self.target - current))}{reset}"
        else:
            info = f" {bold}{now - self._start:.0f}s{reset}"
        special += 8 if styled else 0
        info += _format_time(time_per_unit, self.unit_name)
        info += self._metrics_text(abs_threshold=True)
        total_width = len(bar) + len(info) - special
        line = bar + info
        if styled:
            line = "\b" * self._prev_total_width + "\r" + line
            line += " " * max(self._prev_total_width - total_width, 0)
        self._prev_total_width = total_width
        return line + "\n" if finalize else line

    def _summary_line(self, current, now):
        info = f"%{_digits(self.target)}d/%d - {now - self._start:.0f}s" % (current, self.target)
        info += f" -{_format_time(self._time_per_unit(current, now), self.unit_name)}"
        # verbose=2 compares the signed average with 1e-3 (Keras 3 does; negatives print as 1.0e-01 style).
        return info + self._metrics_text(abs_threshold=False) + "\n"

    def _metrics_text(self, abs_threshold):
        self._take_pending()
        text = ""
        for name in self._values_order:
            total, count = self._values[name]
            try:
                average = float(total if isinstance(total, (int, float)) else np.mean(total)) / max(1, count)
            except (TypeError, ValueError):  # a value that is not a number is shown as it is
                text += f" - {name}: {total}"
                continue
            shown = abs(average) if abs_threshold else average
            text += f" - {name}: {average:.4f}" if shown > 1e-3 else f" - {name}: {average:.4e}"
        return text

    def _time_per_unit(self, current, now):
        """Time per step, leaving the first (tracing, compiling) step out once there are others."""
        if not current:
            return 0.0
        if self._time_after_first_step is not None and current > 1:
            return (now - self._time_after_first_step) / (current - 1)
        return (now - self._start) / current

    @staticmethod
    def _write(text):
        print_msg(text, line_break=False)


def _pairs(values):
    return pythonify_logs(values).items() if isinstance(values, dict) else values


def _digits(target):
    return int(math.log10(target)) + 1


def _format_eta(eta):
    if eta > 3600:
        return "%d:%02d:%02d" % (eta // 3600, (eta % 3600) // 60, eta % 60)
    if eta > 60:
        return "%d:%02d" % (eta // 60, eta % 60)
    return "%ds" % eta


def _format_time(time_per_unit, unit_name):
    if time_per_unit >= 1 or time_per_unit == 0:
        return f" {time_per_unit:.0f}s/{unit_name}"
    if time_per_unit >= 1e-3:
        return f" {time_per_unit * 1e3:.0f}ms/{unit_name}"
    return f" {time_per_unit * 1e6:.0f}us/{unit_name}"

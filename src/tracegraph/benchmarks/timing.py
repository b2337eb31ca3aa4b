"""Timing one callable: warm up, then the median of repeated `time.perf_counter` measurements.

The number of repeats adapts to the call's duration (a time budget per row,
within a minimum and a maximum) unless it is fixed; it is always reported, so a
reader knows how much a median is worth. The garbage collector is paused while
timing, as `timeit` does, so a collection does not land inside one call.
"""
import gc
import math
import statistics
import time
from dataclasses import dataclass

__all__ = ["Timing", "TimingPolicy", "measure"]


@dataclass(frozen=True)
class TimingPolicy:
    """How long to time one row: a budget in seconds, within repeat limits, or a fixed count."""

    budget_s: float = 1.0
    min_repeats: int = 5
    max_repeats: int = 200
    fixed_repeats: int | None = None

    def repeats_for(self, estimate_s):
        """The repeat count for a call that took about `estimate_s` seconds."""
        if self.fixed_repeats is not None:
            return self.fixed_repeats
        wanted = math.ceil(self.budget_s / max(estimate_s, 1e-9))
        return max(self.min_repeats, min(self.max_repeats, wanted))


@dataclass(frozen=True)
class Timing:
    """The result of timing one callable (seconds)."""

    median_s: float
    min_s: float
    repeats: int


#: Warm-up takes this share of a row's budget (at least one call): the first calls of a fast
#: function run with cold caches and branch predictors and would inflate a median of few repeats.
WARMUP_SHARE = 0.1


def measure(call, policy):
    """Time `call()` (already called once by the caller, so compiled): warm-up calls, then repeats."""
    estimate = _warm_up(call, WARMUP_SHARE * policy.budget_s)
    repeats = policy.repeats_for(estimate)
    times = []
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(repeats):
            start = time.perf_counter()
            call()
            times.append(time.perf_counter() - start)
    finally:
        if gc_was_enabled:
            gc.enable()
    return Timing(statistics.median(times), min(times), repeats)


def _warm_up(call, duration_s):
    """Call `call()` for about `duration_s` (at least once); returns the time of one call."""
    calls, start = 0, time.perf_counter()
    while True:
        call()
        calls += 1
        elapsed = time.perf_counter() - start
        if elapsed >= duration_s:
            return elapsed / calls

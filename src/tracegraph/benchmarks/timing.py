"""Timing callables: warm up, then the median of repeated `time.perf_counter` measurements.

The number of repeats adapts to the call's duration (a time budget per row,
within a minimum and a maximum) unless it is fixed; it is always reported, so a
reader knows how much a median is worth. The garbage collector is paused while
timing, as `timeit` does, so a collection does not land inside one call.

The callables that are to be compared (the rows of one workload and size)
are timed in alternating rounds, a run of consecutive calls
of each per round. On a shared machine the speed changes over seconds (another
tenant, the kernel reclaiming the memory of a previous large workload); timed
one after the other, one row could catch a slow spell the row it is compared
with missed, and their ratio would be off by 2x. Interleaved, every row sees
the same spells.
"""
import gc
import math
import statistics
import time
from dataclasses import dataclass

__all__ = ["Timing", "TimingPolicy", "measure_interleaved"]


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


#: Rounds of `measure_interleaved`: each callable's repeats are split into this many runs.
ROUNDS = 5


def measure_interleaved(calls, policy):
    """[Timing] for `calls` (each already called once), timed in alternating rounds.

    Each callable warms up (WARMUP_SHARE of the budget) and gets its own repeat
    count from the policy; its repeats are then spread over ROUNDS rounds, and in each round every
    callable makes its share of calls back to back (so its caches stay warm).
    """
    estimates = [_warm_up(call, WARMUP_SHARE * policy.budget_s) for call in calls]
    repeats = [policy.repeats_for(estimate) for estimate in estimates]
    times = [[] for _ in calls]
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for round_index in range(ROUNDS):
            for call, count, record in zip(calls, repeats, times):
                share = count * (round_index + 1) // ROUNDS - count * round_index // ROUNDS
                for _ in range(share):
                    start = time.perf_counter()
                    call()
                    record.append(time.perf_counter() - start)
    finally:
        if gc_was_enabled:
            gc.enable()
    return [Timing(statistics.median(t), min(t), len(t)) for t in times]


def _warm_up(call, duration_s):
    """Call `call()` for about `duration_s` (at least once); returns the time of one call."""
    calls, start = 0, time.perf_counter()
    while True:
        call()
        calls += 1
        elapsed = time.perf_counter() - start
        if elapsed >= duration_s:
            return elapsed / calls

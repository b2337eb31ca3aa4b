"""Interleaved timing: every callable gets its repeats, spread over alternating rounds."""
from tracegraph.benchmarks.timing import ROUNDS, TimingPolicy, measure_interleaved


def test_rows_are_timed_in_alternating_rounds_with_their_own_repeat_counts():
    order = []
    calls = [lambda: order.append("a"), lambda: order.append("b")]
    policy = TimingPolicy(fixed_repeats=10)
    timings = measure_interleaved(calls, policy)
    assert [t.repeats for t in timings] == [10, 10]
    timed = order[-20:]   # the warm-up calls come before
    runs = [timed[i:i + 2] for i in range(0, 20, 2)]
    assert runs == [["a", "a"], ["b", "b"]] * ROUNDS
    assert all(t.min_s <= t.median_s for t in timings)


def test_uneven_repeat_counts_are_spread_over_the_rounds():
    counts = {"a": 0}
    policy = TimingPolicy(fixed_repeats=7)
    (timing,) = measure_interleaved([lambda: counts.__setitem__("a", counts["a"] + 1)], policy)
    assert timing.repeats == 7

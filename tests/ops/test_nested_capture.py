"""A value captured from two or more graphs out, used twice in a deeply nested branch, is one input."""
import tracegraph as tg
from tracegraph.ir.verifier import verify


def test_a_far_value_used_at_two_depths_is_captured_once():
    @tg.function(backend="numpy", autograph=False)
    def classify(n):
        def body(i, total):
            deep = tg.cond(i % 3 == 0, lambda: i * 0,
                           lambda: tg.cond(i % 5 == 0, lambda: i * 0 + 1,
                                           lambda: tg.cond(i % 7 == 0, lambda: i * 0 + 2, lambda: i)))
            return i + 1, total + deep
        return tg.while_loop(lambda i, total: i < n, body, [tg.constant(1), tg.constant(0)])[1]

    concrete = classify.get_concrete_function(tg.TensorSpec([], tg.int32))
    verify(concrete.graph)
    expected = sum(0 if i % 3 == 0 else 1 if i % 5 == 0 else 2 if i % 7 == 0 else i for i in range(1, 30))
    assert int(classify(tg.constant(30))) == expected

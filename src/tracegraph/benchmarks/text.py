"""String ops: the length of every word of many short sentences (`strings.split` + `strings.length`).

`word_lengths(tf, sentences)` is written against TensorFlow 2's API, so the same
source runs on tracegraph and, for `--peers`, on TensorFlow (`tf.function`; XLA
compiles no string ops). NumPy has no string splitting, so the baseline is the
same computation in plain Python over the NumPy array of byte strings. The size
of a case is the number of sentences.
"""
import functools

import numpy as np

import tracegraph as tg

from .base import Implementation, NotApplicable, Workload, format_size, tracegraph_implementation, to_tensors

__all__ = ["WordLengths", "WORD_LENGTHS", "word_lengths"]

_WORDS = np.array([w.encode() for w in ("the", "quick", "brown", "fox", "jumps", "over", "a", "lazy", "dog",
                                         "café", "咖啡", "tensor", "graph")], dtype=object)


def word_lengths(tf, sentences):
    """The byte length of every word of every sentence, words split at whitespace (int32, flat)."""
    return tf.strings.length(tf.strings.split(sentences).flat_values)


def _python_word_lengths(sentences):
    return np.fromiter((len(word) for sentence in sentences for word in sentence.split()), dtype=np.int32)


class WordLengths(Workload):
    """`word_lengths` over short random sentences of 3 to 9 words."""

    name = "word_lengths"
    description = "strings.split + strings.length over short sentences (word byte lengths, int32)"
    sizes = quick_sizes = (100_000,)
    probe_size = 1000
    rtol, atol = 0.0, 0.0

    def size_label(self, size):
        return f"{format_size(size)} sentences"

    def notes(self):
        return [f"{self.name}: the sentences draw on {len(_WORDS)} words; tracegraph's whitespace split makes one "
                "Python object per distinct word (ops/string_split_kernel.py), so a small vocabulary favours it"]

    def inputs(self, size, rng):
        counts = rng.integers(3, 10, size=size)
        sentences = np.empty(size, dtype=object)
        sentences[:] = [b" ".join(rng.choice(_WORDS, count)) for count in counts]
        return [sentences]

    def numpy(self, inputs):
        sentences = inputs[0]
        return Implementation("python str.split", "numpy", lambda: _python_word_lengths(sentences))

    def tracegraph(self, inputs, backend=None):
        return tracegraph_implementation(functools.partial(word_lengths, tg), to_tensors(inputs, backend), backend)

    def peer(self, library, module, inputs):
        if library != "tensorflow":
            raise NotApplicable(f"{library} has no string tensors")
        fn, sentences = module.function(functools.partial(word_lengths, module)), module.constant(inputs[0])
        return [Implementation("tensorflow tf.function", "peer", lambda: fn(sentences))]


WORD_LENGTHS = WordLengths()

"""`tg.train.Example` and its parts (TF's `tf.train.Example`, `Features`, `Feature`, `BytesList`,
`FloatList`, `Int64List`, `SequenceExample`, `FeatureList`, `FeatureLists`).

They are protobuf message classes with TensorFlow's schema (built in `tracegraph.io.messages`),
so `SerializeToString()` gives the bytes TensorFlow writes and `Example.FromString` reads TensorFlow's.
protobuf loads when one of them is first used, not with `import tracegraph`: `tg.train` looks them up here.
"""
from ..io.messages import EXAMPLE_MESSAGES, message_class

__all__ = list(EXAMPLE_MESSAGES)


def __getattr__(name):
    if name in EXAMPLE_MESSAGES:
        value = globals()[name] = message_class(name)   # later lookups find it without this function
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

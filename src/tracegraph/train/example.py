"""`tg.train.Example` and its parts (TF's `tf.train.Example`, `Features`, `Feature`, `BytesList`,
`FloatList`, `Int64List`, `SequenceExample`, `FeatureList`, `FeatureLists`).

They are protobuf message classes with TensorFlow's schema (built in `tracegraph.io.example_proto`),
so `SerializeToString()` gives the bytes TensorFlow writes and `Example.FromString` reads TensorFlow's.
protobuf loads when one of them is first used, not with `import tracegraph`: `tg.train` looks them up here.
"""
from ..io.example_proto import MESSAGE_NAMES, message_class

__all__ = list(MESSAGE_NAMES)


def __getattr__(name):
    if name in MESSAGE_NAMES:
        return message_class(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

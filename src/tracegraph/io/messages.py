"""TensorFlow's protobuf messages (`tf.train.Example` and its parts, `TensorProto`) as message classes.

The schema is TF's own `.proto` files (in `proto/`), compiled by protoc into `proto/descriptors.py`
(`proto/regenerate.py` redoes it). The classes are built from those descriptors on first use, with the
protobuf runtime, in a descriptor pool of their own:

- no protoc-generated `_pb2` module, whose code pins the protobuf runtime's version;
- TensorFlow's own `example_pb2` may be loaded in the same process (its messages have the same names
  and would clash in protobuf's default pool); the two sides exchange serialized bytes;
- `import tracegraph` does not load protobuf: `message_class` does, when a class is first asked for.
"""
import functools
import threading

from .proto.descriptors import FILES

__all__ = ["EXAMPLE_MESSAGES", "message_class"]

#: The message classes `tg.train` offers, by their names in the `tensorflow` protobuf package.
EXAMPLE_MESSAGES = ("BytesList", "FloatList", "Int64List", "Feature", "Features", "FeatureList", "FeatureLists",
                    "Example", "SequenceExample")


_LOCK = threading.Lock()   # one class per message, even when parallel map threads ask for it at once


@functools.cache
def _pool():
    from google.protobuf import descriptor_pool  # noqa: PLC0415 - protobuf loads on first use
    pool = descriptor_pool.DescriptorPool()
    for serialized in FILES:
        pool.AddSerializedFile(serialized)
    return pool


def message_class(name):
    """The protobuf message class `tensorflow.<name>` (e.g. "Example", "TensorProto")."""
    with _LOCK:
        return _make_class(name)


@functools.cache
def _make_class(name):
    from google.protobuf import message_factory  # noqa: PLC0415 - protobuf loads on first use
    # GetMessageClass is protobuf 4.22's name for what older runtimes' factories call GetPrototype
    make = getattr(message_factory, "GetMessageClass", None) or message_factory.MessageFactory(_pool()).GetPrototype
    cls = make(_pool().FindMessageTypeByName(f"tensorflow.{name}"))
    if name in EXAMPLE_MESSAGES:
        cls.__module__ = "tracegraph.train"   # where pickle finds it
    return cls

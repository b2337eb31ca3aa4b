"""`tf.train.Example` and its parts as protobuf message classes, with TensorFlow's schema.

The schema is TF's `feature.proto` and `example.proto` (in `proto/`), compiled by protoc into
`proto/descriptors.py` (`proto/regenerate.py` redoes it). The classes are built from those descriptors
on first use, with the protobuf runtime, in a descriptor pool of their own:

- no protoc-generated `_pb2` module, whose code pins the protobuf runtime's version;
- TensorFlow's own `example_pb2` may be loaded in the same process (its messages have the same names
  and would clash in protobuf's default pool); the two sides exchange serialized bytes;
- `import tracegraph` does not load protobuf: `message_class` does, when a name is first asked for.
"""
import functools

from .proto.descriptors import FILES

__all__ = ["MESSAGE_NAMES", "message_class"]

#: The message classes `tg.train` offers, by their names in the `tensorflow` protobuf package.
MESSAGE_NAMES = ("BytesList", "FloatList", "Int64List", "Feature", "Features", "FeatureList", "FeatureLists",
                 "Example", "SequenceExample")


@functools.cache
def _classes():
    from google.protobuf import descriptor_pool, message_factory  # noqa: PLC0415 - protobuf loads on first use
    pool = descriptor_pool.DescriptorPool()
    for serialized in FILES:
        pool.AddSerializedFile(serialized)
    # GetMessageClass is protobuf 4.22's name for what older runtimes' factories call GetPrototype
    make = getattr(message_factory, "GetMessageClass", None) or message_factory.MessageFactory(pool).GetPrototype
    classes = {}
    for name in MESSAGE_NAMES:
        cls = make(pool.FindMessageTypeByName(f"tensorflow.{name}"))
        cls.__module__ = "tracegraph.train"
        classes[name] = cls
    return classes


def message_class(name):
    """The protobuf message class `tensorflow.<name>` (e.g. "Example")."""
    return _classes()[name]

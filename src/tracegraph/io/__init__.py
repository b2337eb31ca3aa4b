"""`tg.io`: TFRecord files and `tf.train.Example` parsing (TF's `tf.io`).

    with tg.io.TFRecordWriter("train.tfrecord", "GZIP") as writer:
        writer.write(example.SerializeToString())
    dataset = tg.data.TFRecordDataset("train.tfrecord", "GZIP").map(
        lambda record: tg.io.parse_single_example(record, {"x": tg.io.FixedLenFeature([3], tg.float32)}))

The modules: `records` (the framing and CRCs), `writer`, `features` (the feature configurations),
`parsing` (the parse_example op), `messages` (the protobuf classes, from TF's schema in `proto/`),
`tensors` (serialize_tensor / parse_tensor). protobuf and google-crc32c load on first use, not with
`import tracegraph`. The file format: docs/formats/tfrecord.md.
"""
from .features import FixedLenFeature, FixedLenSequenceFeature, VarLenFeature
from .parsing import parse_example, parse_single_example
from .tensors import parse_tensor, serialize_tensor
from .writer import TFRecordCompressionType, TFRecordOptions, TFRecordWriter

__all__ = ["TFRecordWriter", "TFRecordOptions", "TFRecordCompressionType", "FixedLenFeature", "VarLenFeature",
           "FixedLenSequenceFeature", "parse_example", "parse_single_example", "serialize_tensor", "parse_tensor"]

"""`tg.data`: input pipelines (TF's `tf.data`).

    dataset = tg.data.Dataset.from_tensor_slices((x, y)).shuffle(1000).batch(32).prefetch(tg.data.AUTOTUNE)
    for xb, yb in dataset: ...

See `docs/data.md`. The modules: `base` (Dataset and its protocol), `structure` (elements and specs),
`sources`, `mapping`, `batching`, `shuffle`, `transformations`, `nested` (window, flat_map,
interleave), `caching`, `prefetch`, `readers` (text and CSV files), `plan` (the index plans that let
slices, shuffles and batches run as array arithmetic), `graph_loop` (datasets in `tg.function`).
"""
from . import batching, caching, graph_loop, mapping, nested, prefetch, shuffle, sources, transformations  # noqa: F401
from . import experimental  # noqa: F401
from . import ignore_errors  # noqa: F401 - adds Dataset.ignore_errors
from .base import Dataset
from .iterator import Iterator
from .options import AUTOTUNE, INFINITE_CARDINALITY, UNKNOWN_CARDINALITY, Options, ThreadingOptions
from .readers import TextLineDataset
from .structure import DatasetSpec
from .tfrecord import TFRecordDataset

__all__ = ["Dataset", "Iterator", "DatasetSpec", "TextLineDataset", "Options", "ThreadingOptions", "AUTOTUNE",
           "INFINITE_CARDINALITY", "UNKNOWN_CARDINALITY", "experimental"]
__all__ += ["TFRecordDataset"]

"""Summary protos for each kind of summary, as TF 2's `tf.summary` writes them.

Built with TensorBoard's own protos and plugin metadata (`tensorboard.compat.proto`, the plugins'
`create_summary_metadata`, `tensor_util.make_tensor_proto`), so the dashboards read them as TF's.
Images are encoded as PNG with Pillow (a TensorBoard dependency).
"""
import functools
import io

import numpy as np
from PIL import Image
from tensorboard.compat.proto.summary_pb2 import Summary, SummaryMetadata
from tensorboard.compat.proto.tensor_pb2 import TensorProto
from tensorboard.compat.proto.tensor_shape_pb2 import TensorShapeProto
from tensorboard.compat.proto.types_pb2 import DT_FLOAT
from tensorboard.plugins.histogram import metadata as histogram_metadata
from tensorboard.plugins.image import metadata as image_metadata
from tensorboard.plugins.scalar import metadata as scalar_metadata
from tensorboard.plugins.text.summary_v2 import text_pb
from tensorboard.util import tensor_util

__all__ = ["summary_proto", "histogram_buckets", "image_to_uint8"]


def summary_proto(kind, tag, array, options):
    """The `Summary` of `kind` ("scalar", "histogram", "text", "image", "tensor") for a host array."""
    description = options.get("description")
    if kind == "scalar":  # the proto made directly: make_tensor_proto costs ~50 us, this ~3
        tensor = TensorProto(dtype=DT_FLOAT, tensor_shape=TensorShapeProto(), float_val=[float(np.float32(array))])
        return _summary(tag, tensor, _metadata("scalar", description))
    if kind == "text":
        return text_pb(tag, _as_bytes(array), description=description)
    if kind == "histogram":
        tensor = tensor_util.make_tensor_proto(histogram_buckets(array, options.get("buckets")), dtype=np.float64)
        return _summary(tag, tensor, _metadata("histogram", description))
    if kind == "image":
        images = image_to_uint8(array)[: options.get("max_outputs", 3)]
        height, width = array.shape[1:3]
        blobs = [str(width).encode(), str(height).encode()] + [_png(image) for image in images]
        tensor = tensor_util.make_tensor_proto(np.array(blobs, dtype=object))
        return _summary(tag, tensor, _metadata("image", description))
    if kind == "tensor":  # tg.summary.write: the tensor as it is, with the caller's metadata
        metadata = SummaryMetadata.FromString(options.get("metadata", "").encode("latin-1"))
        return _summary(tag, tensor_util.make_tensor_proto(_as_bytes(array) if array.dtype == object else array),
                        metadata)
    raise ValueError(f"unknown summary kind {kind!r}")


@functools.lru_cache(maxsize=256)
def _metadata(kind, description):
    """The plugin's `SummaryMetadata` for a kind of summary (made once per description)."""
    plugin = {"scalar": scalar_metadata, "histogram": histogram_metadata, "image": image_metadata}[kind]
    return plugin.create_summary_metadata(display_name=None, description=description)


def _summary(tag, tensor, metadata):
    summary = Summary()
    summary.value.add(tag=tag, tensor=tensor, metadata=metadata)
    return summary


def histogram_buckets(data, buckets=None):
    """TF 2's histogram buckets of `data`: a (buckets, 3) float64 array of [left, right, count] rows.

    `buckets` (30 by default) equal-width buckets span [min, max], the last one closed; all data
    equal puts every count in the last bucket, whose edges are then that value; no data is all zeros.
    """
    count = 30 if buckets is None else int(buckets)
    data = np.asarray(data, dtype=np.float64).ravel()
    if count == 0 or data.size == 0:
        return np.zeros((count, 3))
    low, high = data.min(), data.max()
    if low == high:
        counts = np.zeros(count)
        counts[-1] = data.size
        return np.stack([np.full(count, low), np.full(count, low), counts], axis=1)
    width = (high - low) / count
    index = np.minimum(np.floor((data - low) / width).astype(np.int64), count - 1)
    edges = np.linspace(low, high, count + 1)
    return np.stack([edges[:-1], edges[1:], np.bincount(index, minlength=count).astype(np.float64)], axis=1)


def image_to_uint8(images):
    """A `[k, h, w, c]` batch as uint8 as TF's `convert_image_dtype(..., saturate=True)` makes it:
    floats in [0, 1] are scaled by 255.5 and clipped; uint8 is kept."""
    images = np.asarray(images)
    if images.ndim != 4 or images.shape[-1] not in (1, 3, 4):
        raise ValueError(f"tg.summary.image: data must have shape [k, h, w, c] with c 1, 3 or 4, got {images.shape}")
    if images.dtype == np.uint8:
        return images
    if images.dtype.kind != "f":
        raise TypeError(f"tg.summary.image: data must be float (in [0, 1]) or uint8, got {images.dtype}")
    return np.clip(images.astype(np.float64) * 255.5, 0, 255).astype(np.uint8)


def _png(image):
    mode = {1: "L", 3: "RGB", 4: "RGBA"}[image.shape[-1]]
    buffer = io.BytesIO()
    Image.fromarray(image[..., 0] if mode == "L" else image, mode=None).save(buffer, format="PNG")
    return buffer.getvalue()


def _as_bytes(array):
    if array.dtype == object:
        return np.vectorize(lambda s: s if isinstance(s, bytes) else str(s).encode(), otypes=[object])(array)
    return array.astype(str)

"""The TFRecord framing, as TensorFlow writes and reads it (docs/formats/tfrecord.md).

Each record is

    uint64 length (little-endian) | uint32 masked_crc32c(length bytes) | data | uint32 masked_crc32c(data)

and a file is records back to back, optionally compressed as one GZIP or ZLIB stream. CRC32C comes
from `google-crc32c` (Google's C library with hardware CRC; imported on first use so that
`import tracegraph` does not load it). Offsets in errors count bytes of the uncompressed stream,
as TensorFlow's reader counts them.
"""
import functools
import struct
import zlib

from ..errors import DataLossError, NotFoundError

__all__ = ["masked_crc32c", "crc32c_function", "frame", "read_records", "compression_name", "COMPRESSION_TYPES",
           "WINDOW_BITS"]

_LENGTH = struct.Struct("<Q")
_FOOTER = struct.Struct("<I")
HEADER_SIZE, FOOTER_SIZE = _LENGTH.size + _FOOTER.size, _FOOTER.size
_MASK_DELTA = 0xA282EAD8
#: zlib's `wbits` for each compression: a zlib stream, or a gzip member.
WINDOW_BITS = {"ZLIB": zlib.MAX_WBITS, "GZIP": 16 + zlib.MAX_WBITS}
COMPRESSION_TYPES = ("", "GZIP", "ZLIB")
#: TensorFlow's default read buffer (256 KiB).
DEFAULT_BUFFER_SIZE = 256 * 1024


@functools.cache
def crc32c_function():
    """google-crc32c's `value(data) -> int` (looked up once: every event and record frame asks for it)."""
    import google_crc32c  # noqa: PLC0415 - a C extension loaded by the first record, not by `import tracegraph`
    return google_crc32c.value


def masked_crc32c(data):
    """CRC32C of `data`, rotated and offset as TFRecord stores it (so that a CRC of CRCs is not trivial)."""
    return _mask(crc32c_function()(data))


def frame(data):
    """One record's bytes: header, `data`, footer."""
    return b"".join((_header(len(data)), data, _FOOTER.pack(_mask(crc32c_function()(data)))))


@functools.lru_cache(maxsize=4096)
def _header(length):
    """The 12 header bytes of a record of `length` bytes (remembered: records of a file often share lengths)."""
    packed = _LENGTH.pack(length)
    return packed + _FOOTER.pack(_mask(crc32c_function()(packed)))


def _mask(crc):
    return (((crc >> 15) | (crc << 17)) + _MASK_DELTA) & 0xFFFFFFFF


def compression_name(compression_type, where):
    """`compression_type` ('', None, 'GZIP', 'ZLIB', any case) as one of COMPRESSION_TYPES."""
    if hasattr(compression_type, "numpy"):   # a string tensor, as TF accepts it
        compression_type = compression_type.numpy()
    if isinstance(compression_type, bytes):
        compression_type = compression_type.decode()
    kind = (compression_type or "").upper()
    if kind not in COMPRESSION_TYPES:
        raise ValueError(f"{where}: unknown compression_type {compression_type!r} (use '', 'GZIP' or 'ZLIB')")
    return kind


def _chunks(name, compression, buffer_size):
    """The uncompressed bytes of file `name`, a chunk at a time."""
    try:
        file = open(name, "rb")  # noqa: SIM115 - closed below, when the generator ends or is closed
    except FileNotFoundError:
        raise NotFoundError(f"{name}; No such file or directory") from None
    with file:
        inflate = zlib.decompressobj(WINDOW_BITS[compression]) if compression else None
        while True:
            raw = file.read(buffer_size)
            if not raw:
                break
            if inflate is None:
                yield raw
                continue
            try:
                yield inflate.decompress(raw)
            except zlib.error as error:
                raise DataLossError(f"{name}: the {compression} stream is corrupt ({error})") from None
        if inflate is not None:
            yield inflate.flush()


def read_records(name, compression_type=None, buffer_size=None):
    """The records of one TFRecord file as `(offset, data)` pairs, checking both CRCs of each.

    A bad checksum or a file that ends inside a record raises DataLossError naming the file and the
    record's byte offset.
    """
    compression = compression_name(compression_type, "TFRecordDataset")
    chunks = _chunks(name, compression, buffer_size or DEFAULT_BUFFER_SIZE)
    try:
        yield from _parse(name, chunks, crc32c_function())
    finally:
        chunks.close()


def _parse(name, chunks, crc):
    buffer, position, base = b"", 0, 0   # base: the stream offset of buffer[0]
    while True:
        if position + HEADER_SIZE > len(buffer):
            buffer, position, base = _refill(chunks, buffer, position, base, HEADER_SIZE)
            if HEADER_SIZE > len(buffer):
                if buffer:
                    raise _truncated(name, base, "its header")
                return
        (length,) = _LENGTH.unpack_from(buffer, position)
        if buffer[position:position + HEADER_SIZE] != _header(length):   # the length's CRC, remembered
            raise DataLossError(f"{name}: corrupted record at byte offset {base + position} "
                                f"(the checksum of its length does not match)")
        total = HEADER_SIZE + length + FOOTER_SIZE
        if position + total > len(buffer):
            buffer, position, base = _refill(chunks, buffer, position, base, total)
            if total > len(buffer):
                raise _truncated(name, base, f"its {length} bytes of data")
        end = position + HEADER_SIZE
        data = buffer[end:end + length]
        (data_crc,) = _FOOTER.unpack_from(buffer, end + length)
        value = crc(data)
        if (((value >> 15) | (value << 17)) + _MASK_DELTA) & 0xFFFFFFFF != data_crc:   # _mask, inline: per record
            raise DataLossError(f"{name}: corrupted record at byte offset {base + position} "
                                f"(the checksum of its data does not match)")
        yield base + position, data
        position += total


def _refill(chunks, buffer, position, base, needed):
    """`buffer` from `position` on, extended from `chunks` until it holds `needed` bytes or the stream
    ends; with its new position (0) and base offset."""
    parts, size = [buffer[position:]], len(buffer) - position
    while size < needed:
        chunk = next(chunks, None)
        if chunk is None:
            break
        parts.append(chunk)
        size += len(chunk)
    return b"".join(parts), 0, base + position


def _truncated(name, offset, what):
    return DataLossError(f"{name}: truncated record at byte offset {offset} (the file ends inside {what})")

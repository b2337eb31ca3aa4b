"""`tg.io.TFRecordWriter` and `tg.io.TFRecordOptions` (TF's names and arguments).

Like TensorFlow's writer, it writes the file in place (a reader may follow it after `flush`). Records
are framed in memory and gathered into chunks of whole records (so compression and the file see a few
large writes, not one per record; deflate's output does not depend on how its input is cut), so the file
never holds part of a record beyond what a crash in the middle of a write leaves; `close` writes whatever
is gathered (and the end of the compressed stream) and never leaves a half-written record behind.
"""
import zlib

from .records import WINDOW_BITS, compression_name, frame

__all__ = ["TFRecordWriter", "TFRecordOptions", "TFRecordCompressionType"]

#: TF's default zlib memory level (zlib's own is 8): with it, compressed files are byte-identical to TF's.
_TF_MEM_LEVEL = 9
#: Bytes of framed records gathered before they go to the compressor and the file.
_CHUNK = 256 * 1024


class TFRecordCompressionType:
    """The compression types' names, as TF's `tf.compat.v1.io.TFRecordCompressionType` (0, 1, 2)."""

    NONE, ZLIB, GZIP = 0, 1, 2


_BY_NUMBER = {TFRecordCompressionType.NONE: "", TFRecordCompressionType.ZLIB: "ZLIB",
              TFRecordCompressionType.GZIP: "GZIP"}


class TFRecordOptions:
    """How a TFRecord file is compressed: `compression_type` ('', 'GZIP' or 'ZLIB') and zlib's
    parameters (`compression_level` 0-9 or -1 for zlib's default, `window_bits`, `mem_level`,
    `compression_strategy`, `compression_method`); `None` keeps TF's default (zlib's, but mem_level 9)."""

    def __init__(self, compression_type=None, flush_mode=None, input_buffer_size=None, output_buffer_size=None,
                 window_bits=None, compression_level=None, compression_method=None, mem_level=None,
                 compression_strategy=None):
        if isinstance(compression_type, int):
            compression_type = _BY_NUMBER[compression_type]
        self.compression_type = compression_name(compression_type, "TFRecordOptions")
        self.flush_mode, self.input_buffer_size, self.output_buffer_size = flush_mode, input_buffer_size, \
            output_buffer_size
        self.window_bits, self.compression_level, self.compression_method = window_bits, compression_level, \
            compression_method
        self.mem_level, self.compression_strategy = mem_level, compression_strategy

    @classmethod
    def get_compression_type_string(cls, options):
        """The compression type's name of `options` (a TFRecordOptions, a name or None)."""
        if isinstance(options, TFRecordOptions):
            return options.compression_type
        return cls(options).compression_type

    def _deflater(self):
        """A zlib compressor for this compression (None when uncompressed)."""
        kind = self.compression_type
        if not kind:
            return None
        bits = WINDOW_BITS[kind]
        if self.window_bits is not None:
            bits = self.window_bits + (16 if kind == "GZIP" else 0)
        return zlib.compressobj(_or(self.compression_level, zlib.Z_DEFAULT_COMPRESSION),
                                _or(self.compression_method, zlib.DEFLATED), bits,
                                _or(self.mem_level, _TF_MEM_LEVEL),
                                _or(self.compression_strategy, zlib.Z_DEFAULT_STRATEGY))

    def __repr__(self):
        return f"TFRecordOptions(compression_type={self.compression_type!r})"


def _or(value, default):
    return default if value is None else value


class TFRecordWriter:
    """Writes records (bytes or str) into a TFRecord file; use it as a context manager or `close` it.

        with tg.io.TFRecordWriter("data.tfrecord", "GZIP") as writer:
            writer.write(example.SerializeToString())
    """

    def __init__(self, path, options=None):
        if not isinstance(options, TFRecordOptions):
            options = TFRecordOptions(options)
        self._path = str(path.decode() if isinstance(path, bytes) else path)
        self._options = options
        self._deflater = options._deflater()
        self._pending, self._pending_size = [], 0
        self._file = open(self._path, "wb")  # noqa: SIM115 - closed by close() or the with block

    def write(self, record):
        """Append one record (bytes, or a str written as UTF-8)."""
        if self._file is None:
            raise ValueError(f"TFRecordWriter: {self._path} is closed")
        if isinstance(record, str):
            record = record.encode()
        elif not isinstance(record, bytes):
            record = _bytes_of(record)
        data = frame(record)
        self._pending.append(data)
        self._pending_size += len(data)
        if self._pending_size >= _CHUNK:
            self._write_pending()

    def _write_pending(self):
        data = b"".join(self._pending)
        self._pending, self._pending_size = [], 0
        self._file.write(data if self._deflater is None else self._deflater.compress(data))

    def flush(self):
        """Hand everything written so far to the operating system (a compressed stream is flushed to a
        byte boundary, so a reader can decompress every record written)."""
        if self._file is None:
            return
        self._write_pending()
        if self._deflater is not None:
            self._file.write(self._deflater.flush(zlib.Z_SYNC_FLUSH))
        self._file.flush()

    def close(self):
        """Finish the file (the end of a compressed stream) and close it; closing twice does nothing."""
        if self._file is None:
            return
        try:
            self._write_pending()
            if self._deflater is not None:
                self._file.write(self._deflater.flush(zlib.Z_FINISH))
        finally:
            self._file.close()
            self._file = None

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def __del__(self):
        if getattr(self, "_file", None) is not None:
            self.close()


def _bytes_of(record):
    """A record given as a scalar string tensor or NumPy bytes."""
    value = record.numpy() if hasattr(record, "numpy") else record
    value = getattr(value, "item", lambda: value)()
    if isinstance(value, str):
        return value.encode()
    if not isinstance(value, bytes):
        raise TypeError(f"TFRecordWriter.write: a record must be bytes or a string, got {type(record).__name__}")
    return value

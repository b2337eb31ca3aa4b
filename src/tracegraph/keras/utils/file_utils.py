"""`keras.utils.get_file`: a file from a URL, downloaded once into a cache directory and checked by hash.

The cache is `$KERAS_HOME` (default `~/.keras`) / `cache_subdir`, as Keras's: files Keras already
downloaded are found there. A download goes to a temporary name beside the target and is renamed
into place only after its hash matched, so an interrupted or corrupt download never leaves a file
that a later call would take for good.
"""
import hashlib
import os
import shutil
import tarfile
import tempfile
import urllib.request
import zipfile

__all__ = ["get_file", "validate_file", "hash_file", "cache_root"]

_CHUNK = 1 << 16


def cache_root(cache_dir=None):
    """The cache's root: `cache_dir`, else `$KERAS_HOME`, else `~/.keras`."""
    if cache_dir is not None:
        return os.path.expanduser(cache_dir)
    return os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")


def get_file(fname=None, origin=None, untar=False, md5_hash=None, file_hash=None, cache_subdir="datasets",
             hash_algorithm="auto", extract=False, archive_format="auto", cache_dir=None, force_download=False):
    """The local path of `origin`'s file, cached as `fname` (default: the URL's last part).

    With `file_hash` (sha256, or md5 for a 32-digit hash) a cached file that does not match is
    downloaded again, and a download that does not match raises ValueError (and is not kept).
    `extract=True` (or `untar=True`) also unpacks a tar or zip archive beside it and returns
    the folder it was unpacked into.
    """
    if origin is None:
        raise ValueError("get_file: `origin` (the URL to download from) is required")
    fname = fname or os.path.basename(urllib.request.urlparse(origin).path)
    if not fname:
        raise ValueError(f"get_file: cannot name the file of {origin!r}; give `fname`")
    file_hash = file_hash or md5_hash
    directory = os.path.join(cache_root(cache_dir), cache_subdir)
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, fname)
    if force_download or not _cached_and_valid(path, file_hash, hash_algorithm):
        _download(origin, path, file_hash, hash_algorithm)
    if extract or untar:
        return _extracted(path, "tar" if untar else archive_format)
    return path


def _cached_and_valid(path, file_hash, algorithm):
    return os.path.exists(path) and (file_hash is None or validate_file(path, file_hash, algorithm))


def _download(origin, path, file_hash, algorithm):
    """Fetch `origin` to a temporary file beside `path`; check it; rename it into place."""
    handle, partial = tempfile.mkstemp(dir=os.path.dirname(path), prefix=os.path.basename(path) + ".",
                                       suffix=".partial")
    try:
        with os.fdopen(handle, "wb") as out, urllib.request.urlopen(origin) as response:
            shutil.copyfileobj(response, out, _CHUNK)
        if file_hash is not None and not validate_file(partial, file_hash, algorithm):
            raise ValueError(f"get_file: the file downloaded from {origin} has hash "
                             f"{hash_file(partial, _hasher(algorithm, file_hash))}, expected {file_hash}: "
                             f"it may be corrupt or the URL may serve another file")
        os.replace(partial, path)
    except Exception as error:
        if os.path.exists(partial):
            os.remove(partial)
        if isinstance(error, OSError):
            raise OSError(f"get_file: downloading {origin} failed: {error}") from error
        raise


def _hasher(algorithm, file_hash):
    if algorithm == "sha256" or (algorithm == "auto" and file_hash is not None and len(file_hash) == 64):
        return hashlib.sha256()
    return hashlib.md5()


def hash_file(fpath, algorithm="sha256", chunk_size=_CHUNK):
    """The hex digest of a file (`algorithm`: "sha256", "md5", or a hashlib object)."""
    hasher = hashlib.new(algorithm) if isinstance(algorithm, str) else algorithm
    with open(fpath, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def validate_file(fpath, file_hash, algorithm="auto", chunk_size=_CHUNK):
    """Whether the file's sha256 (or md5, for a 32-digit `file_hash`) is `file_hash`."""
    return hash_file(fpath, _hasher(algorithm, file_hash), chunk_size) == str(file_hash)


def _extracted(path, archive_format):
    """Unpack the archive at `path` into `<path without extension>_extracted` (once); that folder."""
    target = os.path.splitext(path)[0] + "_extracted"
    if os.path.isdir(target):
        return target
    formats = ("tar", "zip") if archive_format == "auto" else (archive_format,)
    staging = tempfile.mkdtemp(dir=os.path.dirname(path), prefix=".extracting.")
    try:
        if "tar" in formats and tarfile.is_tarfile(path):
            with tarfile.open(path) as archive:
                _extract_tar(archive, staging)
        elif "zip" in formats and zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                archive.extractall(staging)
        else:
            raise ValueError(f"get_file: {path} is not a {' or '.join(formats)} archive")
        os.replace(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _extract_tar(archive, directory):
    """Unpack with tarfile's "data" filter (no absolute paths, no escaping `..`, no devices), or, on a
    Python without it (before 3.10.12 / 3.11.4), after the same check of the member names."""
    if hasattr(tarfile, "data_filter"):
        archive.extractall(directory, filter="data")
        return
    root = os.path.realpath(directory)
    for member in archive.getmembers():
        target = os.path.realpath(os.path.join(directory, member.name))
        if not target.startswith(root + os.sep) or not (member.isfile() or member.isdir()):
            raise ValueError(f"get_file: refusing the archive member {member.name!r}")
    archive.extractall(directory)

"""Writing a user's file so that a crash at any moment leaves the last complete version readable."""
import os
import tempfile

__all__ = ["write_atomically", "sync_directory"]


def write_atomically(filepath, write):
    """Call `write(binary_file)` on a temporary file beside `filepath`, then rename it to `filepath`.

    The data is synced before the rename and the directory after it. If `write` (or anything before
    the rename) fails, the temporary file is removed and whatever was at `filepath` is left untouched.
    """
    directory = os.path.dirname(os.path.abspath(filepath))
    fd, temporary = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(filepath)}.", suffix=".tmp")
    try:
        # mkstemp's file is private (0600); the saved file gets the mode a plain open() would give it.
        os.chmod(temporary, _mode_for(filepath))
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, filepath)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
    sync_directory(directory)


def _mode_for(filepath):
    try:
        return os.stat(filepath).st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def sync_directory(directory):
    """Make the rename itself durable; some file systems cannot open a directory, which is fine."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)

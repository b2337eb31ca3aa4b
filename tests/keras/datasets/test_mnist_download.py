"""`keras.utils.get_file` and `keras.datasets.mnist.load_data` against a loopback HTTP server serving a
small MNIST-shaped file (never the network): download once, cache, hash check, re-download of a
damaged cache, no file kept from a download that does not match."""
import hashlib
import http.server
import io
import threading

import numpy as np
import pytest

import tracegraph as tg
from tracegraph.keras.datasets import mnist


@pytest.fixture
def server():
    """A loopback HTTP server: `server.files[path] = bytes`; `server.requests` counts GETs."""
    files, requests = {}, []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            requests.append(self.path)
            body = files.get(self.path)
            self.send_response(200 if body is not None else 404)
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    httpd.files, httpd.requests = files, requests
    httpd.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def _small_mnist():
    rng = np.random.default_rng(0)
    arrays = {"x_train": rng.integers(0, 256, (6, 28, 28), dtype=np.uint8),
              "y_train": rng.integers(0, 10, 6, dtype=np.uint8),
              "x_test": rng.integers(0, 256, (2, 28, 28), dtype=np.uint8),
              "y_test": rng.integers(0, 10, 2, dtype=np.uint8)}
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return arrays, buffer.getvalue()


def test_load_data_downloads_once_checks_the_hash_and_reads_the_cache(server, tmp_path, monkeypatch):
    arrays, payload = _small_mnist()
    server.files["/mnist.npz"] = payload
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setattr(mnist, "ORIGIN", server.url + "/mnist.npz")
    monkeypatch.setattr(mnist, "FILE_HASH", hashlib.sha256(payload).hexdigest())
    (x_train, y_train), (x_test, y_test) = tg.keras.datasets.mnist.load_data()
    np.testing.assert_array_equal(x_train, arrays["x_train"])
    np.testing.assert_array_equal(y_test, arrays["y_test"])
    assert x_train.dtype == np.uint8 and x_test.shape == (2, 28, 28) and y_train.shape == (6,)
    assert (tmp_path / "datasets" / "mnist.npz").read_bytes() == payload
    tg.keras.datasets.mnist.load_data()
    assert len(server.requests) == 1                       # the second call read the cache
    (tmp_path / "datasets" / "mnist.npz").write_bytes(b"damaged")
    tg.keras.datasets.mnist.load_data()
    assert len(server.requests) == 2                       # a file that fails the hash is fetched again


def test_a_download_that_fails_the_hash_is_an_error_and_is_not_kept(server, tmp_path):
    server.files["/data.bin"] = b"served bytes"
    with pytest.raises(ValueError, match="expected 0+"):
        tg.keras.utils.get_file(origin=server.url + "/data.bin", file_hash="0" * 64, cache_dir=str(tmp_path))
    assert list((tmp_path / "datasets").iterdir()) == []
    path = tg.keras.utils.get_file(origin=server.url + "/data.bin", cache_dir=str(tmp_path),
                                   file_hash=hashlib.md5(b"served bytes").hexdigest())  # md5: 32 digits
    assert open(path, "rb").read() == b"served bytes"


def test_a_missing_url_is_an_os_error_naming_it(server, tmp_path):
    with pytest.raises(OSError, match="missing.npz"):
        tg.keras.utils.get_file(origin=server.url + "/missing.npz", cache_dir=str(tmp_path))
    assert list((tmp_path / "datasets").iterdir()) == []


@pytest.mark.parametrize("kind", ["tar", "zip"])
def test_extract_unpacks_an_archive_once_beside_it(server, tmp_path, kind):
    import tarfile
    import zipfile
    buffer = io.BytesIO()
    if kind == "tar":
        with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
            info = tarfile.TarInfo("data/readme.txt")
            info.size = 5
            archive.addfile(info, io.BytesIO(b"hello"))
    else:
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("data/readme.txt", b"hello")
    server.files[f"/archive.{kind}"] = buffer.getvalue()
    folder = tg.keras.utils.get_file(origin=f"{server.url}/archive.{kind}", extract=True, cache_dir=str(tmp_path))
    assert open(f"{folder}/data/readme.txt", "rb").read() == b"hello"
    assert tg.keras.utils.get_file(origin=f"{server.url}/archive.{kind}", extract=True,
                                   cache_dir=str(tmp_path)) == folder
    assert len(server.requests) == 1

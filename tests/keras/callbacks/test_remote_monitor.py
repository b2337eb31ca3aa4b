"""RemoteMonitor posting to a local HTTP server (form and JSON bodies), and its warning when unreachable."""
import http.server
import json
import socket
import threading
import urllib.parse

import pytest

from callback_fakes import fit
from tracegraph.keras.callbacks import RemoteMonitor


@pytest.fixture
def server():
    received = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((self.path, self.headers["Content-Type"], self.headers.get("X-Run"), body))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    httpd = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", received
    httpd.shutdown()
    httpd.server_close()


def test_form_and_json_posts(server):
    root, received = server
    fit([RemoteMonitor(root=root, headers={"X-Run": "7"})], [{"loss": 0.5}])
    fit([RemoteMonitor(root=root, path="/json", send_as_json=True)], [{"loss": 0.25, "val_loss": 0.125}])
    (path, kind, run, body), (json_path, json_kind, _, json_body) = received
    assert (path, kind, run) == ("/publish/epoch/end/", "application/x-www-form-urlencoded", "7")
    assert json.loads(urllib.parse.parse_qs(body.decode())["data"][0]) == {"epoch": 0, "loss": 0.5}
    assert (json_path, json_kind) == ("/json", "application/json")
    assert json.loads(json_body) == {"epoch": 0, "loss": 0.25, "val_loss": 0.125}


def test_an_unreachable_server_only_warns():
    with socket.socket() as probe:  # a port that was free a moment ago: nobody listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.warns(UserWarning, match="Could not reach RemoteMonitor root server"):
        _, history = fit([RemoteMonitor(root=f"http://127.0.0.1:{port}", timeout=2)], [{"loss": 1.0}] * 2)
    assert history.epoch == [0, 1]

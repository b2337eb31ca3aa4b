"""`keras.callbacks.RemoteMonitor`: post each epoch's results to an HTTP server."""
import json
import warnings

import numpy as np

from .callback import Callback

__all__ = ["RemoteMonitor"]


class RemoteMonitor(Callback):
    """POSTs `{"epoch": e, <logs>}` to `root + path` at each epoch's end (Keras 3's callback, without `requests`).

    Args:
        root: the server's root URL.
        path: the path, relative to `root`, events are sent to.
        field: the form field holding the JSON data (when not `send_as_json`).
        headers: extra HTTP headers.
        send_as_json: send the data as an `application/json` body instead of a form.

    A server that cannot be reached gives a warning, not an error: training goes on.
    """

    def __init__(self, root="http://localhost:9000", path="/publish/epoch/end/", field="data", headers=None,
                 send_as_json=False, timeout=10.0):
        super().__init__()
        self.root = root
        self.path = path
        self.field = field
        self.headers = headers
        self.send_as_json = send_as_json
        self.timeout = timeout

    def on_epoch_end(self, epoch, logs=None):
        """Send the epoch's results."""
        import urllib.error  # noqa: PLC0415 - urllib pulls in ssl and http (~0.1 s): only users of this pay
        import urllib.parse  # noqa: PLC0415 - (as above)
        import urllib.request  # noqa: PLC0415 - (as above)
        send = {"epoch": epoch}
        for key, value in (logs or {}).items():
            send[key] = value.item() if isinstance(value, (np.ndarray, np.generic)) else value
        headers = dict(self.headers or {})
        if self.send_as_json:
            body = json.dumps(send).encode()
            headers["Content-Type"] = "application/json"
        else:
            body = urllib.parse.urlencode({self.field: json.dumps(send)}).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        request = urllib.request.Request(self.root + self.path, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                response.read()
        except (urllib.error.URLError, OSError):
            warnings.warn(f"Could not reach RemoteMonitor root server at {self.root}", stacklevel=2)

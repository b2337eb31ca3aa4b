"""End to end, as a person would: event files from tg.summary, `tensorboard --logdir` on a loopback port,
its HTTP data API, and its scalars and graphs dashboards rendered in headless Chromium.

Chromium is driven over the DevTools protocol on a pipe (`--remote-debugging-pipe`: commands on file
descriptor 3, replies on 4), so the checks can read into the dashboards' shadow DOM and take screenshots
without any driver package. Screenshots go to the test's tmp directory.
"""
import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request

import numpy as np
import pytest

pytest.importorskip("tensorboard", reason="needs TensorBoard (the tensorboard extra)")

import tracegraph as tg  # noqa: E402
from tracegraph.keras.callbacks.tensorboard import keras_model_summary  # noqa: E402

CHROMIUM = next(filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None)

# CI (.ci/run installs Chromium) must run this test, never skip it: without Chromium there it fails.
pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(CHROMIUM is None and not os.environ.get("CI"),
                                 reason="Chromium is not installed (apt-get install chromium)")]

RUN = "tg_run"
LOSSES = [1.0, 0.5, 0.25, 0.125]

FDS_3_AND_4 = ("import os, sys; os.dup2(int(sys.argv[1]), 3); os.dup2(int(sys.argv[2]), 4); "
               "os.execv(sys.argv[3], sys.argv[3:])")

#: The text of the page, shadow roots included, and how many elements match a selector there.
DEEP_DOM_JS = """
function deepText(root) {
  let text = '';
  for (const node of root.childNodes) {
    if (node.nodeType === 3) text += node.nodeValue + ' ';
    else if (node.nodeType === 1) {
      if (node.shadowRoot) text += deepText(node.shadowRoot);
      text += deepText(node);
    }
  }
  return text;
}
function deepCount(root, selector) {
  let count = root.querySelectorAll(selector).length;
  for (const element of root.querySelectorAll('*')) {
    if (element.shadowRoot) count += deepCount(element.shadowRoot, selector);
  }
  return count;
}
"""


def write_run(logdir):
    """A run with a loss curve, a traced function's graph and a Keras model's (conceptual) graph."""
    @tg.function
    def predict(x):
        return tg.reduce_sum(tg.exp(x) * 2.0)

    predict(tg.constant([1.0, 2.0]))
    writer = tg.summary.create_file_writer(logdir / RUN)
    with writer.as_default():
        for step, loss in enumerate(LOSSES):
            tg.summary.scalar("loss", loss, step=step)
        tg.summary.graph(predict)
        model = tg.keras.Sequential([tg.keras.layers.Input((3,)), tg.keras.layers.Dense(2, name="hidden")],
                                    name="tg_model")
        keras_model_summary("keras", model, step=0)
    writer.close()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode()


@pytest.fixture(scope="module")
def tensorboard(tmp_path_factory):
    """The URL of a TensorBoard serving a tg.summary run; stopped after the module's tests."""
    logdir = tmp_path_factory.mktemp("logs")
    write_run(logdir)
    port = free_port()
    log = open(logdir.parent / "tensorboard.log", "w")
    server = subprocess.Popen([sys.executable, "-m", "tensorboard.main", "--logdir", str(logdir), "--host", "127.0.0.1",
                               "--port", str(port), "--load_fast", "false"], stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if RUN in json.loads(get(url + "/data/runs")):
                    break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"TensorBoard did not serve the run; see {log.name}")
            time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


class Chromium:
    """Headless Chromium on the DevTools protocol over a pipe: open a page, evaluate JavaScript, screenshot."""

    def __init__(self, profile):
        assert CHROMIUM is not None, "Chromium is missing: .ci/run installs it (apt-get install chromium)"
        commands_read, self._commands = os.pipe()
        self._replies, replies_write = os.pipe()
        flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 f"--user-data-dir={profile}", "--window-size=1280,900", "--remote-debugging-pipe", "about:blank"]
        # a small trampoline puts the pipe's ends on descriptors 3 and 4, then becomes Chromium (a preexec_fn
        # is unsafe with threads running; a POSIX shell's redirections stop at descriptor 9)
        self.process = subprocess.Popen([sys.executable, "-c", FDS_3_AND_4, str(commands_read), str(replies_write),
                                         CHROMIUM, *flags], pass_fds=(commands_read, replies_write),
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(commands_read)
        os.close(replies_write)
        self._next_id, self._buffer, self._session = 0, b"", None

    def send(self, method, **params):
        """Send one command (to the page's session once one is open) and return its result."""
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params}
        if self._session is not None and not method.startswith("Target."):
            message["sessionId"] = self._session
        os.write(self._commands, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._read()
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply["result"]

    def _read(self):
        while b"\0" not in self._buffer:
            chunk = os.read(self._replies, 1 << 16)
            if not chunk:
                raise RuntimeError("Chromium closed the DevTools pipe")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def open(self, url):
        target = self.send("Target.createTarget", url=url)["targetId"]
        self._session = self.send("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]

    def evaluate(self, expression):
        result = self.send("Runtime.evaluate", expression=DEEP_DOM_JS + expression, returnByValue=True)
        return result["result"].get("value")

    def wait_for(self, expression, timeout=20):
        """Poll a JavaScript condition until it holds; its last value is returned either way."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.evaluate(expression)
            if value or time.monotonic() > deadline:
                return value
            time.sleep(0.25)

    def screenshot(self, path):
        path.write_bytes(base64.b64decode(self.send("Page.captureScreenshot", format="png")["data"]))

    def close(self):
        os.close(self._commands)
        self.process.terminate()
        self.process.wait(timeout=10)
        os.close(self._replies)


@pytest.fixture
def browser(tmp_path):
    chromium = Chromium(tmp_path / "profile")
    yield chromium
    chromium.close()


def test_the_data_api_serves_the_run(tensorboard):
    assert "loss" in json.loads(get(tensorboard + "/data/plugin/scalars/tags"))[RUN]
    query = urllib.parse.urlencode({"run": RUN, "tag": "loss"})
    points = json.loads(get(f"{tensorboard}/data/plugin/scalars/scalars?{query}"))
    assert [(step, value) for _, step, value in points] == list(enumerate(LOSSES))
    assert json.loads(get(tensorboard + "/data/plugin/graphs/info"))[RUN]["run_graph"] is True
    graph = get(f"{tensorboard}/data/plugin/graphs/graph?run={RUN}&conceptual=false")
    assert 'op: "exp"' in graph and 'op: "Placeholder"' in graph and 'op: "reduce_sum"' in graph
    conceptual = get(f"{tensorboard}/data/plugin/graphs/graph?run={RUN}&tag=keras&conceptual=true")
    assert 'name: "tg_model/hidden"' in conceptual


def test_the_scalars_dashboard_shows_the_run(tensorboard, browser, tmp_path):
    browser.open(tensorboard + "/#timeseries")
    # the loss card's table shows the run's value at its last step once the data has been drawn
    shown = browser.wait_for(f"(t => t.includes('{RUN}') && t.includes('loss') && t.includes('{LOSSES[-1]}'))"
                             "(deepText(document.body))")
    time.sleep(1)  # let the chart finish drawing for the screenshot
    browser.screenshot(tmp_path / "scalars.png")
    assert shown, f"the scalars dashboard did not show {RUN}'s loss; see {tmp_path / 'scalars.png'}"


def test_the_graphs_dashboard_shows_the_graph(tensorboard, browser, tmp_path):
    browser.open(tensorboard + f"/#graphs&run={RUN}")
    shown = browser.wait_for("deepText(document.body).includes('Main Graph') && deepCount(document, 'g.node') >= 3")
    time.sleep(1)  # the graph zooms to fit the screen
    browser.screenshot(tmp_path / "graphs.png")
    assert shown, f"the graphs dashboard drew no graph; see {tmp_path / 'graphs.png'}"
    labels = browser.evaluate("deepText(document.body)")
    assert "exp" in labels and "reduce_sum" in labels
    assert (tmp_path / "graphs.png").stat().st_size > 10_000
    assert np.ptp(np.frombuffer((tmp_path / "graphs.png").read_bytes(), np.uint8)) > 0

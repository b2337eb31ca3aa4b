"""Model servers for the serving tests: real `tracegraph serve` processes on free loopback ports.

The models are saved once per session and the servers start together (they boot in parallel):
- "config": a model config file with four models (the tutorials' MLP with a version label,
  TF Serving's half_plus_two example, the three-input model of TF Serving's REST API guide, and
  "swap", the MLP again, whose version 2 a test writes under load), batching on, a 100 kB body
  limit, a 1 s body timeout, and the base paths polled every 0.2 s;
- "workers": half_plus_two from its base path (the one-model command line) with `--workers 2`.
"""
import os
import socket
import subprocess
import sys
import time

import httpx
import numpy as np
import pytest

import tracegraph as tg
from serving_models import BODY_LIMIT, HalfPlusTwo, ThreeInputs, build_mlp


class Server:
    """A `tracegraph serve` subprocess and an HTTP client for it."""

    def __init__(self, name, args, directory):
        self.name = name
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(os.path.join(directory, f"{name}.log"), "w+")
        command = [sys.executable, "-m", "tracegraph", "serve", *args, "--host", "127.0.0.1",
                   "--port", str(self.port), "--log-level", "warning", "--backend", "numpy"]
        self.process = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT)
        self.client = None

    def wait_ready(self, timeout=60.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server {self.name} exited:\n{self.output()}")
            try:
                if httpx.get(self.url + "/healthz", timeout=2).status_code == 200:
                    self.client = httpx.Client(base_url=self.url, timeout=30)
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"server {self.name} not ready after {timeout} s:\n{self.output()}")

    def output(self):
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def get(self, path):
        return self.client.get(path)

    def post(self, path, document=None, content=None):
        return self.client.post(path, json=document) if content is None else self.client.post(path, content=content)

    def stop(self):
        if self.client is not None:
            self.client.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("models")
    tg.saved_model.save(build_mlp(0), str(root / "mlp" / "1"))
    half = HalfPlusTwo()
    tg.saved_model.save(half, str(root / "half_plus_two" / "1"), signatures=half.serve)
    three = ThreeInputs()
    tg.saved_model.save(three, str(root / "three" / "1"), signatures=three.serve)
    tg.saved_model.save(build_mlp(0), str(root / "swap" / "1"))
    (root / "models.config").write_text(f"""
# TF Serving's model config file: several models, one with a version label
model_config_list {{
  config {{ name: "mlp" base_path: "{root / 'mlp'}" model_platform: "tensorflow"
           version_labels {{ key: "stable" value: 1 }} }}
  config {{ name: "half_plus_two" base_path: "{root / 'half_plus_two'}" }}
  config {{ name: "three" base_path: "{root / 'three'}" model_version_policy {{ all {{}} }} }}
  config {{ name: "swap" base_path: "{root / 'swap'}" }}
}}
""")
    return root


@pytest.fixture(scope="session")
def servers(model_dir, tmp_path_factory):
    logs = tmp_path_factory.mktemp("logs")
    started = {
        "config": Server("config", ["--model-config-file", str(model_dir / "models.config"), "--enable-batching",
                                    "--max-batch-size", "16", "--batch-timeout-micros", "3000",
                                    "--max-body-bytes", str(BODY_LIMIT), "--body-timeout", "1",
                                    "--poll-seconds", "0.2"], logs),
        "workers": Server("workers", [str(model_dir / "half_plus_two"), "--model-name", "half_plus_two",
                                      "--workers", "2"], logs),
    }
    try:
        for server in started.values():
            server.wait_ready()
        yield started
    finally:
        for server in started.values():
            server.stop()


@pytest.fixture(scope="session")
def mlp_reference(model_dir):
    """The MLP's answers computed in this process from the same saved model."""
    signature = tg.saved_model.load(str(model_dir / "mlp" / "1")).signatures["serving_default"]
    return lambda x: np.asarray(signature(inputs=tg.constant(np.asarray(x, np.float32)))["output_0"])

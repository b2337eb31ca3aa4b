"""`tracegraph serve` under load, against the server a user would otherwise write with TensorFlow.

The model is the tutorials' 8-30-1 MLP (Dense(30, relu), Dense(1)), exported with `tg.saved_model.save`.
The peer is the same ASGI stack (Starlette + uvicorn with httptools and uvloop, access log off) with the
handler a user writes: `await request.json()`, `model(x)` on the same architecture and weights in Keras
on TensorFlow, `JSONResponse({"predictions": ...})`; it runs in the TensorFlow interpreter (`--tf-python`).
Every server is its own process, one worker each; the load generator is another process: raw asyncio
HTTP/1.1 over keep-alive connections (uvloop where installed), N clients each sending its next request
when the last one is answered, latency measured per request from the write to the full response.

Reported, per server: requests/s and p50/p99 latency for single-instance requests with 1, 8 and 32
concurrent clients, and rows/s for 1,000-row requests (1 and 4 clients). tracegraph runs twice: without
batching and with `--enable-batching` (max_batch_size 32, batch_timeout_micros as given).

    python3 bench/serving.py [--seconds S] [--tf-python /tmp/tfvenv/bin/python] [--timeout-micros N]
"""
import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

import numpy as np

#: The peer server (run with the TensorFlow interpreter; argv: weights .npz, port).
_PEER = r'''
import os, sys
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np, keras, uvicorn
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route
weights = np.load(sys.argv[1])
model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(30, activation="relu"), keras.layers.Dense(1)])
model.set_weights([weights[f"w{i}"] for i in range(4)])

async def predict(request):
    body = await request.json()
    x = np.asarray(body["instances"], dtype=np.float32)
    return JSONResponse({"predictions": model(x).numpy().tolist()})

async def healthz(request):
    return JSONResponse({"status": "ok"})

app = Starlette(routes=[Route("/v1/models/mlp:predict", predict, methods=["POST"]), Route("/healthz", healthz)])
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), access_log=False, log_level="warning")
'''


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4.0, help="measured time per scenario")
    parser.add_argument("--tf-python", default="/tmp/tfvenv/bin/python", help="the interpreter with TensorFlow")
    parser.add_argument("--timeout-micros", type=int, default=0, help="batch_timeout_micros when batching")
    parser.add_argument("--client", nargs=5, help=argparse.SUPPRESS)  # port path body-file clients seconds
    args = parser.parse_args()
    if args.client:
        print(json.dumps(asyncio.run(_load(*args.client))))
        return
    print(f"load average before: {os.getloadavg()[0]:.2f}", flush=True)
    with tempfile.TemporaryDirectory() as root:
        _run(root, args)
    print(f"load average after: {os.getloadavg()[0]:.2f}")


def _run(root, args):
    weights = _export(root)
    single = json.dumps({"instances": [[0.5, -1.0, 2.0, 0.25, 1.5, -0.5, 0.75, 1.0]]}).encode()
    rows = json.dumps({"instances": np.random.default_rng(2).standard_normal((1000, 8)).round(4).tolist()}).encode()
    servers = [("tracegraph", []), ("tracegraph+batching", ["--enable-batching", "--max-batch-size", "32",
                                                             "--batch-timeout-micros", str(args.timeout_micros)])]
    if os.path.exists(args.tf_python):
        servers.append(("tensorflow peer", None))
    results = {}
    for name, flags in servers:
        port = _free_port()
        if flags is None:
            peer = os.path.join(root, "peer.py")
            with open(peer, "w") as f:
                f.write(_PEER)
            command = [args.tf_python, peer, weights, str(port)]
        else:
            command = [sys.executable, "-m", "tracegraph", "serve", os.path.join(root, "mlp"), "--model-name", "mlp",
                       "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", "--poll-seconds", "0"]
            command += flags
        process = subprocess.Popen(command)
        try:
            _wait_ready(port)
            results[name] = {}
            for label, body, clients in [("1 client", single, 1), ("8 clients", single, 8),
                                         ("32 clients", single, 32), ("1000 rows x1", rows, 1),
                                         ("1000 rows x4", rows, 4)]:
                _client(root, port, body, 8 if clients > 1 else 1, 0.5)  # warm-up
                cpu = _cpu_seconds(process.pid)
                results[name][label] = result = _client(root, port, body, clients, args.seconds)
                result["server_cpu_us"] = 1e6 * (_cpu_seconds(process.pid) - cpu) / result["requests"]
                print(f"{name:20s} {label:14s} {_format(results[name][label], body is rows)}", flush=True)
        finally:
            process.terminate()
            process.wait(timeout=30)
    _summary(results)


def _cpu_seconds(pid):
    """User + system CPU time of process `pid` (Linux): the server's own cost, whatever the machine's load."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _export(root):
    """Save the MLP as version 1 under root/mlp; return the .npz of its weights for the peer."""
    import tracegraph as tg  # noqa: PLC0415 - the parent process only; clients stay light
    tg.keras.utils.set_random_seed(0)
    model = tg.keras.Sequential([tg.keras.Input((8,)), tg.keras.layers.Dense(30, activation="relu"),
                                 tg.keras.layers.Dense(1)])
    tg.saved_model.save(model, os.path.join(root, "mlp", "1"))
    path = os.path.join(root, "weights.npz")
    np.savez(path, **{f"w{i}": np.asarray(w) for i, w in enumerate(model.get_weights())})
    return path


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_ready(port, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the server on port {port} did not become ready")


def _client(root, port, body, clients, seconds):
    path = os.path.join(root, f"body-{len(body)}.json")
    with open(path, "wb") as f:
        f.write(body)
    out = subprocess.run([sys.executable, __file__, "--client", str(port), "/v1/models/mlp:predict", path,
                          str(clients), str(seconds)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


class _Connection(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection: write a request, await the complete response."""

    def __init__(self):
        self.buffer = b""
        self.waiter = None
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        self.buffer += data
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0 or self.waiter is None:
            return
        head = self.buffer[:end].lower()
        start = head.find(b"content-length:")
        length = int(head[start + 15:head.find(b"\r\n", start) if head.find(b"\r\n", start) > 0 else None])
        if len(self.buffer) >= end + 4 + length:
            status = int(self.buffer[9:12])
            body = self.buffer[end + 4:end + 4 + length]
            self.buffer = self.buffer[end + 4 + length:]
            self.waiter.set_result((status, body))
            self.waiter = None

    def connection_lost(self, exc):
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(ConnectionError("the server closed the connection"))


async def _load(port, path, body_file, clients, seconds):
    try:
        import uvloop  # noqa: PLC0415 - optional: a faster client loop where installed
        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    except ImportError:
        pass
    with open(body_file, "rb") as f:
        body = f.read()
    request = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
               f"Content-Length: {len(body)}\r\n\r\n").encode() + body
    loop = asyncio.get_running_loop()
    connections = [(await loop.create_connection(_Connection, "127.0.0.1", int(port)))[1]
                   for _ in range(int(clients))]
    latencies, errors = [], []
    deadline = time.perf_counter() + float(seconds)

    async def run(connection):
        while time.perf_counter() < deadline:
            connection.waiter = loop.create_future()
            started = time.perf_counter()
            connection.transport.write(request)
            status, answer = await connection.waiter
            latencies.append(time.perf_counter() - started)
            if status != 200:
                errors.append(answer.decode()[:200])

    started = time.perf_counter()
    await asyncio.gather(*(run(c) for c in connections))
    elapsed = time.perf_counter() - started
    for connection in connections:
        connection.transport.close()
    latencies.sort()
    return {"requests": len(latencies), "seconds": elapsed, "rps": len(latencies) / elapsed,
            "p50_ms": 1e3 * latencies[len(latencies) // 2], "p99_ms": 1e3 * latencies[int(len(latencies) * 0.99)],
            "errors": len(errors), "first_error": errors[0] if errors else None}


def _format(result, many_rows):
    rate = f"{result['rps'] * 1000:10.0f} rows/s" if many_rows else f"{result['rps']:8.0f} req/s"
    errors = f"  ERRORS {result['errors']}: {result['first_error']}" if result["errors"] else ""
    return (f"{rate}  p50 {result['p50_ms']:6.2f} ms  p99 {result['p99_ms']:6.2f} ms  "
            f"server CPU {result['server_cpu_us']:6.0f} us/request{errors}")


def _summary(results):
    peer = results.get("tensorflow peer")
    if peer is None:
        return
    print("\nratios against the TensorFlow peer (requests/s; rows/s for 1000-row requests):")
    for name in results:
        if name != "tensorflow peer":
            ratios = "  ".join(f"{label} {results[name][label]['rps'] / peer[label]['rps']:5.2f}x"
                               for label in peer)
            print(f"  {name:20s} {ratios}")
    print("  (median p99 across scenarios: " + ", ".join(
        f"{n} {statistics.median(r[l]['p99_ms'] for l in r):.2f} ms" for n, r in results.items()) + ")")


if __name__ == "__main__":
    main()

"""TF Serving's REST API as a client sees it: predict in both formats, status, metadata, labels, metrics,
server-side batching under concurrent clients, and every kind of bad input (the server keeps serving)."""
import asyncio
import base64
import re
import socket
import time

import httpx
import numpy as np
import pytest

from serving_models import BODY_LIMIT

ROW = [0.5, -1.0, 2.0, 0.25, 1.5, -0.5, 0.75, 1.0]


# ----- TF Serving's own examples ---------------------------------------------------------------

def test_half_plus_two_row_format_as_in_tf_serving_docs(servers):
    response = servers["config"].post("/v1/models/half_plus_two:predict", {"instances": [1.0, 2.0, 5.0]})
    assert response.status_code == 200
    assert response.json() == {"predictions": [2.5, 3.0, 4.5]}


def test_model_status_as_in_tf_serving_docs(servers):
    response = servers["config"].get("/v1/models/half_plus_two")
    assert response.status_code == 200
    assert response.json() == {"model_version_status": [
        {"version": "1", "state": "AVAILABLE", "status": {"error_code": "OK", "error_message": ""}}]}
    assert servers["config"].get("/v1/models/half_plus_two/versions/1").json() == response.json()


def test_three_inputs_row_and_columnar_formats_from_the_rest_api_guide(servers):
    rows = {"instances": [{"tag": "foo", "signal": [1, 2, 3, 4, 5], "sensor": [[1, 2], [3, 4]]},
                          {"tag": "bar", "signal": [3, 4, 1, 2, 5], "sensor": [[4, 5], [6, 8]]}]}
    columns = {"inputs": {"tag": ["foo", "bar"], "signal": [[1, 2, 3, 4, 5], [3, 4, 1, 2, 5]],
                          "sensor": [[[1, 2], [3, 4]], [[4, 5], [6, 8]]]}}
    by_rows = servers["config"].post("/v1/models/three:predict", rows).json()
    by_columns = servers["config"].post("/v1/models/three:predict", columns).json()
    # outputs named *_bytes come back base64-encoded, as in TF Serving
    b64 = {name: {"b64": base64.b64encode(name.encode()).decode()} for name in ("FOO", "BAR")}
    assert by_columns == {"outputs": {"tag_bytes": [b64["FOO"], b64["BAR"]], "tag_length": [3, 3],
                                      "total": [25.0, 38.0]}}
    assert by_rows == {"predictions": [{"tag_bytes": b64["FOO"], "tag_length": 3, "total": 25.0},
                                       {"tag_bytes": b64["BAR"], "tag_length": 3, "total": 38.0}]}


def test_base64_string_input(servers):
    document = {"instances": [{"tag": {"b64": "aW1hZ2UgYnl0ZXM="}, "signal": [0, 0, 0, 0, 0],
                               "sensor": [[0, 0], [0, 0]]}]}
    answer = servers["config"].post("/v1/models/three:predict", document).json()["predictions"][0]
    assert answer["tag_length"] == len(b"image bytes")
    assert base64.b64decode(answer["tag_bytes"]["b64"]) == b"IMAGE BYTES"


def test_mlp_predict_matches_the_saved_model_in_process(servers, mlp_reference):
    x = np.random.default_rng(0).standard_normal((5, 8)).astype(np.float32)
    rows = servers["config"].post("/v1/models/mlp:predict", {"instances": x.tolist()}).json()["predictions"]
    columns = servers["config"].post("/v1/models/mlp/versions/1:predict", {"inputs": x.tolist()}).json()["outputs"]
    labelled = servers["config"].post("/v1/models/mlp/labels/stable:predict",
                                      {"signature_name": "serving_default", "instances": x.tolist()}).json()
    np.testing.assert_allclose(rows, mlp_reference(x), rtol=1e-5, atol=1e-6)
    assert columns == rows and labelled["predictions"] == rows


def test_metadata_describes_the_signature(servers):
    document = servers["config"].get("/v1/models/mlp/metadata").json()
    assert document["model_spec"] == {"name": "mlp", "signature_name": "", "version": "1"}
    signature = document["metadata"]["signature_def"]["signature_def"]["serving_default"]
    assert signature["inputs"]["inputs"]["dtype"] == "DT_FLOAT"
    assert [d["size"] for d in signature["inputs"]["inputs"]["tensor_shape"]["dim"]] == ["-1", "8"]
    assert [d["size"] for d in signature["outputs"]["output_0"]["tensor_shape"]["dim"]] == ["-1", "1"]
    assert signature["method_name"] == "tensorflow/serving/predict"
    assert servers["config"].get("/v1/models/mlp/labels/stable/metadata").json()["model_spec"]["version"] == "1"
    labelled = servers["config"].get("/v1/models/mlp/labels/stable").json()["model_version_status"]
    assert [(s["version"], s["state"]) for s in labelled] == [("1", "AVAILABLE")]


# ----- batching ----------------------------------------------------------------------------------

def test_concurrent_clients_under_batching_each_get_their_own_rows(servers, mlp_reference):
    server = servers["config"]
    rng = np.random.default_rng(1)
    inputs = [rng.standard_normal((int(rng.integers(1, 4)), 8)).astype(np.float32) for _ in range(96)]
    bad = {7, 40, 77}  # wrong shapes mixed in: they fail alone, the others are unaffected

    async def run():
        async with httpx.AsyncClient(base_url=server.url, timeout=30,
                                     limits=httpx.Limits(max_connections=32)) as client:
            async def one(k):
                rows = inputs[k][:, :7] if k in bad else inputs[k]
                return await client.post("/v1/models/mlp:predict", json={"instances": rows.tolist()})
            return await asyncio.gather(*(one(k) for k in range(len(inputs))))

    before = _batch_counts(server)
    responses = asyncio.run(run())
    after = _batch_counts(server)
    for k, response in enumerate(responses):
        if k in bad:
            assert response.status_code == 400 and "(-1, 8)" in response.json()["error"]
        else:
            assert response.status_code == 200, response.text
            np.testing.assert_allclose(response.json()["predictions"], mlp_reference(inputs[k]), rtol=1e-5,
                                       atol=1e-6)
    calls, rows = after[0] - before[0], after[1] - before[1]
    good_rows = sum(len(inputs[k]) for k in range(len(inputs)) if k not in bad)
    assert rows == good_rows
    assert calls < len(inputs) - len(bad)  # some calls served several requests


def _batch_counts(server):
    text = server.get("/metrics").text
    count = re.search(r'tracegraph_serving_batch_size_count\{model="mlp"\} (\d+)', text)
    total = re.search(r'tracegraph_serving_batch_size_sum\{model="mlp"\} ([\d.]+)', text)
    return (int(count[1]), float(total[1])) if count else (0, 0.0)


# ----- bad input ---------------------------------------------------------------------------------

@pytest.mark.parametrize("path, body, status, words", [
    ("/v1/models/mlp:predict", b'{"instances": [[1, 2', 400, ["JSON Parse error"]),
    ("/v1/models/mlp:predict", b'[1, 2]', 400, ["JSON object"]),
    ("/v1/models/mlp:predict", b'{"instances": [[1, 2, 3]]}', 400, ["'inputs'", "float32", "(-1, 8)", "(1, 3)"]),
    ("/v1/models/mlp:predict", b'{"instances": [[1, 2], [1, 2, 3]]}', 400, ["'inputs'", "ragged"]),
    ("/v1/models/mlp:predict", b'{"instances": [["a", "b", "c", "d", "e", "f", "g", "h"]]}', 400,
     ["'inputs'", "float32", "strings"]),
    ("/v1/models/mlp:predict", b'{"instances": []}', 400, ["non-empty"]),
    ("/v1/models/mlp:predict", b'{"rows": [[1]]}', 400, ["'instances'", "'inputs'"]),
    ("/v1/models/mlp:predict", b'{"instances": [[1]], "inputs": [[1]]}', 400, ["not both"]),
    ("/v1/models/three:predict", b'{"instances": [{"tag": "a", "signal": [1, 2, 3, 4, 5]}]}', 400,
     ["missing input 'sensor'", "float32", "(-1, 2, 2)"]),
    ("/v1/models/three:predict", b'{"inputs": {"tag": ["a"], "signal": [[1.5, 2, 3, 4, 5]], '
                                 b'"sensor": [[[1, 2], [3, 4]]]}}', 400, ["'signal'", "int32", "floating-point"]),
    ("/v1/models/three:predict", b'{"inputs": {"tag": [{"b64": "!!"}], "signal": [[1, 2, 3, 4, 5]], '
                                 b'"sensor": [[[1, 2], [3, 4]]]}}', 400, ["'tag'", "base64"]),
    ("/v1/models/three:predict", b'{"inputs": {"tag": ["a"], "signal": [[1, 2, 3, 4, 5]], "extra": 1, '
                                 b'"sensor": [[[1, 2], [3, 4]]]}}', 400, ["unknown input", "'extra'"]),
    ("/v1/models/three:predict", b'{"instances": [{"tag": "a", "signal": [1, 2, 3, 4, 5], "sensor": [[1, 2], [3, 4]]}, '
                                 b'{"tag": "b", "signal": [1, 2, 3, 4, 5], "sensor": [[1, 2], [3, 4]], "extra": 1}]}',
     400, ["unknown input", "'extra'"]),
    ("/v1/models/mlp:predict", b'{"signature_name": "nope", "instances": [[1]]}', 400, ['"nope"', "serving_default"]),
    ("/v1/models/nope:predict", b'{"instances": [[1]]}', 404, ["nope", "mlp"]),
    ("/v1/models/mlp/versions/7:predict", b'{"instances": [[1]]}', 404, ["7", "[1]"]),
    ("/v1/models/mlp/labels/canary:predict", b'{"instances": [[1]]}', 404, ["canary", "stable"]),
    ("/v1/models/mlp:classify", b'{"examples": []}', 400, [":predict"]),
    ("/v2/whatever", b'{}', 404, ["/v1/models"]),
])
def test_bad_requests_get_tf_serving_error_json(servers, path, body, status, words):
    response = servers["config"].post(path, content=body)
    assert response.status_code == status
    message = response.json()["error"]
    assert all(word in message for word in words), message


def test_unknown_model_status_and_metadata_are_404(servers):
    assert servers["config"].get("/v1/models/nope").status_code == 404
    assert servers["config"].get("/v1/models/mlp/versions/9/metadata").status_code == 404


def test_a_large_request_is_answered_in_full(servers):
    x = np.random.default_rng(4).standard_normal(150_000).astype(np.float32)
    body = ('{"instances": [' + ", ".join(map(repr, x.tolist())) + "]}").encode()
    assert len(body) > 1 << 20  # handled off the event loop's thread
    response = servers["workers"].post("/v1/models/half_plus_two:predict", content=body)
    assert response.status_code == 200
    np.testing.assert_array_equal(np.asarray(response.json()["predictions"], np.float32), 0.5 * x + 2)


def test_over_large_body_is_413(servers):
    rows = [[1.0] * 8] * (BODY_LIMIT // 30)
    response = servers["config"].post("/v1/models/mlp:predict", {"instances": rows})
    assert response.status_code == 413
    assert str(BODY_LIMIT) in response.json()["error"]

    def chunks():  # no Content-Length: the limit is enforced while reading
        for _ in range(20):
            yield b" " * 10_000
    response = servers["config"].client.post("/v1/models/mlp:predict", content=chunks())
    assert response.status_code == 413


def test_slow_client_is_timed_out_while_others_are_served(servers):
    server = servers["config"]
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as slow:
        slow.sendall(b"POST /v1/models/half_plus_two:predict HTTP/1.1\r\nHost: x\r\n"
                     b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"instances\"")
        started = time.monotonic()
        # while the slow client holds its request open, others are answered
        assert server.post("/v1/models/half_plus_two:predict", {"instances": [2.0]}).json() == {"predictions": [3.0]}
        answer = b""
        while not answer.endswith(b"}") and time.monotonic() - started < 10:
            part = slow.recv(4096)
            if not part:
                break
            answer += part
    assert answer.startswith(b"HTTP/1.1 408"), answer
    assert b"within 1.0 s" in answer
    assert 0.9 < time.monotonic() - started < 9


def test_bad_input_does_not_take_the_server_down(servers):
    server = servers["config"]
    for body in [b"\xff\xfe", b"{" * 10_000, b'{"instances": [' + b"[" * 5000 + b"]" * 5000 + b"]}",
                 b'{"instances": [1e400]}', b'{"instances": [[NaN]]}']:
        assert server.post("/v1/models/mlp:predict", content=body).status_code == 400
    assert server.get("/healthz").status_code == 200
    assert server.post("/v1/models/half_plus_two:predict", {"instances": [0.0]}).json() == {"predictions": [2.0]}


def test_metrics_count_requests_and_latency(servers):
    server = servers["config"]
    server.post("/v1/models/half_plus_two:predict", {"instances": [1.0]})
    text = server.get("/metrics").text
    assert re.search(r'tracegraph_serving_requests_total\{model="half_plus_two",api="predict",code="200"\} [1-9]', text)
    assert 'tracegraph_serving_request_latency_seconds_bucket{model="half_plus_two",api="predict",le="+Inf"}' in text
    assert 'tracegraph_serving_model_versions{model="mlp"} 1' in text
    server.post("/v1/models/nope:predict", {"instances": [1.0]})
    assert 'model="nope"' not in server.get("/metrics").text  # clients' names do not grow the metrics

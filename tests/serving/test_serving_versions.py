"""Versions on disk while serving: a new version directory is loaded and swapped in under load without a
dropped or mixed request; several worker processes share one port."""
import threading
import time

import numpy as np
import tracegraph as tg

from serving_models import build_mlp

X = np.random.default_rng(3).standard_normal((2, 8)).astype(np.float32)


def _answer(model):
    return np.asarray(model(tg.constant(X)))


def test_new_version_swaps_in_under_load_without_dropping_a_request(servers, model_dir):
    server = servers["config"]
    old, new = _answer(build_mlp(0)), _answer(build_mlp(1))
    stop = threading.Event()
    seen = [[] for _ in range(4)]
    failures = []

    def client(k):
        import httpx  # noqa: PLC0415 - a client per thread
        with httpx.Client(base_url=server.url, timeout=30) as http:
            while not stop.is_set():
                response = http.post("/v1/models/swap:predict", json={"instances": X.tolist()})
                if response.status_code != 200:
                    failures.append(response.text)
                    continue
                got = np.asarray(response.json()["predictions"], np.float32)
                seen[k].append(2 if np.allclose(got, new, rtol=1e-5, atol=1e-6) else
                               1 if np.allclose(got, old, rtol=1e-5, atol=1e-6) else 0)

    threads = [threading.Thread(target=client, args=(k,)) for k in range(4)]
    for thread in threads:
        thread.start()
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not all(seen):  # every client has had version 1's answer
            time.sleep(0.05)
        tg.saved_model.save(build_mlp(1), str(model_dir / "swap" / "2"))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not all(s and s[-1] == 2 for s in seen):
            time.sleep(0.05)
        time.sleep(0.2)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert failures == []
    for answers in seen:
        assert 0 not in answers  # every answer is exactly one version's
        assert answers[0] == 1 and answers[-1] == 2
        first_new = answers.index(2)
        assert set(answers[first_new:]) == {2}  # once a client sees version 2, it never sees 1 again
    status = server.get("/v1/models/swap").json()["model_version_status"]
    assert [(s["version"], s["state"]) for s in status] == [("2", "AVAILABLE"), ("1", "END")]
    assert server.get("/v1/models/swap/versions/1/metadata").status_code == 404


def test_a_damaged_version_is_reported_and_the_previous_one_keeps_serving(servers, model_dir):
    server = servers["config"]
    damaged = model_dir / "swap" / "3"
    damaged.mkdir()
    (damaged / "saved_model.json").write_text('{"format": "tracegraph.saved_model", "vers')
    deadline = time.monotonic() + 30
    status = {}
    while time.monotonic() < deadline and status.get("3", ("LOADING",))[0] != "END":
        status = {s["version"]: (s["state"], s["status"]["error_message"])
                  for s in server.get("/v1/models/swap").json()["model_version_status"]}
        time.sleep(0.05)
    assert status["3"][0] == "END" and "saved_model.json" in status["3"][1]
    assert status["2"][0] == "AVAILABLE"
    got = server.post("/v1/models/swap:predict", {"instances": X.tolist()}).json()["predictions"]
    np.testing.assert_allclose(got, _answer(build_mlp(1)), rtol=1e-5, atol=1e-6)


def test_workers_share_the_port(servers):
    server = servers["workers"]
    import httpx  # noqa: PLC0415 - fresh connections, one per request
    pids = set()
    for k in range(12):
        with httpx.Client(base_url=server.url, timeout=30) as http:
            assert http.post("/v1/models/half_plus_two:predict",
                             json={"instances": [float(k)]}).json() == {"predictions": [0.5 * k + 2]}
            pids.add(http.get("/healthz").json()["pid"])
    assert server.process.pid not in pids  # answered by worker processes, not the supervisor

"""Running the REST API under uvicorn, in one process or in `--workers` processes sharing the port.

uvicorn binds the socket once, in the parent, and each worker process accepts on it (the kernel
spreads connections over them); each worker loads the models itself, so they share nothing but the
port. Workers are started by uvicorn from an import string, so their settings travel in an environment
variable as JSON. Access logs are off: a log line per request costs more than a small model's call.
"""
import json
import os

import uvicorn

from .config import ModelSpec, VersionPolicy
from .model_store import ModelStore
from .rest_api import ServerOptions, create_app

__all__ = ["run", "app_from_environment"]

_SETTINGS_VARIABLE = "TRACEGRAPH_SERVING_SETTINGS"


def run(specs, host="0.0.0.0", port=8501, workers=1, options=None, poll_seconds=2.0, log_level="info",
        backend=None):
    """Serve the models `specs` (ModelSpecs) until interrupted, on `backend` (default: tracegraph's)."""
    options = options or ServerOptions()
    settings = {"host": host, "port": port, "log_level": log_level, "access_log": False, "lifespan": "on",
                "timeout_keep_alive": 30}
    if workers > 1:
        os.environ[_SETTINGS_VARIABLE] = json.dumps(_encode(specs, options, poll_seconds, backend))
        uvicorn.run("tracegraph.serving.server:app_from_environment", factory=True, workers=workers, **settings)
    else:
        uvicorn.run(create_app(ModelStore(specs, poll_seconds, backend), options), **settings)


def app_from_environment():
    """The app of one worker process, from the settings its parent put in the environment."""
    specs, options, poll_seconds, backend = _decode(json.loads(os.environ[_SETTINGS_VARIABLE]))
    return create_app(ModelStore(specs, poll_seconds, backend), options)


def _encode(specs, options, poll_seconds, backend):
    return {"models": [{"name": s.name, "base_path": s.base_path, "labels": s.labels,
                        "policy": [s.policy.kind, s.policy.count, sorted(s.policy.versions)]} for s in specs],
            "options": vars(options), "poll_seconds": poll_seconds, "backend": backend}


def _decode(settings):
    specs = [ModelSpec(m["name"], m["base_path"], VersionPolicy(m["policy"][0], m["policy"][1], m["policy"][2]),
                       m["labels"]) for m in settings["models"]]
    return specs, ServerOptions(**settings["options"]), settings["poll_seconds"], settings["backend"]

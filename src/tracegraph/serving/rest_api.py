"""TF Serving's REST API as a Starlette application.

    GET  /v1/models/NAME[/versions/N | /labels/L]            the versions' status
    GET  /v1/models/NAME[/versions/N | /labels/L]/metadata   the signature defs
    POST /v1/models/NAME[/versions/N | /labels/L]:predict    row ("instances") or columnar ("inputs") format
    GET  /healthz                                            200 once every model has a version, else 503
    GET  /metrics                                            Prometheus text

Every failure is answered with TF Serving's `{"error": "..."}` and its HTTP status; no request can
take the server down (an unexpected exception is a 500 for that request only). Bodies are read
with a size limit (413) and a time limit (408, then the connection is closed), so a client that
sends too much or too slowly costs nothing to the others. JSON goes through orjson: parsing and
writing are a large part of a small model's request, and orjson writes NumPy arrays directly.
"""
import asyncio
import contextlib
import logging
import os
import re
import time

import orjson
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route

from .batching import Batcher
from .errors import InvalidArgument, NotFound, PayloadTooLarge, RequestTimeout, ServingError, error_body
from .metrics import Metrics
from .protocol import format_predict, parse_predict, signature_name

__all__ = ["create_app", "ServerOptions"]

logger = logging.getLogger("tracegraph.serving")

_MODEL_PATH = re.compile(r"(?P<name>[^/:]+)(?:/versions/(?P<version>-?\d+)|/labels/(?P<label>[^/:]+))?"
                         r"(?P<method>/metadata|:predict|:classify|:regress)?")
_JSON = "application/json"
_NUMPY = orjson.OPT_SERIALIZE_NUMPY
_timeout = getattr(asyncio, "timeout", None)  # Python 3.11+: a deadline without a new task


class ServerOptions:
    """The request limits and batching settings of a server."""

    def __init__(self, max_body_bytes=64 << 20, body_timeout_seconds=30.0, enable_batching=False,
                 max_batch_size=32, batch_timeout_micros=1000):
        self.max_body_bytes = max_body_bytes
        self.body_timeout_seconds = body_timeout_seconds
        self.enable_batching = enable_batching
        self.max_batch_size = max_batch_size
        self.batch_timeout_micros = batch_timeout_micros


def create_app(store, options=None):
    """The Starlette app serving `store`'s models; it starts the store's poller on startup."""
    options = options or ServerOptions()
    metrics = Metrics()
    api = _Api(store, options, metrics)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        await asyncio.get_running_loop().run_in_executor(None, store.start)
        try:
            yield
        finally:
            store.stop()

    async def not_found(request, exc):
        status = getattr(exc, "status_code", 404)
        return _error(status, f"{request.method} {request.url.path}: no such endpoint (the REST API has "
                              f"/v1/models/NAME[:predict|/metadata], /healthz, /metrics)")

    routes = [Route("/v1/models/{path:path}", api.models, methods=["GET", "POST"]),
              Route("/healthz", api.healthz, methods=["GET"]),
              Route("/metrics", api.metrics, methods=["GET"])]
    return Starlette(routes=routes, lifespan=lifespan,
                     exception_handlers={404: not_found, 405: not_found})


class _Api:
    def __init__(self, store, options, metrics):
        self.store, self.options, self._metrics = store, options, metrics

    async def models(self, request):
        started = time.perf_counter()
        name, api = "", "unknown"
        try:
            match = _MODEL_PATH.fullmatch(request.path_params["path"])
            if match is None:
                raise NotFound(f"no such endpoint: {request.url.path} (expected /v1/models/NAME[/versions/N|"
                               f"/labels/L][:predict|/metadata])")
            name, method = match["name"], match["method"]
            version = int(match["version"]) if match["version"] is not None else None
            api = "status" if method is None else method[1:]
            response = await self._dispatch(request, name, version, match["label"], api)
        except ServingError as error:
            response = _error(error.status, error.message, close=isinstance(error, RequestTimeout))
        except Exception as error:  # noqa: BLE001 - one request's failure, never the server's
            logger.exception("request %s %s failed", request.method, request.url.path)
            response = _error(500, f"internal error: {type(error).__name__}: {error}")
        self._metrics.observe_request(name, api, response.status_code, time.perf_counter() - started)
        return response

    async def _dispatch(self, request, name, version, label, api):
        model = self.store.model(name)
        if api in ("status", "metadata"):
            if request.method != "GET":
                raise InvalidArgument(f"{api} is read with GET, not {request.method}")
            if api == "status":
                status_version = model.spec.labels.get(label, -1) if label is not None else version
                if status_version == -1:
                    raise NotFound(f"model '{name}' has no version label '{label}'")
                return _json(model.status(status_version))
            return _json(self._metadata(model.resolve(version, label)))
        if request.method != "POST":
            raise InvalidArgument(f":{api} takes a POST with a JSON body, not {request.method}")
        if api != "predict":
            raise InvalidArgument(f":{api} needs tf.Example inputs, which tracegraph's saved models do not have: "
                                  f"use :predict")
        body = await self._read_body(request)
        try:
            document = orjson.loads(body)
        except orjson.JSONDecodeError as error:
            raise InvalidArgument(f"JSON Parse error: {error}") from None
        servable = model.resolve(version, label)
        signature = servable.signature(signature_name(document))
        parsed = parse_predict(document, signature)
        try:
            if self.options.enable_batching:
                outputs = await self._batcher(servable, signature).run(parsed.arrays, parsed.rows)
            else:
                outputs = signature.run(parsed.arrays)
        except ServingError:
            raise
        except Exception as error:  # noqa: BLE001 - the model's own failure on this input
            raise ServingError(f"running signature '{signature.name}' of model '{name}' version "
                               f"{servable.version} failed: {type(error).__name__}: {error}") from None
        return Response(orjson.dumps(format_predict(outputs, signature, parsed.row_format), option=_NUMPY),
                        media_type=_JSON)

    def _batcher(self, servable, signature):
        batcher = servable.batchers.get(signature.name)
        if batcher is None:
            batcher = servable.batchers[signature.name] = Batcher(
                signature, asyncio.get_running_loop(), self.options.max_batch_size,
                self.options.batch_timeout_micros, self._metrics.batch_observer(servable.model_name))
        return batcher

    async def _read_body(self, request):
        limit = self.options.max_body_bytes
        length = request.headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            raise PayloadTooLarge(f"the request body has {length} bytes, more than the limit of {limit} "
                                  f"(--max-body-bytes)")
        try:
            if _timeout is not None:
                async with _timeout(self.options.body_timeout_seconds):
                    return await _read_limited(request, limit)
            return await asyncio.wait_for(_read_limited(request, limit), self.options.body_timeout_seconds)
        except (asyncio.TimeoutError, TimeoutError):
            raise RequestTimeout(f"the client did not send its request body within "
                                 f"{self.options.body_timeout_seconds} s (--body-timeout)") from None

    @staticmethod
    def _metadata(servable):
        return {"model_spec": {"name": servable.model_name, "signature_name": "",
                               "version": str(servable.version)},
                "metadata": {"signature_def": {"signature_def": {
                    name: signature.metadata() for name, signature in servable.signatures.items()}}}}

    async def healthz(self, request):
        if self.store.ready():
            return _json({"status": "ok", "pid": os.getpid(), "models": {name: sorted(model.versions)
                                                    for name, model in self.store.models.items()}})
        waiting = sorted(name for name, model in self.store.models.items() if not model.versions)
        return _error(503, f"not ready: no version loaded yet for the models {waiting}")

    async def metrics(self, request):
        return Response(self._metrics.render(self.store), media_type="text/plain; version=0.0.4")


async def _read_limited(request, limit):
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"the request body is more than the limit of {limit} bytes (--max-body-bytes)")
        chunks.append(chunk)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _json(document):
    return Response(orjson.dumps(document), media_type=_JSON)


def _error(status, message, close=False):
    headers = {"connection": "close"} if close else None
    return Response(error_body(message), status_code=status, media_type=_JSON, headers=headers)

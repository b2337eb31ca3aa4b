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
Predict requests, the hot path, are handled as plain ASGI in front of the Starlette app.
"""
import asyncio
import concurrent.futures
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
#: Bodies larger than this are handled off the event loop's thread (`_Api.predict`).
LARGE_BODY_BYTES = 1 << 20


class ServerOptions:
    """The request limits and batching settings of a server."""

    def __init__(self, max_body_bytes=64 << 20, body_timeout_seconds=30.0, enable_batching=False,
                 max_batch_size=32, batch_timeout_micros=0):
        self.max_body_bytes = max_body_bytes
        self.body_timeout_seconds = body_timeout_seconds
        self.enable_batching = enable_batching
        self.max_batch_size = max_batch_size
        self.batch_timeout_micros = batch_timeout_micros


def create_app(store, options=None):
    """The ASGI app serving `store`'s models: Starlette, with the predict path in front of it (`_PredictFirst`).
    Its lifespan loads the models before the first request and starts the store's poller."""
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
            api.close()

    async def not_found(request, exc):
        status = getattr(exc, "status_code", 404)
        return _error(status, f"{request.method} {request.url.path}: no such endpoint (the REST API has "
                              f"/v1/models/NAME[:predict|/metadata], /healthz, /metrics)")

    routes = [Route("/v1/models/{path:path}", api.models, methods=["GET", "POST"]),
              Route("/healthz", api.healthz, methods=["GET"]),
              Route("/metrics", api.metrics, methods=["GET"])]
    return _PredictFirst(api, Starlette(routes=routes, lifespan=lifespan,
                                        exception_handlers={404: not_found, 405: not_found}))


class _Api:
    """The REST API's handlers over a ModelStore, with the server's options and metrics."""

    def __init__(self, store, options, metrics):
        self.store, self.options, self._metrics = store, options, metrics
        self._slow_clients = _SlowClients(options.body_timeout_seconds)
        self._large_requests = concurrent.futures.ThreadPoolExecutor(1, "tracegraph-large-requests")

    def close(self):
        """Stop the thread of large requests (at shutdown)."""
        self._large_requests.shutdown(wait=False)

    async def asgi(self, scope, receive, send):
        """POST .../NAME[...]:predict, served as plain ASGI (see `_PredictFirst`)."""
        started = time.perf_counter()
        name, status = "", 200
        try:
            name, version, label, api = _parse_path(scope["path"][11:], scope["path"])
            body = await self._read_body(receive, scope["headers"])
            answer = await self.predict(name, version, label, body)
        except ServingError as error:
            status, answer = error.status, error_body(error.message)
        except Exception as error:  # noqa: BLE001 - one request's failure, never the server's
            logger.exception("request POST %s failed", scope["path"])
            status, answer = 500, error_body(f"internal error: {type(error).__name__}: {error}")
        headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(answer))]
        if status == RequestTimeout.status:
            headers.append((b"connection", b"close"))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": answer})
        self._metrics.observe_request(self._label(name), "predict", status, time.perf_counter() - started)

    async def models(self, request):
        """GET status and metadata (and the answers to other methods) through Starlette."""
        started = time.perf_counter()
        name, api = "", "unknown"
        try:
            name, version, label, api = _parse_path(request.path_params["path"], request.url.path)
            response = await self._dispatch(request, name, version, label, api)
        except ServingError as error:
            response = _error(error.status, error.message, close=isinstance(error, RequestTimeout))
        except Exception as error:  # noqa: BLE001 - one request's failure, never the server's
            logger.exception("request %s %s failed", request.method, request.url.path)
            response = _error(500, f"internal error: {type(error).__name__}: {error}")
        self._metrics.observe_request(self._label(name), api, response.status_code, time.perf_counter() - started)
        return response

    def _label(self, name):
        """The metrics label of a requested model name: unknown names share one (clients choose them)."""
        return name if name in self.store.models else ""

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
        body = await self._read_body(request.receive, request.scope["headers"])
        return Response(await self.predict(name, version, label, body), media_type=_JSON)

    async def predict(self, name, version, label, body):
        """The JSON answer to a predict request's body.

        A body over LARGE_BODY_BYTES is decoded, run and encoded on a thread of its own: its JSON alone
        takes tens of milliseconds, and on the event loop's thread it would hold every other request
        for as long; on another thread the loop gets the interpreter back every few milliseconds."""
        if len(body) > LARGE_BODY_BYTES:
            return await asyncio.get_running_loop().run_in_executor(self._large_requests, self._predict_alone,
                                                                    name, version, label, body)
        if not self.options.enable_batching:
            return self._predict_alone(name, version, label, body)
        servable, signature, parsed = self._decode(name, version, label, body)
        outputs = await _model_call(self._batcher(servable, signature).run(parsed.arrays, parsed.rows),
                                    servable, signature)
        return orjson.dumps(format_predict(outputs, signature, parsed.row_format), option=_NUMPY)

    def _predict_alone(self, name, version, label, body):
        """The answer to a predict body run on its own (no batching), in the calling thread."""
        servable, signature, parsed = self._decode(name, version, label, body)
        outputs = _run(servable, signature, parsed.arrays)
        return orjson.dumps(format_predict(outputs, signature, parsed.row_format), option=_NUMPY)

    def _decode(self, name, version, label, body):
        """(servable version, signature, PredictRequest) of a predict body."""
        try:
            document = orjson.loads(body)
        except orjson.JSONDecodeError as error:
            raise InvalidArgument(f"JSON Parse error: {error}") from None
        servable = self.store.model(name).resolve(version, label)
        signature = servable.signature(signature_name(document))
        return servable, signature, parse_predict(document, signature)

    def _batcher(self, servable, signature):
        batcher = servable.batchers.get(signature.name)
        if batcher is None:
            batcher = servable.batchers[signature.name] = Batcher(
                signature, asyncio.get_running_loop(), self.options.max_batch_size,
                self.options.batch_timeout_micros, self._metrics.batch_observer(servable.model_name))
        return batcher

    async def _read_body(self, receive, headers):
        limit = self.options.max_body_bytes
        for key, value in headers:
            if key == b"content-length" and value.isdigit() and int(value) > limit:
                raise PayloadTooLarge(f"the request body has {int(value)} bytes, more than the limit of {limit} "
                                      f"(--max-body-bytes)")
        return await self._slow_clients.read(receive, limit)

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


class _PredictFirst:
    """The ASGI app: POST .../:predict goes straight to the predict handler, everything else to Starlette.

    The predict path is the server's hot path; as a plain ASGI handler it skips Starlette's middleware
    stack, routing and Request/Response objects, which cost about as much as the rest of a small model's
    request (see bench/serving.py's server CPU per request).
    """

    def __init__(self, api, app):
        self._predict, self._app = api.asgi, app

    async def __call__(self, scope, receive, send):
        path = scope.get("path", "")
        if scope["type"] == "http" and scope["method"] == "POST" and path.endswith(":predict") \
                and path.startswith("/v1/models/"):
            await self._predict(scope, receive, send)
        else:
            await self._app(scope, receive, send)


class _SlowClients:
    """Reads request bodies with a time limit, enforced for all requests by one periodic timer.

    A per-request `asyncio.timeout` costs ~10 us (a timer handle pushed on and removed from the loop's
    heap), about a tenth of a small request; here a request only registers its deadline in a dict, and a
    sweep every quarter of the limit cancels the reads that are over it (so a slow client is cut off
    between 1 and 1.25 times the limit).
    """

    def __init__(self, seconds):
        self.seconds = seconds
        self._reading = {}  # task -> deadline (loop time)
        self._expired = set()
        self._timer = None

    async def read(self, receive, limit):
        """The body from `receive`, or RequestTimeout if it takes longer than the limit."""
        task = asyncio.current_task()
        loop = asyncio.get_running_loop()
        self._reading[task] = loop.time() + self.seconds
        if self._timer is None:
            self._timer = loop.call_later(self.seconds / 4, self._sweep, loop)
        try:
            return await _read_limited(receive, limit)
        except asyncio.CancelledError:
            if task not in self._expired:
                raise
            self._expired.discard(task)
            if hasattr(task, "uncancel"):
                task.uncancel()
            raise RequestTimeout(f"the client did not send its request body within {self.seconds} s "
                                 f"(--body-timeout)") from None
        finally:
            del self._reading[task]

    def _sweep(self, loop):
        now = loop.time()
        for task, deadline in self._reading.items():
            if deadline <= now and task not in self._expired:
                self._expired.add(task)
                task.cancel()
        self._timer = loop.call_later(self.seconds / 4, self._sweep, loop) if self._reading else None


def _run(servable, signature, arrays):
    """The signature's outputs; the model's own failure becomes the request's error."""
    try:
        return signature.run(arrays)
    except Exception as error:  # noqa: BLE001 - the model's own failure on this input
        raise _model_failure(servable, signature, error) from None


async def _model_call(awaitable, servable, signature):
    try:
        return await awaitable
    except ServingError:
        raise
    except Exception as error:  # noqa: BLE001 - the model's own failure on this input
        raise _model_failure(servable, signature, error) from None


def _model_failure(servable, signature, error):
    return ServingError(f"running signature '{signature.name}' of model '{servable.model_name}' version "
                        f"{servable.version} failed: {type(error).__name__}: {error}")


def _parse_path(rest, full_path):
    """(name, version, label, api) of the path after /v1/models/."""
    match = _MODEL_PATH.fullmatch(rest)
    if match is None:
        raise NotFound(f"no such endpoint: {full_path} (expected /v1/models/NAME[/versions/N|/labels/L]"
                       f"[:predict|/metadata])")
    method = match["method"]
    version = int(match["version"]) if match["version"] is not None else None
    return match["name"], version, match["label"], "status" if method is None else method[1:]


async def _read_limited(receive, limit):
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise InvalidArgument("the client disconnected before sending its whole body")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"the request body is more than the limit of {limit} bytes (--max-body-bytes)")
        chunks.append(chunk)
        if not message.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _json(document):
    return Response(orjson.dumps(document), media_type=_JSON)


def _error(status, message, close=False):
    headers = {"connection": "close"} if close else None
    return Response(error_body(message), status_code=status, media_type=_JSON, headers=headers)

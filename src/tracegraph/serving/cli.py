"""`tracegraph serve`: TF Serving's model server command, on tracegraph's saved models.

    tracegraph serve MODEL_BASE_PATH --model-name NAME [--port 8501] [--versions latest|latest:N|all|1,3]
    tracegraph serve --model-config-file models.config [--port 8501]
        [--enable-batching --max-batch-size 32 --batch-timeout-micros 0] [--workers N]
        [--max-body-bytes B] [--body-timeout S] [--poll-seconds S] [--host H] [--backend NAME]

TF Serving's own spellings (`--rest_api_port`, `--model_base_path`, `--model_name`, `--model_config_file`,
`--enable_batching`, `--file_system_poll_wait_seconds`) are accepted too, so a launch script keeps working.
"""
import sys

from .. import config as tg_config
from .config import ConfigError, ModelSpec, parse_version_policy, read_model_config

__all__ = ["add_subcommand"]


def add_subcommand(commands):
    """Register `serve` on the `tracegraph` command's sub-parsers."""
    serve = commands.add_parser(
        "serve", help="serve saved models over TF Serving's REST API",
        description="Serve tg.saved_model directories laid out by version (BASE/1/, BASE/2/, ...) over TF "
                    "Serving's REST API (/v1/models/NAME:predict). Needs the 'serve' extra "
                    "(pip install 'tracegraph[serve]').")
    serve.add_argument("base_path", nargs="?", metavar="MODEL_BASE_PATH",
                       help="the directory holding the model's version directories")
    serve.add_argument("--model_base_path", dest="base_path_option", metavar="PATH",
                       help="the same, as TF Serving spells it")
    serve.add_argument("--model-name", "--model_name", dest="model_name", default="default",
                       help="the name clients use in /v1/models/NAME (default: default)")
    serve.add_argument("--model-config-file", "--model_config_file", dest="config_file", metavar="FILE",
                       help="serve several models: TF Serving's model_config_list (text format) or its JSON form")
    serve.add_argument("--versions", default="latest", metavar="POLICY",
                       help="which versions to serve: latest (default), latest:N, all, or numbers like 1,3")
    serve.add_argument("--host", default="0.0.0.0", help="the address to listen on (default: 0.0.0.0)")
    serve.add_argument("--port", "--rest_api_port", dest="port", type=int, default=8501,
                       help="the HTTP port (default: 8501)")
    serve.add_argument("--workers", type=_positive_int, default=1,
                       help="processes accepting on the same port, each with its own copy of the models")
    serve.add_argument("--enable-batching", "--enable_batching", dest="enable_batching", action="store_true",
                       help="merge concurrent requests into one call of the model")
    serve.add_argument("--max-batch-size", type=_positive_int, default=32, help="rows per batched call (32)")
    serve.add_argument("--batch-timeout-micros", type=_non_negative_int, default=0,
                       help="how long a batch waits for more requests after its first; 0 (the default, as in "
                            "TF Serving): it takes the requests that arrived together")
    serve.add_argument("--max-body-bytes", type=_positive_int, default=64 << 20,
                       help="the largest request body accepted, else 413 (default: 64 MiB)")
    serve.add_argument("--body-timeout", type=float, default=30.0, metavar="SECONDS",
                       help="how long a client may take to send its body, else 408 (default: 30)")
    serve.add_argument("--poll-seconds", "--file_system_poll_wait_seconds", dest="poll_seconds", type=float,
                       default=2.0, help="how often to look for new versions; 0: never (default: 2)")
    serve.add_argument("--backend", metavar="NAME",
                       help="the tracegraph backend running the models: numpy, numba, ... (default: tracegraph's "
                            "default, the fastest available)")
    serve.add_argument("--log-level", default="info", choices=("debug", "info", "warning", "error"))
    serve.set_defaults(handler=_serve)


def _serve(args):
    try:
        specs = _model_specs(args)
        if args.backend:
            tg_config.set_backend(args.backend)  # an unknown or unavailable backend fails here, not in a worker
    except (ConfigError, ValueError, RuntimeError) as error:
        print(f"tracegraph serve: {error}", file=sys.stderr)
        return 2
    try:
        from . import server, rest_api  # noqa: PLC0415 - starlette and uvicorn (the serve extra) load for this command only
    except ImportError as error:
        print(f"tracegraph serve: {error}; install the server with: pip install 'tracegraph[serve]'",
              file=sys.stderr)
        return 1
    options = rest_api.ServerOptions(args.max_body_bytes, args.body_timeout, args.enable_batching,
                                     args.max_batch_size, args.batch_timeout_micros)
    server.run(specs, args.host, args.port, args.workers, options, args.poll_seconds, args.log_level,
               args.backend)
    return 0


def _model_specs(args):
    base_path = args.base_path or args.base_path_option
    if args.config_file:
        if base_path:
            raise ConfigError("give either MODEL_BASE_PATH or --model-config-file, not both")
        return read_model_config(args.config_file)
    if not base_path:
        raise ConfigError("give the model's base path (MODEL_BASE_PATH) or --model-config-file")
    return [ModelSpec(args.model_name, base_path, parse_version_policy(args.versions))]


def _positive_int(text):
    value = int(text)
    if value <= 0:
        raise ValueError(text)
    return value


def _non_negative_int(text):
    value = int(text)
    if value < 0:
        raise ValueError(text)
    return value

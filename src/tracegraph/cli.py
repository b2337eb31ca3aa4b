"""The `tracegraph` console command.

    tracegraph --version
    tracegraph bench [--quick] [--json] [--peers] [--workload NAME ...] [--backend NAME ...]
                     [--size N] [--repeats N] [--no-compile-times] [--plot FILE]
    tracegraph cache info|clear
    tracegraph saved-model show|run PATH ...   (see saved_model/cli.py)
    tracegraph serve MODEL_BASE_PATH ...       (see serving/cli.py)

`bench` runs the backend benchmarks and prints a table of median times and
ratios against NumPy eager measured in the same run, then compile times cold
and warm. `--json` prints the same data as JSON; `--plot FILE` also draws speed-up against
size per workload, backend and peer (needs matplotlib: the `plot` extra).

`cache info` shows where the Numba backend keeps compiled kernels, how many there
are, their size and the size bound; `cache clear` deletes them.
"""
import argparse
import sys

from . import __version__, benchmarks
from .backend import get_backend
from .saved_model import cli as saved_model_cli
from .serving import cli as serving_cli

__all__ = ["main"]


def main(argv=None):
    """Entry point of the `tracegraph` command; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    return args.handler(args)


def _parser():
    parser = argparse.ArgumentParser(prog="tracegraph", description="tracegraph command-line tools")
    parser.add_argument("--version", action="version", version=f"tracegraph {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="command")
    bench = commands.add_parser(
        "bench", help="run the backend benchmarks",
        description="Median times of each workload on NumPy eager, tracegraph eager, tg.function on every "
                    "available backend (and peer libraries with --peers), with ratios against NumPy eager "
                    "from the same run, and compile times cold and warm.")
    bench.add_argument("--quick", action="store_true", help="fewer sizes and repeats (about a minute or less)")
    bench.add_argument("--json", action="store_true", help="print the results as JSON instead of a table")
    bench.add_argument("--peers", action="store_true",
                       help="add rows for numexpr, JAX, PyTorch and TensorFlow where they are importable")
    bench.add_argument("--workload", action="append", metavar="NAME",
                       help="run only this workload (repeatable); one of: " + ", ".join(_workload_names()))
    bench.add_argument("--size", type=_positive_int, metavar="N",
                       help="use this one size (elements, or the batch for mlp_step) for every workload")
    bench.add_argument("--backend", action="append", metavar="NAME",
                       help="time tg.function only on this backend (repeatable; default: all available here)")
    bench.add_argument("--repeats", type=_positive_int, metavar="N", help="a fixed number of timed repeats")
    bench.add_argument("--no-compile-times", dest="compile_times", action="store_false",
                       help="skip the cold/warm compile-time measurement (it starts new processes)")
    bench.add_argument("--plot", metavar="FILE", help="also draw speed-up against size to FILE (.png, .svg, "
                                                     ".pdf; needs matplotlib)")
    bench.set_defaults(handler=_bench)
    cache = commands.add_parser(
        "cache", help="show or empty the compiled-kernel cache",
        description="The Numba backend's compiled kernels on disk ($TRACEGRAPH_CACHE_DIR, else "
                    "~/.cache/tracegraph), bounded by $TRACEGRAPH_CACHE_MAX_BYTES.")
    cache.add_argument("action", choices=("info", "clear"), help="info: location, kernels, size, bound; "
                                                                 "clear: delete every cached kernel")
    cache.set_defaults(handler=_cache)
    saved_model_cli.add_subcommand(commands)
    serving_cli.add_subcommand(commands)
    return parser


def _bench(args):
    try:
        workloads = [benchmarks.get_workload(n) for n in args.workload] if args.workload else benchmarks.WORKLOADS
    except ValueError as error:
        print(f"tracegraph bench: {error}", file=sys.stderr)
        return 2
    try:
        report = benchmarks.run_benchmarks(workloads, quick=args.quick, peers=args.peers, size=args.size,
                                           repeats=args.repeats, compile_times=args.compile_times,
                                           backends=args.backend, progress=_progress_printer())
    except ValueError as error:
        _clear_progress()
        print(f"tracegraph bench: {error}", file=sys.stderr)
        return 2
    _clear_progress()
    print(benchmarks.report_to_json(report) if args.json else benchmarks.format_report(report), end="")
    if args.json:
        print()
    if args.plot:
        return _plot(report, args.plot)
    return 0


def _plot(report, path):
    try:
        benchmarks.plot_report(report, path)
    except ImportError:
        print("tracegraph bench --plot: matplotlib is not installed (pip install 'tracegraph[plot]')",
              file=sys.stderr)
        return 1
    print(f"plot written to {path}", file=sys.stderr)
    return 0


def _cache(args):
    try:
        kernel_cache = get_backend("numba").kernel_cache()
        if args.action == "clear":
            directory = kernel_cache.cache_directory()
            print(f"removed {kernel_cache.clear_cache()} kernels from {directory}")
        else:
            print(_format_cache_info(kernel_cache.cache_info()), end="")
    except (RuntimeError, ValueError) as error:
        print(f"tracegraph cache: {error}", file=sys.stderr)
        return 1
    return 0


def _format_cache_info(info):
    return (f"directory: {info['directory']}\n"
            f"kernels:   {info['kernels']}\n"
            f"size:      {_format_bytes(info['bytes'])} of at most {_format_bytes(info['max_bytes'])} "
            f"(TRACEGRAPH_CACHE_MAX_BYTES)\n")


def _format_bytes(count):
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if count < 1024 or unit == "GiB":
            return f"{count} {unit}" if unit == "bytes" else f"{count:.1f} {unit}"
        count /= 1024


def _workload_names():
    return [w.name for w in benchmarks.WORKLOADS]


def _positive_int(text):
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def _progress_printer():
    """Progress on one rewritten line of a terminal's stderr; nothing when stderr is not a terminal."""
    if not sys.stderr.isatty():
        return None

    def show(message):
        sys.stderr.write(f"\r\033[K  running {message} ...")
        sys.stderr.flush()
    return show


def _clear_progress():
    if sys.stderr.isatty():
        sys.stderr.write("\r\033[K")
        sys.stderr.flush()


if __name__ == "__main__":
    sys.exit(main())

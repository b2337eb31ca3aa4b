"""`tracegraph saved-model show|run`: look into a saved model and run a signature (TF's `saved_model_cli`).

    tracegraph saved-model show PATH [--signature NAME] [--dot FILE]
    tracegraph saved-model run PATH [--signature NAME] --input x=file.npy [--input ...] [--output-dir D]

`show` prints the signatures with their inputs' and outputs' dtypes and shapes (-1 for an unknown
size), then the saved functions and the specs each concrete function is callable with; `--dot`
writes the signature's graph as Graphviz DOT. `run` feeds `.npy` files to a signature and prints
its outputs (and saves them as `<output name>.npy` in `--output-dir`).
"""
import os
import sys

import numpy as np

from .export import DEFAULT_SIGNATURE
from .format import SavedModelError, read_metadata
from .load import load
from ..ir.serialize import decode_value
from ..spec import TensorSpec
from ..type_spec import CompositeTensor

__all__ = ["add_subcommand"]


def add_subcommand(commands):
    """Register `saved-model` on the `tracegraph` command's sub-parsers."""
    parser = commands.add_parser("saved-model", help="show or run a saved model",
                                 description="Inspect a tg.saved_model directory or run one of its signatures.")
    actions = parser.add_subparsers(dest="action", metavar="action", required=True)
    show = actions.add_parser("show", help="print the signatures and functions (like saved_model_cli show --all)")
    show.add_argument("path", help="the saved model directory")
    show.add_argument("--signature", metavar="NAME", help="show only this signature")
    show.add_argument("--dot", metavar="FILE", help="write the signature's graph as Graphviz DOT to FILE")
    show.set_defaults(handler=_show)
    run = actions.add_parser("run", help="run a signature on .npy inputs and print its outputs")
    run.add_argument("path", help="the saved model directory")
    run.add_argument("--signature", metavar="NAME", default=DEFAULT_SIGNATURE,
                     help=f"the signature to run (default: {DEFAULT_SIGNATURE})")
    run.add_argument("--input", action="append", default=[], metavar="NAME=FILE.npy",
                     help="an input of the signature from a .npy file (repeat for each input)")
    run.add_argument("--output-dir", metavar="DIR", help="also save each output as DIR/<output name>.npy")
    run.set_defaults(handler=_run)


def _show(args):
    try:
        metadata = read_metadata(args.path)
        signatures = metadata["signatures"]
        if args.signature is not None and args.signature not in signatures:
            raise SavedModelError(f"{args.path} has no signature {args.signature!r} (it has {sorted(signatures)})")
        names = [args.signature] if args.signature else sorted(signatures)
        print("\n".join(_format_signature(name, signatures[name]) for name in names))
        if args.signature is None:
            print(_format_functions(metadata))
        if args.dot:
            _write_dot(args.path, metadata, args.signature, args.dot)
    except (SavedModelError, OSError) as error:
        print(f"tracegraph saved-model show: {error}", file=sys.stderr)
        return 1
    return 0


def _format_signature(name, entry):
    lines = [f"signature_def[{name!r}]:",
             "  The given SavedModel SignatureDef contains the following input(s):"]
    lines += _format_tensors("inputs", entry["inputs"])
    lines.append("  The given SavedModel SignatureDef contains the following output(s):")
    lines += _format_tensors("outputs", entry["outputs"])
    return "\n".join(lines) + "\n"


def _format_tensors(kind, items):
    lines = []
    for key, data in items:
        spec = decode_value(data, f"{kind}[{key!r}]")
        if isinstance(spec, TensorSpec):
            lines += [f"    {kind}[{key!r}] tensor_info:", f"        dtype: {spec.dtype.name}",
                      f"        shape: {_shape_text(spec.shape.dims)}"]
        else:
            lines += [f"    {kind}[{key!r}] composite_info:", f"        spec: {spec!r}"]
    return lines


def _shape_text(dims):
    if dims is None:
        return "unknown_rank"
    return "(" + ", ".join("-1" if d is None else str(d) for d in dims) + ("," if len(dims) == 1 else "") + ")"


def _format_functions(metadata):
    lines = ["Defined Functions:"]
    for name, indices in sorted(metadata["attributes"].items()):
        lines.append(f"  Function Name: {name!r}")
        for option, k in enumerate(indices, 1):
            entry = metadata["functions"][k]
            arguments = decode_value(entry["arguments"], f"function {k}, arguments")
            lines += [f"    Option #{option}", "      Callable with:"]
            lines += [f"        Argument #{i} {parameter}: {value!r}"
                      for i, (parameter, value) in enumerate(arguments.items(), 1)]
    return "\n".join(lines)


def _write_dot(path, metadata, signature, dot_file):
    """The graph of `signature` (default: serving_default, else the first saved function) as DOT."""
    loaded = load(path)
    if signature or DEFAULT_SIGNATURE in loaded.signatures:
        concrete = loaded.signatures[signature or DEFAULT_SIGNATURE].concrete_function
    else:
        functions = [f for f in loaded._functions.values()]
        if not functions:
            raise SavedModelError(f"{path} has no functions to draw")
        concrete = functions[0].concrete_functions[0]
    with open(dot_file, "w", encoding="utf8") as f:
        f.write(concrete.graph.to_dot() + "\n")
    print(f"wrote the graph of {concrete.name!r} to {dot_file}")


def _run(args):
    try:
        inputs = dict(_read_input(text) for text in args.input)
        loaded = load(args.path)
        if args.signature not in loaded.signatures:
            raise SavedModelError(f"{args.path} has no signature {args.signature!r} "
                                  f"(it has {sorted(loaded.signatures)})")
        outputs = loaded.signatures[args.signature](**inputs)
    except (SavedModelError, OSError, TypeError, ValueError) as error:
        print(f"tracegraph saved-model run: {error}", file=sys.stderr)
        return 1
    if args.output_dir:
        os.makedirs(args.output_dir, exist_ok=True)
    for key, value in outputs.items():
        if isinstance(value, CompositeTensor):  # ragged, sparse: no single array to print or save
            print(f"Result for output key {key}:\n{value}" + ("\n(not saved: .npy holds plain arrays only)"
                                                             if args.output_dir else ""))
            continue
        array = np.asarray(value)
        print(f"Result for output key {key}:\n{array}")
        if args.output_dir:
            path = os.path.join(args.output_dir, f"{key}.npy")
            np.save(path, array)
            print(f"saved to {path}")
    return 0


def _read_input(text):
    name, equals, path = text.partition("=")
    if not equals or not name or not path:
        raise ValueError(f"--input must look like NAME=FILE.npy, got {text!r}")
    return name, np.load(path, allow_pickle=False)

"""Shared checks of elementwise shape rules on symbolic specs (unknown dims and rank)."""
import inspect

import tracegraph as tg
from tracegraph.core.op import Op


def elementwise_ops(module):
    """The templated (elementwise) primitives defined in an op module."""
    return [v for v in vars(module).values() if isinstance(v, Op) and v.template is not None]


def infer_any_dtype(op, shapes, candidates):
    """op.infer on specs of `shapes` with the first dtype combination the op accepts.

    `candidates` is a list of dtypes (used for every input) or of per-input dtype lists.
    """
    n = len(inspect.signature(op.infer).parameters)
    for candidate in candidates:
        per_input = candidate if isinstance(candidate, list) else [candidate] * n
        try:
            return op.infer(*[tg.TensorSpec(shapes[i], per_input[i]) for i in range(n)])
        except TypeError:
            continue
    raise AssertionError(f"{op.name} accepts none of the dtypes tried")

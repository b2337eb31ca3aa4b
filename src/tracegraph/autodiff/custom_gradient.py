"""`tg.custom_gradient`: a function that supplies its own gradient.

The forward computation runs without being recorded; instead the tapes record
one application of a private op whose gradient rule calls the user's `grad_fn`.
This works eagerly and inside traced functions alike, because only the tape is
involved.
"""
import functools
import inspect

from .. import nest
from ..context import state
from ..convert import convert_to_tensor
from .tape import GradientTape, record_operation

__all__ = ["custom_gradient"]


class _CustomGradientOp:
    """The tape's view of one call of a custom-gradient function (never put in a graph)."""

    multiple_outputs = True
    stateful = False

    def __init__(self, name, grad_fn, n_args, variables):
        self.name = f"custom_gradient({name})"
        self._grad_fn = grad_fn
        self._n_args = n_args
        self._variables = variables

    def grad(self, ctx, *output_grads):
        if self._variables:
            input_grads, variable_grads = self._grad_fn(*output_grads, variables=list(self._variables))
        else:
            input_grads, variable_grads = self._grad_fn(*output_grads), []
        input_grads = list(input_grads) if isinstance(input_grads, (list, tuple)) else [input_grads]
        if len(input_grads) != self._n_args:
            raise ValueError(f"{self.name}: grad_fn returned {len(input_grads)} gradients for "
                             f"{self._n_args} inputs")
        grads = [None if g is None else convert_to_tensor(g) for g in input_grads]
        grads += [None if g is None else convert_to_tensor(g) for g in variable_grads]
        return tuple(grads) + (None,) * (len(ctx.inputs) - len(grads))


def custom_gradient(f=None):
    """Decorator: `f(*x)` returns `(y, grad_fn)`; `grad_fn(*dy)` returns the gradients for `x`.

    If `f` reads trainable Variables, `grad_fn(*dy, variables=None)` must accept
    `variables` and return `(grads_for_x, grads_for_variables)`, as in TF.
    """
    if f is None:
        return custom_gradient

    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        if kwargs:
            raise TypeError(f"custom_gradient function {f.__name__}: pass tensors positionally "
                            f"(keyword arguments are not differentiated)")
        tensors = [convert_to_tensor(a) for a in args]
        if not state.tapes:
            result, _ = f(*tensors)
            return result
        saved_tapes = state.tapes
        state.tapes = []
        try:
            with GradientTape(watch_accessed_variables=True) as variable_tape:
                result, grad_fn = f(*tensors)
        finally:
            state.tapes = saved_tapes
        variables = [v for v in variable_tape.watched_variables() if v.trainable]
        reads = [variable_tape._variable_reads[id(v)][0] for v in variables]
        _check_grad_fn(f, grad_fn, variables)
        outputs = [convert_to_tensor(o) for o in nest.flatten(result)]
        op = _CustomGradientOp(f.__name__, grad_fn, len(tensors), variables)
        record_operation(op, tensors + reads, {}, tuple(outputs))
        return nest.pack_sequence_as(result, outputs)

    return wrapper


def _check_grad_fn(f, grad_fn, variables):
    if not variables:
        return
    try:
        params = inspect.signature(grad_fn).parameters
    except (TypeError, ValueError):
        return
    if "variables" not in params and not any(p.kind == p.VAR_KEYWORD for p in params.values()):
        raise TypeError(f"custom_gradient function {f.__name__} reads the trainable Variables "
                        f"{[v.name for v in variables]}, so its grad_fn must accept a `variables` "
                        f"keyword argument and return (input_grads, variable_grads)")

"""`GradientTape`: records op applications on watched tensors, then differentiates.

`bind` and variable reads record on the tapes of the current scope through their methods
`record_operation` and `record_variable_read`. The backward walk itself is in `backprop.py`.
"""
import contextlib
import warnings

from . import backprop
from ..context import state
from ..nest import flatten
from ..tensor import Tensor
from ..type_spec import is_composite
from ..variable_base import is_variable

__all__ = ["GradientTape", "record_operation", "UnconnectedGradients"]


class UnconnectedGradients:
    """What `gradient` returns for a source the target does not depend on."""
    NONE = "none"
    ZERO = "zero"


class TapeEntry:
    """One recorded op application: what its gradient rule needs."""

    __slots__ = ("op", "inputs", "attrs", "outputs")

    def __init__(self, op, inputs, attrs, outputs):
        self.op, self.inputs, self.attrs, self.outputs = op, inputs, attrs, outputs


class GradientTape:
    """Record operations for automatic differentiation (TF's `tf.GradientTape`)."""

    def __init__(self, persistent=False, watch_accessed_variables=True):
        self._persistent = persistent
        self._watch_accessed_variables = watch_accessed_variables
        self.reset()

    # ----- context -----------------------------------------------------------------------------

    def __enter__(self):
        if self._recording:
            raise ValueError("GradientTape: this tape is already recording")
        self._recording = True
        self._scope = state.tapes  # the list of the trace scope we were entered in
        state.tapes.append(self)
        return self

    def __exit__(self, *exc):
        self._remove_from_scope()
        self._recording = False
        return False

    def _remove_from_scope(self):
        for i in range(len(self._scope) - 1, -1, -1):
            if self._scope[i] is self:
                del self._scope[i]
                break

    @contextlib.contextmanager
    def stop_recording(self):
        """Temporarily stop recording: ops inside the block are not differentiated."""
        if not self._recording:
            raise ValueError("GradientTape.stop_recording: the tape is not recording")
        self._remove_from_scope()
        try:
            yield
        finally:
            self._scope.append(self)

    def reset(self):
        """Forget everything recorded so far (watches included)."""
        self._entries = []
        self._watched = {}           # id(tensor) -> tensor: watched or computed from watched
        self._variables = {}         # id(variable) -> variable: watched variables
        self._variable_reads = {}    # id(variable) -> [tensors read from it while recording]
        self._used = False
        if not getattr(self, "_recording", False):
            self._recording = False

    # ----- watching ----------------------------------------------------------------------------

    def watch(self, tensor):
        """Watch a tensor, a Variable, a composite (its components), or a nested structure of them."""
        for item in flatten(tensor):
            if is_composite(item):
                # A composite's integer components (row splits, indices) are its structure, not values
                # the user asked to differentiate: no warning for them.
                for component in flatten(item, expand_composites=True):
                    self._watch_one(component, warn=False)
            else:
                self._watch_one(item, warn=True)

    def _watch_one(self, t, warn):
        if isinstance(t, Tensor):
            if warn and not t.dtype.is_differentiable:
                warnings.warn(f"GradientTape.watch: a {t.dtype.name} tensor is not differentiable; "
                              f"its gradient will be None", stacklevel=3)
            self._watched[id(t)] = t
        elif is_variable(t):
            self._variables[id(t)] = t
        else:
            raise TypeError(f"GradientTape.watch: expected a tensor or Variable, got {t!r}")

    def watched_variables(self):
        """The variables this tape has watched, in the order they were first seen."""
        return tuple(self._variables.values())

    def _is_watched(self, tensor):
        return id(tensor) in self._watched

    # ----- differentiation ---------------------------------------------------------------------

    def gradient(self, target, sources, output_gradients=None,
                 unconnected_gradients=UnconnectedGradients.NONE):
        """d(sum of targets)/d(sources), shaped like `sources` (None where unconnected)."""
        self._check_usable("gradient")
        return backprop.gradient(self, target, sources, output_gradients, unconnected_gradients)

    def jacobian(self, target, sources, unconnected_gradients=UnconnectedGradients.NONE,
                 parallel_iterations=None, experimental_use_pfor=True):
        """The full Jacobian: shape target.shape + source.shape for every source."""
        self._check_usable("jacobian")
        return backprop.jacobian(self, target, sources, unconnected_gradients)

    def batch_jacobian(self, target, source, unconnected_gradients=UnconnectedGradients.NONE,
                       parallel_iterations=None, experimental_use_pfor=True):
        """Per-example Jacobians: shape [batch] + target.shape[1:] + source.shape[1:]."""
        self._check_usable("batch_jacobian")
        return backprop.batch_jacobian(self, target, source, unconnected_gradients)

    def _check_usable(self, what):
        if self._used and not self._persistent:
            raise RuntimeError(f"A non-persistent GradientTape can only be used to compute one set of "
                               f"gradients (or jacobians); this is the second call of {what}(). "
                               f"Use GradientTape(persistent=True) to call it several times.")
        self._used = True

    # ----- recording (called by `bind` and variable reads, for the tapes in the execution context) --

    def record_operation(self, op, inputs, attrs, outputs):
        """Record an op application if it reads a watched tensor; its outputs become watched."""
        watched = self._watched
        for t in inputs:
            if id(t) in watched:
                break
        else:
            return
        outs = outputs if isinstance(outputs, tuple) else (outputs,)
        self._entries.append(TapeEntry(op, list(inputs), attrs, outs))
        for o in outs:
            watched[id(o)] = o

    def record_variable_read(self, variable, tensor):
        """A read of `variable` giving `tensor`: watched if the variable is (or is accessed and trainable)."""
        vid = id(variable)
        if vid not in self._variables:
            if not (self._watch_accessed_variables and variable.trainable):
                return
            self._variables[vid] = variable
        self._variable_reads.setdefault(vid, []).append(tensor)
        self._watched[id(tensor)] = tensor


def record_operation(op, inputs, attrs, outputs):
    """Every tape of the current scope that watches an input records the application."""
    for tape in state.tapes:
        tape.record_operation(op, inputs, attrs, outputs)

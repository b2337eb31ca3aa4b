"""Elementwise workloads (and the MSE reduction): the same formula written once per library.

`model(tf, *tensors)` is written against TensorFlow 2's API, so the very same
source runs on tracegraph (eager and traced) and, for `--peers`, on TensorFlow.
The NumPy baseline is the natural NumPy expression: one temporary array per
operation, a fresh output on every call.
"""
import math

import numpy as np

import tracegraph as tg

from . import peers
from .base import (Implementation, NotApplicable, Workload, missing_op_notes, tracegraph_implementation,
                   to_tensors)

__all__ = ["ElementwiseWorkload", "SCALED_ELU", "GELU_TANH", "CHAIN10", "MSE"]

#: SELU's constants, so that the multiplications are real work (the tutorial's defaults are 1.0).
SELU_SCALE = 1.0507009873554805
SELU_ALPHA = 1.6732632423543772
#: sqrt(2 / pi), the constant of GELU's tanh form.
GELU_C = math.sqrt(2.0 / math.pi)
#: The float constants of the numexpr formulas, by name.
NUMEXPR_CONSTANTS = {"scale": SELU_SCALE, "alpha": SELU_ALPHA, "gelu_c": GELU_C, "cubic": 0.044715,
                     "half": 0.5, "quarter": 0.25}


class ElementwiseWorkload(Workload):
    """A formula on float32 vectors of n elements, given in each library's own terms."""

    def __init__(self, name, description, arg_names, model, numpy_fn, sizes, quick_sizes,
                 numexpr=None, jax_fn=None, torch_fn=None, reference_fn=None, probe_size=100_000,
                 preferred_ops=None):
        self.name = name
        self.description = description
        self.arg_names = arg_names
        self.model = model
        self.numpy_fn = numpy_fn
        self.sizes = sizes
        self.quick_sizes = quick_sizes
        self.numexpr = numexpr
        self.jax_fn = jax_fn
        self.torch_fn = torch_fn
        self.reference_fn = reference_fn
        self.probe_size = probe_size
        self.preferred_ops = preferred_ops or {}   # {"nn.elu": "the composite used without it"}

    def inputs(self, size, rng):
        return [rng.standard_normal(size, dtype=np.float32) for _ in self.arg_names]

    def numpy(self, inputs):
        return Implementation("numpy eager", "numpy", lambda: self.numpy_fn(*inputs))

    def tracegraph(self, inputs, backend=None):

        def fn(*tensors):
            return self.model(tg, *tensors)
        fn.__name__ = self.name
        return tracegraph_implementation(fn, to_tensors(inputs, backend), backend)

    def reference(self, inputs, baseline_result):
        if self.reference_fn is None:
            return baseline_result
        return (self.reference_fn(*inputs),)

    def peer(self, library, module, inputs):
        if library == "numexpr" and self.numexpr is not None:
            # constants go in as float32 names: a float literal would make numexpr compute in float64
            names = dict(zip(self.arg_names, inputs))
            names.update({name: np.float32(value) for name, value in NUMEXPR_CONSTANTS.items()})
            return [Implementation("numexpr", "peer", lambda: module.evaluate(self.numexpr, local_dict=names))]
        if library == "jax" and self.jax_fn is not None:
            return [peers.jax_implementation(module, lambda *a: self.jax_fn(module.numpy, *a), inputs)]
        if library == "torch" and self.torch_fn is not None:
            tensors = [module.from_numpy(a) for a in inputs]
            return [peers.torch_implementation(module, lambda *t: self.torch_fn(module, *t), tensors)]
        if library == "tensorflow":
            tensors = [module.constant(a) for a in inputs]
            return peers.tensorflow_implementations(
                module, lambda: (lambda *t: self.model(module, *t), tensors, None))
        raise NotApplicable(f"no {library} formulation")

    def notes(self):
        return missing_op_notes(self.name, self.preferred_ops)


# ----- scaled ELU (the tutorial's function) --------------------------------------------------

def _elu(tf, z):
    """tf.nn.elu where the library has it, else its definition (z > 0 ? z : exp(z) - 1)."""
    elu = getattr(getattr(tf, "nn", None), "elu", None)
    if elu is not None:
        return elu(z)
    return tf.where(tf.greater(z, 0.0), z, tf.exp(z) - 1.0)


def scaled_elu(tf, z, scale=SELU_SCALE, alpha=SELU_ALPHA):
    """The tutorial's function: z >= 0 ? scale * z : scale * alpha * elu(z)."""
    is_positive = tf.greater_equal(z, 0.0)
    return scale * tf.where(is_positive, z, alpha * _elu(tf, z))


SCALED_ELU = ElementwiseWorkload(
    "scaled_elu", "scale * where(z >= 0, z, alpha * elu(z)), SELU constants", ("z",), scaled_elu,
    numpy_fn=lambda z: SELU_SCALE * np.where(z >= 0, z, SELU_ALPHA * (np.exp(z) - 1)),
    sizes=(10**3, 10**5, 10**6, 10**7), quick_sizes=(10**3, 10**6, 10**7),
    numexpr="scale * where(z >= 0, z, alpha * (exp(z) - 1))",
    jax_fn=lambda jnp, z: SELU_SCALE * jnp.where(z >= 0, z, SELU_ALPHA * (jnp.exp(z) - 1)),
    torch_fn=lambda torch, z: SELU_SCALE * torch.where(z >= 0, z, SELU_ALPHA * (torch.exp(z) - 1)),
    preferred_ops={"nn.elu": "where(z > 0, z, exp(z) - 1)"})


# ----- GELU, tanh form ------------------------------------------------------------------------

def gelu_tanh(tf, x):
    """0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))."""
    return 0.5 * x * (1.0 + tf.tanh(GELU_C * (x + 0.044715 * x ** 3)))


GELU_TANH = ElementwiseWorkload(
    "gelu_tanh", "0.5*x*(1+tanh(sqrt(2/pi)*(x+0.044715*x**3)))", ("x",), gelu_tanh,
    numpy_fn=lambda x: 0.5 * x * (1 + np.tanh(GELU_C * (x + 0.044715 * x ** 3))),
    sizes=(10**6, 10**7), quick_sizes=(10**6, 10**7),
    numexpr="half * x * (1 + tanh(gelu_c * (x + cubic * x ** 3)))",
    jax_fn=lambda jnp, x: 0.5 * x * (1 + jnp.tanh(GELU_C * (x + 0.044715 * x ** 3))),
    torch_fn=lambda torch, x: 0.5 * x * (1 + torch.tanh(GELU_C * (x + 0.044715 * x ** 3))))


# ----- a 10-op chain on two inputs --------------------------------------------------------------

def chain10(tf, a, b):
    """Ten cheap elementwise ops: multiply, add, multiply, subtract, abs, add, sqrt, multiply, maximum, subtract."""
    return tf.maximum(tf.sqrt(tf.abs((a * b + a) * 0.5 - b) + 1.0) * a, b) - 0.25


_CHAIN_INNER = "sqrt(abs((a * b + a) * half - b) + 1) * a"

CHAIN10 = ElementwiseWorkload(
    "chain10", "max(sqrt(|(a*b+a)*0.5-b|+1)*a, b)-0.25 (10 ops, 2 inputs)", ("a", "b"), chain10,
    numpy_fn=lambda a, b: np.maximum(np.sqrt(np.abs((a * b + a) * 0.5 - b) + 1.0) * a, b) - 0.25,
    sizes=(10**6, 10**7), quick_sizes=(10**6, 10**7),
    # numexpr's maximum() returns float64, so the maximum is a where() (the inner part runs twice)
    numexpr=f"where({_CHAIN_INNER} > b, {_CHAIN_INNER}, b) - quarter",
    jax_fn=lambda jnp, a, b: jnp.maximum(jnp.sqrt(jnp.abs((a * b + a) * 0.5 - b) + 1.0) * a, b) - 0.25,
    torch_fn=lambda torch, a, b: torch.maximum(torch.sqrt(torch.abs((a * b + a) * 0.5 - b) + 1.0) * a, b)
    - 0.25)


# ----- the MSE reduction ------------------------------------------------------------------------

def mse(tf, prediction, target):
    """Mean squared error: reduce_mean(square(prediction - target))."""
    return tf.reduce_mean(tf.square(prediction - target))


def _mse_float64(prediction, target):
    difference = prediction.astype(np.float64) - target.astype(np.float64)
    return np.asarray(np.mean(difference * difference), dtype=np.float32)


class _MSEWorkload(ElementwiseWorkload):
    def peer(self, library, module, inputs):
        if library == "numexpr":
            p, y = inputs
            n = p.size
            # numexpr reduces only as the outermost operation; the division is one more (cheap) step
            return [Implementation("numexpr", "peer",
                                   lambda: module.evaluate("sum((p - y) ** 2)", local_dict={"p": p, "y": y}) / n)]
        return super().peer(library, module, inputs)


MSE = _MSEWorkload(
    "mse", "reduce_mean(square(p - y)), checked against a float64 reference", ("p", "y"), mse,
    numpy_fn=lambda p, y: np.mean(np.square(p - y)),
    sizes=(10**6, 10**7), quick_sizes=(10**6, 10**7),
    jax_fn=lambda jnp, p, y: jnp.mean(jnp.square(p - y)),
    torch_fn=lambda torch, p, y: torch.mean(torch.square(p - y)),
    reference_fn=_mse_float64)

"""Random numbers: seeds, random streams, and the random ops behind `tg.random`.

Reproducibility follows TF's rules for a global seed (`tg.random.set_seed`)
and an op seed (the `seed=` argument of each op):

- Neither set: the numbers are different in every run (non-deterministic).
- Only the op seed: the global seed takes a fixed default, so the numbers are
  the same in every run.
- Only the global seed: each op call gets the next op seed from a counter that
  `set_seed` resets. A program that calls `set_seed(s)` and then draws makes
  the same sequence in every run, and successive calls give different numbers.
- Both: the pair picks the stream.

A (global seed, op seed) pair names a *stream* that keeps advancing: calling
an op with a fixed `seed=` twice gives two different results (as in TF), and
`set_seed` restarts all streams. Inside a traced function a random op is a
stateful graph node whose stream is fixed when the function is traced; every
call of the function draws new numbers from that stream.

The numbers come from NumPy's PCG64 (CuPy's generator on a GPU); they are
reproducible within tracegraph but are not the numbers TF's Philox gives.
"""
import numpy as np

from . import cast as cast_ops
from .creation import full_shape
from .. import dtypes
from ..context import state
from ..convert import convert_to_tensor
from ..core.dispatch import bind
from ..core.op import Op
from ..core.rules import check_dtype, spec_of
from ..errors import InvalidArgumentError
from ..tensor import EagerTensor, Tensor

__all__ = ["set_seed", "normal", "uniform", "truncated_normal", "shuffle", "categorical",
           "stateless_normal", "stateless_uniform", "stateless_truncated_normal"]

#: The global seed TF uses when only an op seed is given.
DEFAULT_GLOBAL_SEED = 87654321

FLOAT_DTYPES = (dtypes.float16, dtypes.bfloat16, dtypes.float32, dtypes.float64)
INTEGER_DTYPES = (dtypes.int32, dtypes.int64)


# ----- streams -------------------------------------------------------------------------------

class _NumpyStream:
    """A NumPy PCG64 generator seeded from a list of ints (None: from the OS)."""

    def __init__(self, entropy):
        self.generator = np.random.Generator(np.random.PCG64(np.random.SeedSequence(entropy)))

    def normal(self, shape, dtype):
        return self.generator.standard_normal(shape, dtype=_sampling_dtype(dtype))

    def uniform(self, shape, dtype):
        return self.generator.random(shape, dtype=_sampling_dtype(dtype))

    def integers(self, low, high, shape, dtype):
        return self.generator.integers(low, high, size=shape, dtype=dtype)

    def permutation(self, n):
        return self.generator.permutation(n)

    def gumbel(self, shape):
        return self.generator.gumbel(size=shape)


class _CupyStream:
    """The same interface over CuPy's generator, so draws stay on the GPU."""

    def __init__(self, cupy, entropy):
        seed = None if entropy is None else int(
            np.random.SeedSequence(entropy).generate_state(1, np.uint64)[0] >> np.uint64(1))
        self.generator = cupy.random.RandomState(seed)

    def normal(self, shape, dtype):
        return self.generator.standard_normal(shape, dtype=_sampling_dtype(dtype))

    def uniform(self, shape, dtype):
        return self.generator.random_sample(shape, dtype=_sampling_dtype(dtype))

    def integers(self, low, high, shape, dtype):
        return self.generator.randint(low, high, size=shape, dtype=dtype)

    def permutation(self, n):
        return self.generator.permutation(n)

    def gumbel(self, shape):
        return self.generator.gumbel(size=shape)


def _sampling_dtype(dtype):
    """Generators make float32 or float64; half precision is drawn as float32 and cast."""
    return np.float64 if np.dtype(dtype) == np.float64 else np.float32


def _make_stream(xp, entropy):
    if xp.__name__ == "numpy":
        return _NumpyStream(entropy)
    return _CupyStream(xp, entropy)


class _RandomState:
    """The process-wide random state: the global seed, the op-seed counter, the streams.

    A stream key is plain data (it is an op attribute): None (non-deterministic),
    ("seeded", global_seed, op_seed), ("counter", global_seed, n) for op seeds
    the counter assigned, or ("generator", id) for a `tg.random.Generator`.
    """

    def __init__(self):
        self.global_seed = None
        self.counter = 0
        self.streams = {}              # (key, array module name) -> stream
        self.generator_entropy = {}    # generator id -> entropy list

    def set_seed(self, seed):
        self.global_seed = None if seed is None else int(seed)
        self.counter = 0
        self.streams = {k: s for k, s in self.streams.items() if k[0] is not None and k[0][0] == "generator"}

    def key_for(self, op_seed):
        """The stream key for an op call, and whether the stream is used once only."""
        if op_seed is None and self.global_seed is None:
            return None, False
        global_seed = DEFAULT_GLOBAL_SEED if self.global_seed is None else self.global_seed
        if op_seed is not None:
            return ("seeded", global_seed, int(op_seed)), False
        n = self.counter
        self.counter += 1
        # An eager call with a counter seed is the only user of its stream; a traced
        # node keeps drawing from its stream on every call of the function.
        return ("counter", global_seed, n), state.graph is None

    def stream(self, key, xp):
        found = self.streams.get((key, xp.__name__))
        if found is None:
            found = _make_stream(xp, self._entropy(key))
            self.streams[(key, xp.__name__)] = found
        return found

    def _entropy(self, key):
        if key is None:
            return None
        kind = key[0]
        if kind == "seeded":
            return [key[1] % 2**64, key[2] % 2**64]
        if kind == "counter":
            return [key[1] % 2**64, key[2], 1]
        if kind == "generator":
            try:
                return self.generator_entropy[key[1]]
            except KeyError:
                raise ValueError(f"random: the tg.random.Generator {key[1]} this op draws from "
                                 f"no longer exists") from None
        raise ValueError(f"random: unknown stream key {key!r}")

    def forget(self, key):
        for name in [k for k in self.streams if k[0] == key]:
            del self.streams[name]

    def register_generator(self, generator_id, entropy):
        self.forget(("generator", generator_id))
        self.generator_entropy[generator_id] = entropy

    def release_generator(self, generator_id):
        self.forget(("generator", generator_id))
        self.generator_entropy.pop(generator_id, None)


RANDOM_STATE = _RandomState()


def set_seed(seed):
    """Set the global random seed, making the program's random numbers reproducible.

    After `set_seed(s)` the sequence of numbers every random op call produces is
    the same in every run; successive calls still give different numbers. Calling
    `set_seed(s)` again restarts that sequence. `set_seed(None)` makes random ops
    without an op seed non-deterministic again.
    """
    RANDOM_STATE.set_seed(seed)


# ----- drawing -------------------------------------------------------------------------------

def _truncated_normal(stream, shape, dtype):
    """Standard normal values, redrawing those more than 2 standard deviations out."""
    values = stream.normal(shape, dtype)
    outside = abs(values) > 2
    while outside.any():
        values[outside] = stream.normal((int(outside.sum()),), dtype)
        outside = abs(values) > 2
    return values


def _draw(stream, distribution, shape, dtype, bounds):
    if distribution == "normal":
        return stream.normal(shape, dtype)
    if distribution == "uniform":
        return stream.uniform(shape, dtype)
    if distribution == "truncated_normal":
        return _truncated_normal(stream, shape, dtype)
    low, high = (int(b) for b in bounds)
    if low >= high:
        raise InvalidArgumentError(f"random.uniform: need minval < maxval, got {low} >= {high}")
    return stream.integers(low, high, shape, dtype)


def _split_inputs(arrays, shape):
    """(the run-time shape, the other inputs): a None shape attr means the shape is input 0."""
    if shape is None:
        return tuple(int(d) for d in arrays[0].tolist()), arrays[1:]
    return shape, arrays


def _random_impl(xp, *arrays, distribution, shape, dtype, stream):
    shape, bounds = _split_inputs(arrays, shape)
    return _draw(RANDOM_STATE.stream(stream, xp), distribution, shape, dtype.numpy_dtype, bounds)


def _stateless_impl(xp, seed, *arrays, distribution, shape, dtype):
    shape, bounds = _split_inputs(arrays, shape)
    # The trailing 2 keeps stateless streams apart from the seeded ones, whose entropy is [g, s].
    entropy = [int(s) % 2**64 for s in seed.tolist()] + [2]
    return _draw(_make_stream(xp, entropy), distribution, shape, dtype.numpy_dtype, bounds)


def _random_infer(op_name):
    def infer(*specs, distribution, shape, dtype, **_):
        if shape is None:
            shape_spec, specs = specs[0], specs[1:]
            n = shape_spec.shape[0] if shape_spec.shape.rank == 1 else None
            shape = None if n is None else [None] * n
        for arg, spec in zip(("minval", "maxval"), specs):
            if spec.dtype != dtype or spec.shape.rank not in (0, None):
                raise TypeError(f"{op_name}: {arg} must be a {dtype.name} scalar, got "
                                f"{spec.dtype.name} of shape {spec.shape}")
        return spec_of(shape, dtype)
    return infer


def _stateless_infer(seed, *specs, **attrs):
    check_dtype("stateless_random", seed, "integer", arg="seed")
    if seed.shape.rank is not None and seed.shape.as_tuple() not in ((2,), (None,)):
        raise ValueError(f"stateless_random: seed must have shape [2], got {seed.shape}")
    return _random_infer("stateless_random")(*specs, **attrs)


_random = Op("random", infer=_random_infer("random"), impl=_random_impl, stateful=True)
_stateless_random = Op("stateless_random", infer=_stateless_infer, impl=_stateless_impl,
                       grad=lambda ctx, g: (None,) * len(ctx.inputs))


# ----- shuffle and categorical ---------------------------------------------------------------

def _shuffle_impl(xp, x, stream):
    if x.ndim == 0 or x.shape[0] <= 1:
        return x.copy()
    return x[RANDOM_STATE.stream(stream, xp).permutation(x.shape[0])]


def _categorical_infer(logits, num_samples, dtype, stream):
    check_dtype("categorical", logits, "float", arg="logits")
    if logits.shape.rank not in (2, None):
        raise ValueError(f"categorical: logits must be 2-D [batch_size, num_classes], got shape {logits.shape}")
    batch = None if logits.shape.rank is None else logits.shape[0]
    return spec_of([batch, num_samples], dtype)


def _categorical_impl(xp, logits, num_samples, dtype, stream):
    """Gumbel-max: argmax(logits + Gumbel noise) is a sample from softmax(logits)."""
    batch, classes = logits.shape
    if classes == 0:
        raise InvalidArgumentError("categorical: num_classes must be positive, got 0")
    noise = RANDOM_STATE.stream(stream, xp).gumbel((batch, num_samples, classes))
    return xp.argmax(logits.astype(np.float64)[:, None, :] + noise, axis=-1)


_shuffle = Op("random_shuffle", infer=lambda x, stream: x, impl=_shuffle_impl, stateful=True,
              grad=lambda ctx, g: (None,))
_categorical = Op("categorical", infer=_categorical_infer, impl=_categorical_impl, stateful=True,
                  grad=lambda ctx, g: (None,))


# ----- arguments -----------------------------------------------------------------------------

def shape_argument(op_name, shape):
    """A shape as an attr (tuple of ints), or (None, [tensor]) when only known at run time."""
    if isinstance(shape, Tensor) and not isinstance(shape, EagerTensor):
        if not shape.dtype.is_integer or shape.shape.rank not in (1, None):
            raise TypeError(f"{op_name}: shape must be a 1-D integer tensor, got {shape.dtype.name} "
                            f"of shape {shape.shape}")
        return None, [shape]
    return full_shape(op_name, shape), []


def float_dtype(op_name, dtype):
    """`dtype` as a DType; TypeError naming the op unless it is a floating type."""
    dtype = dtypes.as_dtype(dtype)
    if dtype not in FLOAT_DTYPES:
        raise TypeError(f"{op_name}: dtype must be a floating type, got {dtype.name}")
    return dtype


def scale_and_shift(values, scale, shift, dtype):
    """values * scale + shift, skipping the identities (as TF computes: multiply, then add)."""
    if not (isinstance(scale, (int, float)) and scale == 1):
        values = values * convert_to_tensor(scale, dtype=dtype)
    if not (isinstance(shift, (int, float)) and shift == 0):
        values = values + convert_to_tensor(shift, dtype=dtype)
    return values


def bind_stateful(op, inputs, attrs, seed=None, stream=None):
    """Bind a random op drawing from `stream`, or from the stream the op seed `seed` selects."""
    used_once = False
    if stream is None:
        stream, used_once = RANDOM_STATE.key_for(seed)
    result = bind(op, inputs, dict(attrs, stream=stream))
    if used_once:
        RANDOM_STATE.forget(stream)
    return result


def sample(op_name, distribution, shape, dtype, seed=None, bounds=(), stream=None):
    """Draw `distribution` values of `shape` (see the module doc for `seed`; `stream` overrides it)."""
    shape_attr, shape_inputs = shape_argument(op_name, shape)
    attrs = {"distribution": distribution, "shape": shape_attr, "dtype": dtype}
    return bind_stateful(_random, shape_inputs + list(bounds), attrs, seed, stream)


def scale_uniform(values, minval, maxval, dtype):
    """Uniform [0, 1) values moved to [minval, maxval)."""
    if isinstance(minval, (int, float)) and isinstance(maxval, (int, float)):
        return scale_and_shift(values, maxval - minval, minval, dtype)
    low, high = (convert_to_tensor(v, dtype=dtype) for v in (minval, maxval))
    return values * (high - low) + low


def integer_bounds(op_name, minval, maxval, dtype):
    if maxval is None:
        raise ValueError(f"{op_name}: must specify maxval for integer dtype {dtype.name}")
    return [cast_ops.cast(convert_to_tensor(v, dtype_hint=dtype), dtype) for v in (minval, maxval)]


# ----- public functions ----------------------------------------------------------------------

def normal(shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, seed=None, name=None):
    """Samples from a normal distribution N(mean, stddev**2); see the module doc for `seed`.

    `mean` and `stddev` may be tensors (they broadcast against `shape`); the
    result is differentiable with respect to them.
    """
    dtype = float_dtype("random.normal", dtype)
    return scale_and_shift(sample("random.normal", "normal", shape, dtype, seed), stddev, mean, dtype)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, seed=None, name=None):
    """Normal samples more than 2 standard deviations from the mean are drawn again."""
    dtype = float_dtype("random.truncated_normal", dtype)
    return scale_and_shift(sample("random.truncated_normal", "truncated_normal", shape, dtype, seed),
                   stddev, mean, dtype)


def uniform(shape, minval=0, maxval=None, dtype=dtypes.float32, seed=None, name=None):
    """Samples uniform in [minval, maxval); `maxval` defaults to 1 for floats.

    For int32/int64 `maxval` is required and the values are integers in
    [minval, maxval).
    """
    dtype = dtypes.as_dtype(dtype)
    if dtype in INTEGER_DTYPES:
        bounds = integer_bounds("random.uniform", minval, maxval, dtype)
        return sample("random.uniform", "integers", shape, dtype, seed, bounds)
    dtype = float_dtype("random.uniform", dtype)
    maxval = 1 if maxval is None else maxval
    return scale_uniform(sample("random.uniform", "uniform", shape, dtype, seed), minval, maxval, dtype)


def shuffle(value, seed=None, name=None):
    """`value` with its first dimension randomly permuted (a new permutation on each call)."""
    return bind_stateful(_shuffle, [convert_to_tensor(value)], {}, seed)


def categorical(logits, num_samples, dtype=None, seed=None, name=None):
    """Class indices drawn from softmax(logits) for each row of `logits` [batch, classes].

    Returns shape [batch, num_samples] of `dtype` (int64 by default).
    """
    logits = convert_to_tensor(logits)
    dtype = dtypes.int64 if dtype is None else dtypes.as_dtype(dtype)
    if dtype not in INTEGER_DTYPES:
        raise TypeError(f"categorical: dtype must be int32 or int64, got {dtype.name}")
    num_samples = int(num_samples)
    if num_samples < 0:
        raise ValueError(f"categorical: num_samples must be >= 0, got {num_samples}")
    return bind_stateful(_categorical, [logits], {"num_samples": num_samples, "dtype": dtype}, seed)


def _stateless(op_name, distribution, shape, seed, dtype, bounds=()):
    seed = convert_to_tensor(seed)
    shape_attr, shape_inputs = shape_argument(op_name, shape)
    attrs = {"distribution": distribution, "shape": shape_attr, "dtype": dtype}
    return bind(_stateless_random, [seed] + shape_inputs + list(bounds), attrs)


def stateless_normal(shape, seed, mean=0.0, stddev=1.0, dtype=dtypes.float32, name=None,
                     alg="auto_select"):
    """Normal samples that depend only on `seed` (a shape [2] integer tensor): same seed, same numbers."""
    dtype = float_dtype("random.stateless_normal", dtype)
    values = _stateless("random.stateless_normal", "normal", shape, seed, dtype)
    return scale_and_shift(values, stddev, mean, dtype)


def stateless_truncated_normal(shape, seed, mean=0.0, stddev=1.0, dtype=dtypes.float32, name=None,
                               alg="auto_select"):
    """Truncated normal samples (within 2 standard deviations) that depend only on `seed`."""
    dtype = float_dtype("random.stateless_truncated_normal", dtype)
    values = _stateless("random.stateless_truncated_normal", "truncated_normal", shape, seed, dtype)
    return scale_and_shift(values, stddev, mean, dtype)


def stateless_uniform(shape, seed, minval=0, maxval=None, dtype=dtypes.float32, name=None,
                      alg="auto_select"):
    """Uniform samples in [minval, maxval) that depend only on `seed` (shape [2])."""
    dtype = dtypes.as_dtype(dtype)
    if dtype in INTEGER_DTYPES:
        bounds = integer_bounds("random.stateless_uniform", minval, maxval, dtype)
        return _stateless("random.stateless_uniform", "integers", shape, seed, dtype, bounds)
    dtype = float_dtype("random.stateless_uniform", dtype)
    maxval = 1 if maxval is None else maxval
    values = _stateless("random.stateless_uniform", "uniform", shape, seed, dtype)
    return scale_uniform(values, minval, maxval, dtype)

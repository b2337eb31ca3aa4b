"""Learning rate schedules (Keras 3's `keras.optimizers.schedules`).

A schedule maps the optimizer's step count (its `iterations` Variable) to a learning rate with
tg ops, so inside a traced train step the rate follows the count with no retracing. Formulas
and defaults are Keras 3's.
"""
from ... import math
from ...convert import convert_to_tensor
from ...name_scope import name_scope
from .serialization import deserialize_object, serialize_object

__all__ = ["LearningRateSchedule", "ExponentialDecay", "PiecewiseConstantDecay", "PolynomialDecay",
           "InverseTimeDecay", "CosineDecay", "CosineDecayRestarts", "serialize", "deserialize"]

_PI = 3.141592653589793


class LearningRateSchedule:
    """The base of learning rate schedules: `schedule(step)` gives the rate at `step`."""

    def __call__(self, step):
        raise NotImplementedError(f"Learning rate schedule '{type(self).__name__}' must override "
                                  "`__call__(self, step)`.")

    def get_config(self):
        """The constructor arguments, as a dict."""
        raise NotImplementedError(f"Learning rate schedule '{type(self).__name__}' must override "
                                  "`get_config()` in order to be serializable.")

    @classmethod
    def from_config(cls, config):
        """The schedule that `config` (from `get_config`) describes."""
        return cls(**config)


def _check_decay_steps(decay_steps, what="decay_steps"):
    if decay_steps <= 0:
        raise ValueError(f"Argument `{what}` must be > 0. Received: {what}={decay_steps}")


def _start(initial_learning_rate, step):
    """The initial rate as a tensor, and the step cast to its dtype."""
    initial = convert_to_tensor(initial_learning_rate)
    return initial, math.cast(step, initial.dtype)


class _RateDecay(LearningRateSchedule):
    """A decay of the initial rate by `decay_rate` as a function of `p = step / decay_steps` (`p`
    floored if `staircase`); subclasses give the function (`_decayed`) and their default name."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False, name=None):
        _check_decay_steps(decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name or type(self).__name__

    def __call__(self, step):
        with name_scope(self.name):
            initial, step = _start(self.initial_learning_rate, step)
            p = step / math.cast(self.decay_steps, initial.dtype)
            if self.staircase:
                p = math.floor(p)
            return self._decayed(initial, math.cast(self.decay_rate, initial.dtype), p)

    def get_config(self):
        """The constructor arguments, as a dict."""
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "decay_rate": self.decay_rate, "staircase": self.staircase, "name": self.name}


class ExponentialDecay(_RateDecay):
    """`initial_learning_rate * decay_rate ** (step / decay_steps)` (the exponent floored if
    `staircase`)."""

    @staticmethod
    def _decayed(initial, decay_rate, p):
        return initial * math.pow(decay_rate, p)


class PiecewiseConstantDecay(LearningRateSchedule):
    """`values[0]` up to `boundaries[0]` (inclusive), `values[1]` up to `boundaries[1]`, ...,
    `values[-1]` after the last boundary."""

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        if len(boundaries) != len(values) - 1:
            raise ValueError("The length of boundaries should be 1 less than the length of values. "
                             f"Received: boundaries={boundaries} of length {len(boundaries)}, and "
                             f"values={values} of length {len(values)}.")
        self.boundaries = boundaries
        self.values = values
        self.name = name

    def __call__(self, step):
        with name_scope(self.name):
            step = convert_to_tensor(step)
            bounds = [math.cast(b, step.dtype) for b in self.boundaries]
            values = [convert_to_tensor(v) for v in self.values]
            dtype = values[0].dtype
            # One indicator per interval, summed: a select chain would be no simpler to trace.
            rate = math.cast(step <= bounds[0], dtype) * values[0]
            rate += math.cast(step > bounds[-1], dtype) * values[-1]
            for low, high, value in zip(bounds[:-1], bounds[1:], values[1:-1]):
                rate += math.cast(math.logical_and(step > low, step <= high), dtype) * value
            return rate

    def get_config(self):
        """The constructor arguments, as a dict."""
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class PolynomialDecay(LearningRateSchedule):
    """From `initial_learning_rate` to `end_learning_rate` over `decay_steps` along
    `(1 - step / decay_steps) ** power`; with `cycle`, the decay restarts at each multiple of
    `decay_steps`."""

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0, cycle=False,
                 name="PolynomialDecay"):
        _check_decay_steps(decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = cycle
        self.name = name

    def __call__(self, step):
        with name_scope(self.name):
            initial, step = _start(self.initial_learning_rate, step)
            end = math.cast(self.end_learning_rate, initial.dtype)
            decay_steps = math.cast(self.decay_steps, initial.dtype)
            if self.cycle:
                multiplier = math.where(math.equal(step, 0), 1.0, math.ceil(step / self.decay_steps))
                decay_steps = decay_steps * multiplier
            else:
                step = math.minimum(step, decay_steps)
            p = step / decay_steps
            return (initial - end) * math.pow(1 - p, math.cast(self.power, initial.dtype)) + end

    def get_config(self):
        """The constructor arguments, as a dict."""
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "end_learning_rate": self.end_learning_rate, "power": self.power, "cycle": self.cycle,
                "name": self.name}


class InverseTimeDecay(_RateDecay):
    """`initial_learning_rate / (1 + decay_rate * step / decay_steps)` (the ratio floored if
    `staircase`)."""

    @staticmethod
    def _decayed(initial, decay_rate, p):
        return initial / (math.cast(1, initial.dtype) + decay_rate * p)


class CosineDecay(LearningRateSchedule):
    """Cosine decay from the initial rate to `alpha` times it over `decay_steps` (SGDR without
    restarts); with `warmup_target`, a linear warmup from `initial_learning_rate` to
    `warmup_target` over `warmup_steps` comes first and the decay starts from `warmup_target`."""

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay", warmup_target=None,
                 warmup_steps=0):
        _check_decay_steps(decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.alpha = alpha
        self.name = name
        self.warmup_steps = warmup_steps
        self.warmup_target = warmup_target

    def _decay(self, step, decay_steps, decay_from):
        completed = step / decay_steps
        cosine = 0.5 * (1.0 + math.cos(math.cast(_PI, completed.dtype) * completed))
        return decay_from * ((1 - self.alpha) * cosine + self.alpha)

    def __call__(self, step):
        with name_scope(self.name):
            initial, step = _start(self.initial_learning_rate, step)
            decay_steps = math.cast(self.decay_steps, initial.dtype)
            if self.warmup_target is None:
                return self._decay(math.minimum(step, decay_steps), decay_steps, initial)
            target = math.cast(self.warmup_target, initial.dtype)
            warmup_steps = math.cast(self.warmup_steps, initial.dtype)
            step = math.minimum(step, decay_steps + warmup_steps)
            warming = (target - initial) * (step / warmup_steps) + initial
            # Both sides are cheap and finite where chosen, so a select replaces Keras's cond.
            return math.where(step < warmup_steps, warming, self._decay(step - warmup_steps, decay_steps, target))

    def get_config(self):
        """The constructor arguments, as a dict."""
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "alpha": self.alpha, "name": self.name, "warmup_target": self.warmup_target,
                "warmup_steps": self.warmup_steps}


class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay with warm restarts (SGDR): periods of `first_decay_steps` growing by `t_mul`,
    each restart's peak scaled by `m_mul`."""

    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0, alpha=0.0,
                 name="SGDRDecay"):
        _check_decay_steps(first_decay_steps, "first_decay_steps")
        self.initial_learning_rate = initial_learning_rate
        self.first_decay_steps = first_decay_steps
        self._t_mul = t_mul
        self._m_mul = m_mul
        self.alpha = alpha
        self.name = name

    def _restart_and_fraction(self, completed, t_mul):
        """The restart number and the fraction of its period done (t_mul is a Python float, so
        the geometric case is chosen while tracing)."""
        if self._t_mul == 1.0:
            restart = math.floor(completed)
            return restart, completed - restart
        restart = math.floor(math.log(1.0 - completed * (1.0 - t_mul)) / math.log(t_mul))
        done_before = (1.0 - math.pow(t_mul, restart)) / (1.0 - t_mul)
        return restart, (completed - done_before) / math.pow(t_mul, restart)

    def __call__(self, step):
        with name_scope(self.name):
            initial, step = _start(self.initial_learning_rate, step)
            dtype = initial.dtype
            completed = step / math.cast(self.first_decay_steps, dtype)
            restart, fraction = self._restart_and_fraction(completed, math.cast(self._t_mul, dtype))
            peak = math.pow(math.cast(self._m_mul, dtype), restart)
            cosine = 0.5 * peak * (1.0 + math.cos(math.cast(_PI, dtype) * fraction))
            alpha = math.cast(self.alpha, dtype)
            return initial * ((1 - alpha) * cosine + alpha)

    def get_config(self):
        """The constructor arguments, as a dict."""
        return {"initial_learning_rate": self.initial_learning_rate, "first_decay_steps": self.first_decay_steps,
                "t_mul": self._t_mul, "m_mul": self._m_mul, "alpha": self.alpha, "name": self.name}


_SCHEDULES = {cls.__name__: cls for cls in (ExponentialDecay, PiecewiseConstantDecay, PolynomialDecay,
                                            InverseTimeDecay, CosineDecay, CosineDecayRestarts)}


def serialize(learning_rate_schedule):
    """The schedule as Keras 3 serializes it (a dict with its class name and config)."""
    return serialize_object(learning_rate_schedule, "keras.optimizers.schedules")


def deserialize(config, custom_objects=None):
    """The schedule a dict from `serialize` describes."""
    return deserialize_object(config, _SCHEDULES, "decay", custom_objects)

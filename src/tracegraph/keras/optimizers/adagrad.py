"""Adagrad and Adadelta, Keras 3's formulas; both update IndexedSlices gradients' rows only."""
from ... import math
from .base import Optimizer
from .gradients import add_rows, on_rows

__all__ = ["Adagrad", "Adadelta"]


class Adagrad(Optimizer):
    """Adagrad: steps divided by the root of the sum of all squared gradients so far (the
    `accumulator`, starting at `initial_accumulator_value`)."""

    _SPARSE_UPDATES = True

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.initial_accumulator_value = initial_accumulator_value
        self.epsilon = epsilon

    def build(self, var_list):
        """Create the accumulator slots."""
        if self.built:
            return
        super().build(var_list)
        self._accumulators = self.add_optimizer_variables(var_list, "accumulator",
                                                          initializer=self.initial_accumulator_value)

    def update_step(self, gradient, variable, learning_rate):
        """One Adagrad step for `variable`."""
        lr = math.cast(learning_rate, variable.dtype)
        accumulator = self._accumulators[self._get_variable_index(variable)]
        accumulator = self.assign_add(accumulator, on_rows(math.square, gradient))
        self.assign_sub(variable, on_rows(lambda g, a: lr * g / math.sqrt(a + self.epsilon), gradient, accumulator))

    def get_config(self):
        """The constructor arguments, as a dict."""
        return {**super().get_config(), "initial_accumulator_value": self.initial_accumulator_value,
                "epsilon": self.epsilon}


class Adadelta(Optimizer):
    """Adadelta: steps scaled by the ratio of the root mean squares of recent steps and of recent
    gradients (moving averages with decay `rho`)."""

    _SPARSE_UPDATES = True
    _SLOT_ALIASES = {"accum_grad": "accumulated_grad", "accum_var": "accumulated_delta_var"}

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.rho = rho
        self.epsilon = epsilon

    def build(self, var_list):
        """Create the accumulated_grad and accumulated_delta_var slots."""
        if self.built:
            return
        super().build(var_list)
        self._accumulated_grads, self._accumulated_delta_vars = self.add_optimizer_variables(
            var_list, ["accumulated_grad", "accumulated_delta_var"])

    def update_step(self, gradient, variable, learning_rate):
        """One Adadelta step for `variable`."""
        lr = math.cast(learning_rate, variable.dtype)
        index = self._get_variable_index(variable)
        rho, grads, deltas = self.rho, self._accumulated_grads[index], self._accumulated_delta_vars[index]

        def rms(x):
            return math.sqrt(x + self.epsilon)

        grads = self.assign(grads, add_rows(rho * grads, on_rows(lambda g: (1 - rho) * math.square(g), gradient)))
        delta = on_rows(lambda g, d, a: -(rms(d) * g / rms(a)), gradient, deltas, grads)
        self.assign(deltas, add_rows(rho * deltas, on_rows(lambda d: (1 - rho) * math.square(d), delta)))
        self.assign_add(variable, on_rows(lambda d: lr * d, delta))

    def get_config(self):
        """The constructor arguments, as a dict."""
        return {**super().get_config(), "rho": self.rho, "epsilon": self.epsilon}

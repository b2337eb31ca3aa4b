"""RMSprop (with momentum and the centered variant), Keras 3's formulas."""
from ... import math
from .base import Optimizer
from .gradients import add_rows, on_rows

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """RMSprop: steps divided by the root of a moving average of squared gradients (`velocity`);
    `centered` subtracts the square of the moving average of gradients, `momentum` accumulates
    the steps. IndexedSlices gradients update only their rows of `w` (without momentum)."""

    _SPARSE_UPDATES = True
    _SLOT_ALIASES = {"rms": "velocity", "mg": "average_gradient"}

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False, name=None,
                 **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.rho = rho
        self.momentum = momentum
        self.epsilon = epsilon
        self.centered = centered

    def build(self, var_list):
        """Create the velocity slots (and momentum, average_gradient when used)."""
        if self.built:
            return
        super().build(var_list)
        self._velocities = self.add_optimizer_variables(var_list, "velocity")
        self._momentums = self.add_optimizer_variables(var_list, "momentum") if self.momentum > 0 else []
        self._average_gradients = self.add_optimizer_variables(var_list, "average_gradient") \
            if self.centered else []

    def update_step(self, gradient, variable, learning_rate):
        """One RMSprop step for `variable`."""
        lr = math.cast(learning_rate, variable.dtype)
        index = self._get_variable_index(variable)
        rho, velocity = self.rho, self._velocities[index]
        squares = on_rows(lambda g: (1 - rho) * math.square(g), gradient)
        velocity = self.assign(velocity, add_rows(rho * velocity, squares))
        if self.centered:
            average = self._average_gradients[index]
            average = self.assign(average, add_rows(rho * average, on_rows(lambda g: (1 - rho) * g, gradient)))
            increment = on_rows(lambda g, v, a: lr * g / math.sqrt(v - math.square(a) + self.epsilon),
                                gradient, velocity, average)
        else:
            increment = on_rows(lambda g, v: lr * g / math.sqrt(v + self.epsilon), gradient, velocity)
        if self.momentum > 0:
            momentum = self._momentums[index]
            self.assign_sub(variable, self.assign(momentum, add_rows(self.momentum * momentum, increment)))
        else:
            self.assign_sub(variable, increment)

    def get_config(self):
        """The constructor arguments, as a dict."""
        return {**super().get_config(), "rho": self.rho, "momentum": self.momentum, "epsilon": self.epsilon,
                "centered": self.centered}

"""SGD: gradient descent, with momentum and Nesterov momentum (Keras 3's formulas)."""
from ... import math
from .base import Optimizer
from .gradients import add_rows, on_rows

__all__ = ["SGD"]


class SGD(Optimizer):
    """Gradient descent (with momentum).

    `w -= learning_rate * g`; with `momentum`, `velocity = momentum * velocity - learning_rate * g`
    and `w += velocity`; with `nesterov`, `w += momentum * velocity - learning_rate * g`.
    IndexedSlices gradients update only their rows of `w` (the velocity decays everywhere).
    """

    _SPARSE_UPDATES = True

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        if isinstance(momentum, bool) or not isinstance(momentum, (int, float)) or not 0 <= momentum <= 1:
            raise ValueError("`momentum` must be a float between [0, 1].")
        self.momentum = float(momentum)
        self.nesterov = nesterov

    def build(self, var_list):
        """Create the momentum slots (only when `momentum` is not 0)."""
        if self.built:
            return
        super().build(var_list)
        self._momentums = self.add_optimizer_variables(var_list, "momentum") if self.momentum != 0 else []

    def update_step(self, gradient, variable, learning_rate):
        """One SGD step for `variable`."""
        lr = math.cast(learning_rate, variable.dtype)
        step = on_rows(lambda g: -(g * lr), gradient)
        if self.momentum == 0:
            self.assign_add(variable, step)
            return
        m = self._momentums[self._get_variable_index(variable)]
        momentum = math.cast(self.momentum, variable.dtype)
        m = self.assign(m, add_rows(m * momentum, step))
        self.assign_add(variable, add_rows(m * momentum, step) if self.nesterov else m)

    def get_config(self):
        """The constructor arguments, as a dict."""
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}

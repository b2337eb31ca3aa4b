"""Adam (with AMSGrad) and AdamW (Adam with decoupled weight decay), Keras 3's formulas."""
from ... import math
from .base import Optimizer

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    """Adam: steps scaled by bias-corrected moving averages of the gradient (`momentum`) and its
    square (`velocity`); with `amsgrad`, by the running maximum of the latter."""

    _SLOT_ALIASES = {"m": "momentum", "v": "velocity", "vhat": "velocity_hat"}

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False, name=None,
                 **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.amsgrad = amsgrad

    def build(self, var_list):
        """Create the momentum and velocity slots (and velocity_hat with `amsgrad`)."""
        if self.built:
            return
        super().build(var_list)
        self._momentums, self._velocities = self.add_optimizer_variables(var_list, ["momentum", "velocity"])
        if self.amsgrad:
            self._velocity_hats = self.add_optimizer_variables(var_list, "velocity_hat")

    def update_step(self, gradient, variable, learning_rate):
        """One Adam step for `variable`."""
        dtype = variable.dtype
        lr = math.cast(learning_rate, dtype)
        local_step = math.cast(self.iterations + 1, dtype)
        beta_1_power = math.pow(math.cast(self.beta_1, dtype), local_step)
        beta_2_power = math.pow(math.cast(self.beta_2, dtype), local_step)
        index = self._get_variable_index(variable)
        m, v = self._momentums[index], self._velocities[index]
        alpha = lr * math.sqrt(1 - beta_2_power) / (1 - beta_1_power)
        m = self.assign_add(m, (gradient - m) * (1 - self.beta_1))
        v = self.assign_add(v, (math.square(gradient) - v) * (1 - self.beta_2))
        if self.amsgrad:
            v_hat = self._velocity_hats[index]
            v = self.assign(v_hat, math.maximum(v_hat, v))
        self.assign_sub(variable, m * alpha / (math.sqrt(v) + self.epsilon))

    def get_config(self):
        """The constructor arguments, as a dict."""
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon,
                "amsgrad": self.amsgrad}


class AdamW(Adam):
    """Adam with decoupled weight decay (`weight_decay`, default 0.004): each step first does
    `w -= learning_rate * weight_decay * w`."""

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon, amsgrad=amsgrad,
                         weight_decay=weight_decay, name=name, **kwargs)
        if self.weight_decay is None:
            raise ValueError("Argument `weight_decay` must be a float. Received: weight_decay=None")

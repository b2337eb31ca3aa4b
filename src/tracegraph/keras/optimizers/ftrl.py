"""FTRL-Proximal (Keras 3's formulas, with L1/L2 and L2-shrinkage regularization)."""
from ... import math
from .base import Optimizer

__all__ = ["Ftrl"]


def _check_sign(what, value, sign):
    if (value < 0.0) if sign == "positive" else (value > 0.0):
        raise ValueError(f"`{what}` needs to be {sign} or zero. Received: {what}={value}.")


class Ftrl(Optimizer):
    """Follow The Regularized Leader: a per-coordinate learning rate from the `accumulator` of
    squared gradients, and weights solved in closed form from the `linear` slot, which L1
    regularization can hold at exactly zero."""

    def __init__(self, learning_rate=0.001, learning_rate_power=-0.5, initial_accumulator_value=0.1,
                 l1_regularization_strength=0.0, l2_regularization_strength=0.0,
                 l2_shrinkage_regularization_strength=0.0, beta=0.0, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        _check_sign("learning_rate_power", learning_rate_power, "negative")
        for what, value in (("initial_accumulator_value", initial_accumulator_value),
                            ("l1_regularization_strength", l1_regularization_strength),
                            ("l2_regularization_strength", l2_regularization_strength),
                            ("l2_shrinkage_regularization_strength", l2_shrinkage_regularization_strength)):
            _check_sign(what, value, "positive")
        self.learning_rate_power = learning_rate_power
        self.initial_accumulator_value = initial_accumulator_value
        self.l1_regularization_strength = l1_regularization_strength
        self.l2_regularization_strength = l2_regularization_strength
        self.l2_shrinkage_regularization_strength = l2_shrinkage_regularization_strength
        self.beta = beta

    def build(self, var_list):
        """Create the accumulator and linear slots."""
        if self.built:
            return
        super().build(var_list)
        self._accumulators, self._linears = self.add_optimizer_variables(
            var_list, ["accumulator", "linear"], initializer=[self.initial_accumulator_value, "zeros"])

    def update_step(self, gradient, variable, learning_rate):
        """One FTRL step for `variable`."""
        lr = math.cast(learning_rate, variable.dtype)
        index = self._get_variable_index(variable)
        accum, linear = self._accumulators[index], self._linears[index]
        lr_power = self.learning_rate_power
        l2_reg = self.l2_regularization_strength + self.beta / (2.0 * lr)
        grad_to_use = gradient + 2 * self.l2_shrinkage_regularization_strength * variable
        new_accum = accum + math.square(gradient)
        rate_change = (math.pow(new_accum, -lr_power) - math.pow(accum, -lr_power)) / lr
        linear = self.assign_add(linear, grad_to_use - rate_change * variable)
        quadratic = math.pow(new_accum, -lr_power) / lr + 2 * l2_reg
        l1 = self.l1_regularization_strength
        self.assign(variable, (math.clip_by_value(linear, -l1, l1) - linear) / quadratic)
        self.assign(accum, new_accum)

    def get_config(self):
        """The constructor arguments, as a dict."""
        return {**super().get_config(), "learning_rate_power": self.learning_rate_power,
                "initial_accumulator_value": self.initial_accumulator_value,
                "l1_regularization_strength": self.l1_regularization_strength,
                "l2_regularization_strength": self.l2_regularization_strength,
                "l2_shrinkage_regularization_strength": self.l2_shrinkage_regularization_strength,
                "beta": self.beta}

"""Adamax and Nadam, the Adam variants (Keras 3's formulas)."""
from ... import dtypes, math
from .base import Optimizer

__all__ = ["Adamax", "Nadam"]


class Adamax(Optimizer):
    """Adamax: Adam with the infinity norm, a decaying maximum of |gradient| (`norm`), in place of
    the root mean square."""

    _SLOT_ALIASES = {"m": "momentum", "v": "norm"}

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def build(self, var_list):
        """Create the momentum and norm slots."""
        if self.built:
            return
        super().build(var_list)
        self._m, self._u = self.add_optimizer_variables(var_list, ["momentum", "norm"])

    def update_step(self, gradient, variable, learning_rate):
        """One Adamax step for `variable`."""
        dtype = variable.dtype
        lr = math.cast(learning_rate, dtype)
        local_step = math.cast(self.iterations + 1, dtype)
        beta_1_power = math.pow(math.cast(self.beta_1, dtype), local_step)
        index = self._get_variable_index(variable)
        m, u = self._m[index], self._u[index]
        m = self.assign_add(m, (gradient - m) * (1 - self.beta_1))
        u = self.assign(u, math.maximum(self.beta_2 * u, math.abs(gradient)))
        self.assign_sub(variable, lr * m / ((1 - beta_1_power) * (u + self.epsilon)))

    def get_config(self):
        """The constructor arguments, as a dict."""
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}


class Nadam(Optimizer):
    """Nadam: Adam with Nesterov momentum, its momentum schedule `beta_1 * (1 - 0.5 * 0.96**t)`
    accumulated in a product shared by all variables."""

    _SLOT_ALIASES = {"m": "momentum", "v": "velocity"}

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def build(self, var_list):
        """Create the momentum and velocity slots and the momentum-schedule product."""
        if self.built:
            return
        dtype = var_list[0].dtype if var_list else dtypes.float32
        super().build(var_list)
        self._momentums, self._velocities = self.add_optimizer_variables(var_list, ["momentum", "velocity"])
        self._u_product = self.add_variable([], initializer="ones", dtype=dtype, name="u_product")

    def _update_all(self, grads, variables, learning_rate):
        dtype = self._u_product.dtype
        step = math.cast(self.iterations + 1, dtype)
        self.assign(self._u_product, self._u_product * self.beta_1 * (1.0 - 0.5 * math.pow(
            math.cast(0.96, dtype), step)))
        super()._update_all(grads, variables, learning_rate)

    def update_step(self, gradient, variable, learning_rate):
        """One Nadam step for `variable`."""
        dtype = variable.dtype
        lr = math.cast(learning_rate, dtype)
        local_step = math.cast(self.iterations + 1, dtype)
        next_step = math.cast(self.iterations + 2, dtype)
        decay = math.cast(0.96, dtype)
        beta_1, beta_2 = math.cast(self.beta_1, dtype), math.cast(self.beta_2, dtype)
        u_t = beta_1 * (1.0 - 0.5 * math.pow(decay, local_step))
        u_t_1 = beta_1 * (1.0 - 0.5 * math.pow(decay, next_step))
        u_product_t = math.cast(self._u_product, dtype)
        u_product_t_1 = u_product_t * u_t_1
        beta_2_power = math.pow(beta_2, local_step)
        index = self._get_variable_index(variable)
        m, v = self._momentums[index], self._velocities[index]
        m = self.assign_add(m, (gradient - m) * (1 - beta_1))
        v = self.assign_add(v, (math.square(gradient) - v) * (1 - beta_2))
        m_hat = u_t_1 * m / (1 - u_product_t_1) + (1 - u_t) * gradient / (1 - u_product_t)
        v_hat = v / (1 - beta_2_power)
        self.assign_sub(variable, m_hat * lr / (math.sqrt(v_hat) + self.epsilon))

    def get_config(self):
        """The constructor arguments, as a dict."""
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}

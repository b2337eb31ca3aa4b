"""`Optimizer`: the base of the Keras optimizers (Keras 3's `keras.optimizers.Optimizer`).

An optimizer is a `tg.Module` holding its state in Variables: the step count `iterations`
(int64), the learning rate (a float32 Variable, so a callback's `optimizer.learning_rate = 0.01`
reaches a traced train step without retracing it) and the slot variables a subclass creates in
`build`. Slot variables are always created eagerly (under `tg.init_scope`), so the first
`apply_gradients` may run inside a `tg.function`; every later effect is a tg op, so a traced step
is one graph of reads and assignments that does the same thing on every call.

`apply` runs Keras 3's pipeline: drop `None` gradients (with Keras's warning), deduplicate
IndexedSlices, unscale (`loss_scale_factor`), clip (`clipnorm`, `clipvalue`, `global_clipnorm`),
decay weights (decoupled, `weight_decay`), call the subclass's `update_step` per variable, apply
constraints, update the moving averages (`use_ema`) and count the step.
"""
import collections
import numbers
import re
import warnings

from ... import distribute, dtypes, math, nest, restoration
from ...autodiff import GradientTape
from ...convert import convert_to_tensor
from ...module import Module, camel_to_snake
from ...ops import control_flow, creation
from ...ops.state_ops import init_scope
from ...tensor import EagerTensor
from ...variable import Variable
from ...variable_base import is_variable
from . import gradients as grads_lib
from .schedules import LearningRateSchedule
from .schedules import deserialize as deserialize_schedule
from .schedules import serialize as serialize_schedule

__all__ = ["Optimizer"]

_names_used = collections.Counter()


def _auto_name(class_name):
    """`adam`, then `adam_1`, `adam_2`, ... (Keras's unique default names)."""
    base = camel_to_snake(class_name)
    count = _names_used[base]
    _names_used[base] += 1
    return base if count == 0 else f"{base}_{count}"


def _is_number(value):
    """A Python or NumPy real number, or a scalar eager tensor."""
    if isinstance(value, bool):
        return False
    return isinstance(value, numbers.Real) or isinstance(value, EagerTensor) and value.shape.rank == 0


class Optimizer(Module):
    """The base class of optimizers.

    A subclass overrides `build(var_list)` (call `super().build(var_list)`, then create slots
    with `add_optimizer_variables`), `update_step(gradient, variable, learning_rate)` (a few
    tg ops updating one variable through `self.assign*`) and `get_config`. A subclass whose
    `update_step` handles IndexedSlices gradients (through `gradients.on_rows`/`add_rows`) sets
    `_SPARSE_UPDATES = True`; the others receive dense gradients.

    Every optimizer takes these keyword arguments (subclasses pass them on through `**kwargs`):
    `weight_decay`, `clipnorm`, `clipvalue`, `global_clipnorm`, `use_ema`, `ema_momentum`,
    `ema_overwrite_frequency`, `loss_scale_factor`, `gradient_accumulation_steps`, and TF 2.0's `lr`.
    """

    _SPARSE_UPDATES = False
    #: TF 2's slot names (`get_slot(var, "m")`) for this optimizer's Keras 3 slot names.
    _SLOT_ALIASES = {}
    # The model's variables are the optimizer's to update, not its own state.
    _TRACKING_IGNORED = frozenset({"_trainable_variables", "_var_index", "_excluded_from_weight_decay"})

    def __init__(self, learning_rate, weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        learning_rate = kwargs.pop("lr", learning_rate)  # TF 2.0's name
        if kwargs.pop("decay", None) is not None:
            warnings.warn("Argument `decay` is no longer supported and will be ignored.")
        if kwargs:
            raise ValueError(f"Argument(s) not recognized: {kwargs}")
        if gradient_accumulation_steps and not gradient_accumulation_steps >= 2:
            raise ValueError("`gradient_accumulation_steps` must be an integer >= 2. Received: "
                             f"gradient_accumulation_steps={gradient_accumulation_steps}")
        if sum(a is not None for a in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError("Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. Received: "
                             f"clipnorm={clipnorm}, clipvalue={clipvalue}, global_clipnorm={global_clipnorm}")
        if use_ema and not 0 <= ema_momentum <= 1:
            raise ValueError(f"`ema_momentum` must be in the range [0, 1]. Received: ema_momentum={ema_momentum}")
        super().__init__(name=name if name is not None else _auto_name(type(self).__name__))
        self.weight_decay = weight_decay
        self.clipnorm = clipnorm
        self.clipvalue = clipvalue
        self.global_clipnorm = global_clipnorm
        self.use_ema = use_ema
        self.ema_momentum = ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.loss_scale_factor = loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps
        self.built = False
        self._variables = []
        self._slots = {}
        self._trainable_variables = []
        self._var_index = {}
        self._excluded_from_weight_decay = (set(), None)
        self._iterations = self._new_variable(0, "iteration", dtypes.int64)
        self._learning_rate = self._learning_rate_value(learning_rate)

    # ----- state -------------------------------------------------------------------------------

    @property
    def variables(self):
        """The optimizer's Variables: iterations, the learning rate, then the slots (a list)."""
        return self._variables[:]

    @property
    def iterations(self):
        """The number of steps applied (an int64 Variable); with `gradient_accumulation_steps`,
        the number of updates made (a tensor)."""
        if self.gradient_accumulation_steps:
            return self._iterations // self.gradient_accumulation_steps
        return self._iterations

    def _new_variable(self, initial_value, name, dtype):
        """A non-trainable Variable of the optimizer, created eagerly and tracked."""
        with init_scope(), self.name_scope:
            variable = distribute.create_variable(Variable, initial_value, name=name, dtype=dtype, trainable=False)
        self._variables.append(variable)
        restoration.variables_created(self)  # a restored checkpoint may hold its value (tg.train)
        return variable

    def add_variable(self, shape, initializer="zeros", dtype=None, aggregation="none", name=None):
        """A new optimizer Variable of `shape` (`initializer`: "zeros", "ones", a number or a
        callable `(shape, dtype)`; `dtype` defaults to float32)."""
        dtype = dtypes.as_dtype(dtype or dtypes.float32)
        shape = list(shape)
        with init_scope():
            if callable(initializer):
                initial = initializer(shape, dtype)
            else:
                fill = {"zeros": 0, "ones": 1}.get(initializer, initializer)
                initial = creation.fill(shape, math.cast(fill, dtype)) if shape else math.cast(fill, dtype)
        return self._new_variable(initial, name, dtype)

    def add_variable_from_reference(self, reference_variable, name=None, initializer="zeros"):
        """A new optimizer Variable shaped and typed like `reference_variable`, named after it."""
        # Keras 3 names slots after the variable's path (`dense/kernel` -> `dense_kernel_momentum`).
        reference = str(getattr(reference_variable, "path", reference_variable.name))
        reference = reference.replace("/", "_").replace(":", "_")
        return self.add_variable(reference_variable.shape, initializer, reference_variable.dtype,
                                 name=f"{reference}_{name or 'var'}")

    def add_optimizer_variables(self, trainable_variables, name, initializer="zeros"):
        """One slot variable per model variable for `name` (or a tuple of lists for a list of
        names), interleaved per model variable as Keras creates them; `get_slot` finds them."""
        names = [name] if isinstance(name, str) else list(name)
        initializers = initializer if isinstance(initializer, (list, tuple)) else [initializer] * len(names)
        if len(initializers) != len(names):
            raise ValueError(f"The number of provided names must match the number of provided initializers.  "
                             f"Received name='{name}', initializer='{initializer}'")
        lists = tuple([] for _ in names)
        for variable in trainable_variables:
            for slots, slot_name, slot_init in zip(lists, names, initializers):
                slots.append(self.add_variable_from_reference(variable, slot_name, slot_init))
        for slot_name, slots in zip(names, lists):
            self._slots[slot_name] = slots
        restoration.variables_created(self)  # a restored checkpoint may hold their values (tg.train)
        return lists[0] if isinstance(name, str) else lists

    def build(self, var_list):
        """Record the model variables to optimize; subclasses then create their slots."""
        var_list = list(var_list)
        self._trainable_variables = var_list[:]
        self._var_index = {id(v): i for i, v in enumerate(var_list)}
        if self.use_ema:
            self._averages = self.add_optimizer_variables(var_list, "average")
        if self.gradient_accumulation_steps:
            self._accumulated_gradients = self.add_optimizer_variables(var_list, "gradient_accumulator")
        self.built = True

    def _get_variable_index(self, variable):
        return self._var_index[id(variable)]

    def get_slot_names(self):
        """The names of the slots each variable has (e.g. `['momentum', 'velocity']`)."""
        return list(self._slots)

    def get_slot(self, var, slot_name):
        """The slot variable `slot_name` of model variable `var` (TF 2's names also accepted)."""
        slot_name = self._SLOT_ALIASES.get(slot_name, slot_name)
        if slot_name not in self._slots:
            raise KeyError(f"Unknown slot {slot_name!r} of {self.name}; its slots are {self.get_slot_names()}")
        if id(var) not in self._var_index:
            raise KeyError(f"{self.name} has no slots for variable {var.name!r}")
        return self._slots[slot_name][self._get_variable_index(var)]

    # ----- learning rate -----------------------------------------------------------------------

    def _learning_rate_value(self, learning_rate):
        """What `_learning_rate` holds: a schedule, a callable, or a Variable."""
        if isinstance(learning_rate, LearningRateSchedule) or is_variable(learning_rate):
            return learning_rate
        if callable(learning_rate):
            return learning_rate
        if not _is_number(learning_rate):
            raise ValueError("Argument `learning_rate` should be float, or an instance of LearningRateSchedule, "
                             "or a callable (that takes in the current iteration value and returns the "
                             f"corresponding learning rate value). Received instead: learning_rate={learning_rate}")
        return self._new_variable(float(learning_rate), "learning_rate", dtypes.float32)

    @property
    def learning_rate(self):
        """The current learning rate: the Variable, or the schedule's value at `iterations`."""
        if isinstance(self._learning_rate, LearningRateSchedule):
            return self._learning_rate(self._iterations)
        if is_variable(self._learning_rate):
            return self._learning_rate
        return self._learning_rate()

    def _learning_rate_now(self):
        """The learning rate of this step as a tensor (a Variable read once for all updates)."""
        learning_rate = self.learning_rate
        return learning_rate.value() if is_variable(learning_rate) else convert_to_tensor(learning_rate)

    @learning_rate.setter
    def learning_rate(self, learning_rate):
        if isinstance(learning_rate, LearningRateSchedule) or callable(learning_rate) or is_variable(learning_rate):
            self._replace_learning_rate(learning_rate)
        elif isinstance(self._learning_rate, LearningRateSchedule):
            raise TypeError("This optimizer was created with a `LearningRateSchedule` object as its "
                            "`learning_rate` constructor argument, hence its learning rate is not settable. If "
                            "you need the learning rate to be settable, you should instantiate the optimizer "
                            "with a float `learning_rate` argument.")
        elif is_variable(self._learning_rate):
            self._learning_rate.assign(math.cast(learning_rate, self._learning_rate.dtype))
        else:
            self._replace_learning_rate(self._learning_rate_value(learning_rate))

    def _replace_learning_rate(self, learning_rate):
        if is_variable(self._learning_rate) and self._learning_rate in self._variables:
            self._variables.remove(self._learning_rate)
        self._learning_rate = learning_rate

    @property
    def lr(self):
        """The learning rate (TF 2.0's name for `learning_rate`)."""
        return self.learning_rate

    @lr.setter
    def lr(self, learning_rate):
        self.learning_rate = learning_rate

    # ----- applying gradients ------------------------------------------------------------------

    def apply_gradients(self, grads_and_vars):
        """Apply `(gradient, variable)` pairs; returns the `iterations` Variable."""
        pairs = list(grads_and_vars)
        if pairs:
            grads, variables = zip(*pairs)
            self.apply(grads, variables)
        return self._iterations

    def apply(self, grads, trainable_variables=None):
        """Update the variables with their gradients (in the order `build` saw the variables
        when `trainable_variables` is not given)."""
        grads = list(grads)
        if not grads:
            return
        variables = self._variables_for(grads, trainable_variables)
        with self.name_scope:
            grads, variables = self._filter_empty_gradients(grads, variables)
            grads = distribute.all_reduce_sum_gradients(grads, variables)  # over a strategy's replicas (TF's sum)
            if distribute.get_strategy().num_replicas_in_sync > 1:
                # The last variables' sums arrive first (their buckets start first): update those first,
                # while the first layers' gradients are still being reduced.
                grads, variables = grads[::-1], variables[::-1]
            grads = [self._prepare(g, v) for g, v in zip(grads, variables)]
            if self.loss_scale_factor is not None:
                grads = [grads_lib.divide(g, self.loss_scale_factor) for g in grads]
            if self.gradient_accumulation_steps:
                self._accumulate_or_update(grads, variables)
            else:
                self._update(grads, variables)
            if self.use_ema:
                self._update_moving_averages()
        self._iterations.assign_add(1)

    def _update(self, grads, variables):
        """Clip, decay the weights, update the variables, apply their constraints."""
        grads = self._clip_gradients(grads)
        learning_rate = self._learning_rate_now()
        self._apply_weight_decay(variables, learning_rate)
        self._update_all(grads, variables, learning_rate)
        for variable in variables:
            constraint = getattr(variable, "constraint", None)
            if constraint is not None:
                variable.assign(constraint(variable))

    def _accumulate_or_update(self, grads, variables):
        """Add the gradients to their accumulators; every `gradient_accumulation_steps`-th call,
        update with the mean gradient instead and reset the accumulators (Keras 3's rule)."""
        steps = self.gradient_accumulation_steps
        accumulators = [self._accumulated_gradients[self._get_variable_index(v)] for v in variables]
        grads = [grads_lib.dense(g) for g in grads]

        def update():
            self._update([(g + a.value()) / steps for g, a in zip(grads, accumulators)], variables)
            for a in accumulators:
                a.assign(creation.zeros_like(a.value()))

        def accumulate():
            for g, a in zip(grads, accumulators):
                a.assign_add(g)

        control_flow.cond(math.equal((self._iterations + 1) % steps, 0), update, accumulate)

    def _variables_for(self, grads, trainable_variables):
        if trainable_variables is None:
            if not self.built:
                raise ValueError("When passing `grads` without `variables`, the optimizer must already be built "
                                 "on a list of variables. Call `optimizer.build(trainable_variables)` first. ")
            if len(grads) != len(self._trainable_variables):
                raise ValueError("When passing `grads` as a list of gradient tensors, the gradients must match "
                                 f"`optimizer.variables` one-to-on. Received a list of {len(grads)} gradients, but "
                                 f"the optimizer is tracking {len(self._trainable_variables)} trainable variables.")
            return list(self._trainable_variables)
        variables = list(trainable_variables)
        if not self.built:
            with self.name_scope:
                self.build(variables)
            self.built = True
        for v in variables:
            if id(v) not in self._var_index:
                raise ValueError(f"Unknown variable: {v}. This optimizer can only be called for the variables it "
                                 "was originally built with. When working with a new set of variables, you "
                                 "should recreate a new optimizer instance.")
        return variables

    def _filter_empty_gradients(self, grads, variables):
        kept = [(g, v) for g, v in zip(grads, variables) if g is not None]
        if not kept:
            raise ValueError("No gradients provided for any variable.")
        missing = [v.name for g, v in zip(grads, variables) if g is None]
        if missing:
            warnings.warn(f"Gradients do not exist for variables {missing} when minimizing the loss. If using "
                          "`model.compile()`, did you forget to provide a `loss` argument?")
        return [g for g, _ in kept], [v for _, v in kept]

    def _prepare(self, gradient, variable):
        """The gradient in the variable's dtype; IndexedSlices with each row once."""
        gradient = grads_lib.cast_to(gradient, variable.dtype)
        return grads_lib.deduplicate(gradient) if grads_lib.is_sparse(gradient) else gradient

    def _clip_gradients(self, grads):
        if self.clipnorm and self.clipnorm > 0:
            return [grads_lib.clip_by_norm(g, self.clipnorm) for g in grads]
        if self.global_clipnorm and self.global_clipnorm > 0:
            return grads_lib.clip_by_global_norm(grads, self.global_clipnorm)
        if self.clipvalue and self.clipvalue > 0:
            return [grads_lib.clip_by_value(g, self.clipvalue) for g in grads]
        return grads

    def _update_all(self, grads, variables, learning_rate):
        """`update_step` for each pair (a subclass may update shared state first)."""
        for gradient, variable in zip(grads, variables):
            if grads_lib.is_sparse(gradient) and not self._SPARSE_UPDATES:
                gradient = grads_lib.dense(gradient)
            self.update_step(gradient, variable, learning_rate)

    def update_step(self, gradient, variable, learning_rate):
        """Update `variable` (and its slots) with `gradient`; subclasses define it."""
        raise NotImplementedError(f"{type(self).__name__} must define `update_step`")

    def assign(self, variable, value):
        """`variable.assign(value)`; an IndexedSlices value replaces only its rows.

        Returns the new value (a dense assignment's tensor, so later formulas use it instead of
        reading the variable again and the step fuses into fewer kernels), or the variable.
        """
        if grads_lib.is_sparse(value):
            variable.scatter_update(value)
            return variable
        value = math.cast(convert_to_tensor(value, dtype_hint=variable.dtype), variable.dtype)
        variable.assign(value)
        return value

    def assign_add(self, variable, value):
        """`variable.assign_add(value)`; an IndexedSlices value adds to its rows only. Returns the
        new value, as `assign` does."""
        if grads_lib.is_sparse(value):
            variable.scatter_add(value)
            return variable
        return self.assign(variable, variable.value() + value)

    def assign_sub(self, variable, value):
        """`variable.assign_sub(value)`; an IndexedSlices value subtracts from its rows only. Returns
        the new value, as `assign` does."""
        if grads_lib.is_sparse(value):
            variable.scatter_sub(value)
            return variable
        return self.assign(variable, variable.value() - value)

    # ----- weight decay ------------------------------------------------------------------------

    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Exempt variables from weight decay: those in `var_list`, and those whose name contains
        one of `var_names`. Call it before the optimizer is built."""
        if self.built:
            raise ValueError("`exclude_from_weight_decay()` can only be configured before the optimizer is built.")
        pattern = re.compile("|".join(set(var_names))) if var_names else None
        self._excluded_from_weight_decay = ({id(v) for v in var_list or ()}, pattern)

    def _use_weight_decay(self, variable):
        ids, pattern = self._excluded_from_weight_decay
        return id(variable) not in ids and (pattern is None or pattern.search(variable.name) is None)

    def _apply_weight_decay(self, variables, learning_rate):
        if self.weight_decay is None:
            return
        for variable in variables:
            if self._use_weight_decay(variable):
                lr = math.cast(learning_rate, variable.dtype)
                wd = math.cast(self.weight_decay, variable.dtype)
                variable.assign_sub(variable * wd * lr)

    # ----- moving averages (use_ema) -------------------------------------------------------------

    def _update_moving_averages(self):
        variables = self._trainable_variables
        for variable, average in zip(variables, self._averages):
            not_first = math.cast(math.not_equal(self.iterations, 0), variable.dtype)
            momentum = not_first * self.ema_momentum
            average.assign(momentum * average + (1 - momentum) * variable)
        if self.ema_overwrite_frequency:
            overwrite = math.equal((self.iterations + 1) % self.ema_overwrite_frequency, 0)
            for variable, average in zip(variables, self._averages):
                variable.assign(math.where(overwrite, average.value(), variable.value()))

    def finalize_variable_values(self, var_list):
        """Set the model's variables to their moving averages (when `use_ema`)."""
        if self.use_ema:
            for variable, average in zip(var_list, self._averages):
                variable.assign(average)

    # ----- losses ------------------------------------------------------------------------------

    def scale_loss(self, loss):
        """The loss times `loss_scale_factor` (unchanged without one)."""
        return loss if self.loss_scale_factor is None else loss * self.loss_scale_factor

    def compute_gradients(self, loss, var_list, tape=None):
        """`(gradient, variable)` pairs of `loss` (a tensor recorded on `tape`, or a callable
        returning it) for `var_list` (a list or a callable returning it), as TF 2's optimizers."""
        if not callable(loss) and tape is None:
            raise ValueError(f"`tape` is required when a `Tensor` loss is passed. Received: loss={loss}, "
                             f"tape={tape}.")
        tape = tape if tape is not None else GradientTape()
        if callable(loss):
            with tape:
                if not callable(var_list):
                    tape.watch(var_list)
                loss = loss()
        if callable(var_list):
            var_list = var_list()
        var_list = nest.flatten(var_list)
        return list(zip(tape.gradient(loss, var_list), var_list))

    def minimize(self, loss, var_list, tape=None):
        """Compute the gradients of `loss` and apply them; returns the `iterations` Variable."""
        return self.apply_gradients(self.compute_gradients(loss, var_list, tape))

    # ----- weights and config ------------------------------------------------------------------

    def get_weights(self):
        """The values of `variables`, as NumPy arrays."""
        return [v.numpy() for v in self._variables]

    def set_weights(self, weights):
        """Set `variables` from arrays (the optimizer must be built)."""
        if not self.built:
            raise ValueError("You are calling `set_weights()` on an optimizer that has not yet been built. Please "
                             "call `optimizer.build(trainable_variables)` to create the optimizer weights before "
                             "calling `set_weights()`.")
        for variable, weight in zip(self._variables, weights):
            weight = convert_to_tensor(weight, dtype=variable.dtype)
            if not variable.shape.is_compatible_with(weight.shape):
                raise ValueError(f"Optimizer variable {variable.name} has shape {variable.shape} not compatible "
                                 f"with provided weight shape {weight.shape}.")
            variable.assign(weight)

    def get_config(self):
        """The constructor arguments as a dict (Keras 3's keys); a schedule is serialized."""
        if isinstance(self._learning_rate, LearningRateSchedule):
            learning_rate = serialize_schedule(self._learning_rate)
        elif is_variable(self._learning_rate):
            learning_rate = float(self._learning_rate.numpy())
        else:
            learning_rate = self._learning_rate
        return {"name": self.name, "learning_rate": learning_rate, "weight_decay": self.weight_decay,
                "clipnorm": self.clipnorm, "global_clipnorm": self.global_clipnorm, "clipvalue": self.clipvalue,
                "use_ema": self.use_ema, "ema_momentum": self.ema_momentum,
                "ema_overwrite_frequency": self.ema_overwrite_frequency,
                "loss_scale_factor": self.loss_scale_factor,
                "gradient_accumulation_steps": self.gradient_accumulation_steps}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """The optimizer `config` (from `get_config`) describes, without its state."""
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = deserialize_schedule(config["learning_rate"], custom_objects)
        return cls(**config)

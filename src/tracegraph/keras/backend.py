"""`keras.backend`: the session-wide settings Keras code asks for (float type, epsilon, object names),
and `rnn`, the time loop every recurrent layer runs."""
import collections

from .. import dtypes, nest
from ..context import state
from ..convert import constant, convert_to_tensor
from ..ops import array_ops, cast, comparison, control_flow, creation, gather_scatter, join_split, tiling

__all__ = ["floatx", "set_floatx", "epsilon", "set_epsilon", "clear_session", "unique_object_name",
           "image_data_format", "rnn"]

_settings = {"floatx": "float32", "epsilon": 1e-7}
_name_counts = collections.Counter()


def floatx():
    """The default float type of weights and inputs, as a string ('float32')."""
    return _settings["floatx"]


def set_floatx(value):
    """Make `value` ('float16', 'float32', 'float64') the default float type."""
    dtype = dtypes.as_dtype(value)
    if not dtype.is_floating:
        raise ValueError(f"set_floatx: expected a float type, got {value!r}")
    _settings["floatx"] = dtype.name


def epsilon():
    """The fuzz factor used to avoid division by zero (1e-7)."""
    return _settings["epsilon"]


def set_epsilon(value):
    """Change the fuzz factor."""
    _settings["epsilon"] = float(value)


def image_data_format():
    """Always 'channels_last' (NHWC), the only layout tracegraph's convolutions take."""
    return "channels_last"


def unique_object_name(base):
    """`base`, then `base_1`, `base_2`, ... on later calls with the same base (Keras's layer names)."""
    count = _name_counts[base]
    _name_counts[base] += 1
    return base if count == 0 else f"{base}_{count}"


def clear_session():
    """Forget the names given so far, so the next Dense is 'dense' again."""
    _name_counts.clear()


# ----- the recurrence -------------------------------------------------------------------------------

def sizes_of(x, static=None):
    """The sizes of `x` as a list: `static` (by default `x`'s static shape) where known, the unknown ones
    read from `x`'s run-time shape (scalar tensors; the shape is read once, and only if one is unknown)."""
    static = x.shape.as_list() if static is None else list(static)
    if None not in static:
        return static
    dynamic = array_ops.shape(x)
    return [dynamic[i] if size is None else size for i, size in enumerate(static)]


def rnn(step_function, inputs, initial_states, go_backwards=False, mask=None, constants=None, unroll=False,
        input_length=None, time_major=False, zero_output_for_mask=False, return_all_outputs=True):
    """Iterate `step_function(input_t, states) -> (output_t, new_states)` over the time axis (Keras's
    `backend.rnn`); returns `(last_output, outputs, new_states)`.

    `inputs` is a tensor (or a structure of tensors) [batch, time, ...] ([time, batch, ...] with
    `time_major`); `initial_states` a list (possibly nested) of tensors [batch, ...]; `constants` are
    appended to the states the step sees. `go_backwards` runs last step first and returns the outputs in
    that order. Where `mask` [batch, time] is false the states keep their previous values and the output
    repeats the previous output (zeros with `zero_output_for_mask`). `outputs` holds every step's output
    [batch, time, ...], or only the last [batch, 1, ...] without `return_all_outputs`.

    Eagerly, and with `unroll` (which needs a known number of steps), this is a Python loop; while tracing
    it is one `while_loop` node whose body holds one step, so any number of steps runs the same graph.
    `input_length` is accepted for Keras's signature; the steps are the inputs' time axis.
    """
    del input_length
    flat_inputs = [convert_to_tensor(x) for x in nest.flatten(inputs)]
    if not time_major:
        flat_inputs = [_swap_batch_and_time(x) for x in flat_inputs]
    if any(x.shape.rank is not None and x.shape.rank < 3 for x in flat_inputs):
        raise ValueError(f"rnn: the inputs must have at least 3 dimensions (batch, time, features), got shapes "
                         f"{[tuple(x.shape.as_list()) for x in flat_inputs]}")
    masks = None if mask is None else _time_major_mask(mask, time_major)
    if go_backwards:
        flat_inputs = [tiling.reverse(x, [0]) for x in flat_inputs]
        masks = None if masks is None else tiling.reverse(masks, [0])
    flat_states = [convert_to_tensor(s) for s in nest.flatten(initial_states)]
    extra = tuple(constants or ())

    def step(step_inputs, states):
        packed = nest.pack_sequence_as(initial_states, list(states))
        packed = tuple(packed) if isinstance(packed, (list, tuple)) else (packed,)
        output, new_states = step_function(nest.pack_sequence_as(inputs, list(step_inputs)), packed + extra)
        new_states = nest.flatten(new_states)
        if len(new_states) != len(states):
            raise ValueError(f"rnn: the step function returned {len(new_states)} state tensor(s) for "
                             f"{len(states)} initial state tensor(s)")
        return nest.flatten(output), output, new_states

    steps = flat_inputs[0].shape[0]
    if unroll and steps is None:
        raise ValueError("Unrolling requires a fixed number of timesteps.")
    loop = _python_loop if unroll or state.graph is None else _while_loop
    structure, last, outputs, flat_states = loop(step, flat_inputs, masks, flat_states, zero_output_for_mask,
                                                 return_all_outputs)
    if not time_major:
        outputs = [_swap_batch_and_time(o) for o in outputs]
    return (nest.pack_sequence_as(structure, last), nest.pack_sequence_as(structure, outputs),
            nest.pack_sequence_as(initial_states, flat_states))


def _swap_batch_and_time(x):
    rank = x.shape.rank
    return array_ops.transpose(x, [1, 0] + list(range(2, rank)))


def _time_major_mask(mask, time_major):
    """The mask as booleans [time, batch] (a trailing axis of size 1 dropped)."""
    mask = cast.cast(convert_to_tensor(mask), "bool")
    if mask.shape.rank == 3:
        mask = array_ops.squeeze(mask, [2])
    return mask if time_major else array_ops.transpose(mask, [1, 0])


def _apply_mask(keep, outputs, held, states, new_states):
    """The step's outputs and states after masking: where `keep` [batch] is false, `held` (the previous
    outputs, or zeros) and the previous states. `keep` is reshaped once per rank of the tensors it masks."""
    shaped = {}

    def masked(new, old):
        rank = new.shape.rank
        if rank not in shaped:
            shaped[rank] = array_ops.reshape(keep, [-1] + [1] * (rank - 1)) if rank > 1 else keep
        return comparison.where(shaped[rank], new, old)
    return [masked(o, h) for o, h in zip(outputs, held)], [masked(n, s) for n, s in zip(new_states, states)]


def _python_loop(step, flat_inputs, masks, states, zero_output_for_mask, return_all_outputs):
    """The steps one after another in Python (eager calls, and `unroll`)."""
    count = flat_inputs[0].shape[0]
    if count is None:
        count = int(array_ops.shape(flat_inputs[0])[0])
    if count == 0:
        raise ValueError("rnn: the inputs have no time steps")
    per_step = [join_split.unstack(x, num=count) for x in flat_inputs]
    mask_steps = None if masks is None else join_split.unstack(masks, num=count)
    collected, previous, zeros, structure = [], None, None, None
    for t in range(count):
        outputs, structure, new_states = step([x[t] for x in per_step], states)
        if mask_steps is not None:
            zeros = zeros or [creation.zeros_like(o) for o in outputs]
            held = zeros if zero_output_for_mask else previous or zeros
            outputs, new_states = _apply_mask(mask_steps[t], outputs, held, states, new_states)
        previous, states = outputs, new_states
        if return_all_outputs or not collected:
            collected.append(outputs)
        else:
            collected[0] = outputs
    stacked = [join_split.stack(list(column), axis=0) for column in zip(*collected)]
    return structure, previous, stacked, states


def _while_loop(step, flat_inputs, masks, states, zero_output_for_mask, return_all_outputs):
    """One `while_loop` over the steps (a traced call). The outputs go into buffers of fixed shape, one
    row per step (a loop variable whose shape changed would have no gradient inside a traced function);
    the step is traced once before the loop on the first input to learn the outputs' shapes (that copy
    is dead code the optimizer removes)."""
    count = array_ops.shape(flat_inputs[0])[0]
    probe, structure, _ = step([x[0] for x in flat_inputs], states)
    batch = array_ops.shape(flat_inputs[0])[1]
    shapes = [_shape_without_probe(o, batch) for o in probe]
    rows = count if return_all_outputs else 0
    buffers = [creation.zeros(join_split.stack([rows, *shape]), o.dtype) for o, shape in zip(probe, shapes)]
    zeros = [creation.zeros(join_split.stack(shape), o.dtype) for o, shape in zip(probe, shapes)]

    def body(t, previous, buffers, states):
        outputs, _, new_states = step([gather_scatter.gather(x, t) for x in flat_inputs], states)
        if masks is not None:
            outputs, new_states = _apply_mask(gather_scatter.gather(masks, t), outputs,
                                              zeros if zero_output_for_mask else previous, states, new_states)
        if return_all_outputs:
            index = array_ops.reshape(t, [1, 1])
            buffers = [gather_scatter.tensor_scatter_nd_update(b, index, array_ops.expand_dims(o, 0))
                       for b, o in zip(buffers, outputs)]
        return t + 1, list(outputs), list(buffers), list(new_states)

    loop_vars = (constant(0, "int32"), zeros, buffers, list(states))
    _, last, buffers, states = control_flow.while_loop(lambda t, *rest: t < count, body, loop_vars)
    outputs = buffers if return_all_outputs else [array_ops.expand_dims(o, 0) for o in last]
    return structure, list(last), list(outputs), list(states)


def _shape_without_probe(output, batch):
    """The shape of a step's output as sizes that do not depend on computing it: the static sizes, the
    batch size of the inputs first."""
    sizes = output.shape.as_list()
    return [batch if i == 0 and size is None else size if size is not None else array_ops.shape(output)[i]
            for i, size in enumerate(sizes)]

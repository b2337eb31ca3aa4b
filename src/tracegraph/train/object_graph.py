"""The object graph a checkpoint saves: which objects hold which, under which names.

As in TF, a checkpoint key is the attribute path from the `Checkpoint` to a variable
(`model/_layers/0/kernel/.ATTRIBUTES/VARIABLE_VALUE`). The children of an object are:

- a `tg.Module` (and so a Keras metric): its attributes holding Modules, Variables or containers
  of them, in assignment order (as TF), public names before private ones (so a metric's `total`
  is not saved as `_variables/0`), minus `_TRACKING_IGNORED`;
- a Keras layer or model: first its `add_weight` weights under the names given to `add_weight`
  (`kernel`; a repeated name gets `_1`, `_2`, ...), so a weight created after a restore is found
  under the same name; then its attributes as a Module's, minus the layer's bookkeeping attributes
  and the metrics `compile` gives a model (Keras 3 does not checkpoint them either);
- a Keras optimizer: `_iterations` and `_learning_rate`, its other attributes as a Module's but
  without the variables it made: the slots hang from the model variable they belong to (see
  `slot_edges`), other variables (Nadam's `u_product`) are `_variables/<their add_variable name>`;
- a list or tuple: its items (`0`, `1`, ...); a dict: its values under `str(key)`, sorted;
- any other object that defines `_checkpoint_children()` (the protocol for new kinds, such as a
  dataset iterator): the {name: child} dict it returns. If it also defines `_checkpoint_restored()`,
  a restore calls it once the values of those children are assigned.

An object reachable along several paths is one node; its key is the first path of a
breadth-first walk.
"""
import collections

from .. import nest
from ..keras.layers import base as layer_base
from ..keras.metrics.metric import Metric
from ..keras.optimizers.base import Optimizer
from ..module import Module
from ..variable_base import is_variable

__all__ = ["children", "extra_name", "find_slot", "is_trackable", "is_optimizer", "slot_edges", "slot_path", "walk",
           "VARIABLE_SUFFIX", "SLOT_MARK"]

#: What follows a variable's attribute path in its key (TF's suffix).
VARIABLE_SUFFIX = "/.ATTRIBUTES/VARIABLE_VALUE"
#: What joins a model variable's path and its optimizer's in a slot's key (TF's mark).
SLOT_MARK = "/.OPTIMIZER_SLOT/"
# An optimizer's attributes that list its variables again (the slots among them).
_OPTIMIZER_LISTS = frozenset({"_slots", "_variables"})
_EXTRAS = "_variables"


def is_trackable(value):
    """True for what a checkpoint can hold: Variables, Modules, checkpoints, and containers of them."""
    if is_variable(value) or isinstance(value, Module) or hasattr(value, "_checkpoint_children"):
        return True
    if isinstance(value, (list, tuple, dict)):
        return any(is_trackable(leaf) for leaf in _items(value).values())
    return False


def children(obj):
    """`obj`'s children as an ordered {name: child} dict (see the module's docstring)."""
    if is_variable(obj):
        return {}
    if hasattr(obj, "_checkpoint_children"):
        return obj._checkpoint_children()
    if isinstance(obj, (list, tuple, dict)):
        return {name: value for name, value in _items(obj).items() if is_trackable(value)}
    if not isinstance(obj, Module):
        return {}
    is_layer = isinstance(obj, layer_base.Layer)
    found = _weights_by_name(obj) if is_layer else {}
    for name, value in _attributes(obj):
        if is_trackable(value) and not (is_layer and isinstance(value, Metric)):
            found.setdefault(name, value)
    if isinstance(obj, Optimizer):
        found.update(_optimizer_extras(obj))
    return found


def _items(container):
    if isinstance(container, dict):
        return {str(key): container[key] for key in sorted(container, key=str)}
    return {str(index): value for index, value in enumerate(container)}


def _weights_by_name(layer):
    named, uses = {}, collections.Counter()
    for weight in layer._own_weights:
        base = weight.name
        name = base if not uses[base] else f"{base}_{uses[base]}"
        uses[base] += 1
        named[name] = weight
    return named


def _attributes(module):
    """(name, value) of the attributes a walk enters: public names first, each group in assignment order."""
    ignored = set(module._TRACKING_IGNORED)
    if isinstance(module, layer_base.Layer):
        ignored |= layer_base._UNTRACKED_ATTRIBUTES
    listed = set()
    if isinstance(module, Optimizer):
        ignored |= _OPTIMIZER_LISTS
        listed = {id(v) for v in module._variables} - {id(module._iterations), id(module._learning_rate)}
    attributes = vars(module)
    names = [n for n in attributes if n not in ignored]
    for name in sorted(names, key=lambda n: n.startswith("_")):  # stable: assignment order within each
        value = attributes[name]
        if listed and _only_listed(value, listed):
            continue
        yield name, value


def _optimizer_extras(optimizer):
    """The optimizer's own variables other than the step count, the learning rate and the slots
    (Nadam's `u_product`), as `_variables/<name given to add_variable>`. Keyed by that name, not by
    the attribute it is set to, because a waiting restore must find it as soon as it is made (and
    the attribute is set after), and not by position, which slots still being made would shift."""
    slots = {id(v) for slot_list in optimizer._slots.values() for v in slot_list}
    named = {id(optimizer._iterations), id(optimizer._learning_rate)}
    extras = {}
    for variable in optimizer._variables:
        if id(variable) not in slots and id(variable) not in named:
            extras.setdefault(extra_name(optimizer, variable), variable)
    return extras


def extra_name(optimizer, variable):
    """`_variables/<name>` for a variable `optimizer` made (`nadam/u_product:0` -> `_variables/u_product`)."""
    prefix = optimizer._scope_name
    name = variable.name[len(prefix):] if variable.name.startswith(prefix) else variable.name
    return f"{_EXTRAS}/{name.rsplit(':', 1)[0]}"


def _only_listed(value, listed_ids):
    leaves = nest.flatten(value) if isinstance(value, (list, tuple, dict)) else [value]
    return bool(leaves) and all(id(leaf) in listed_ids for leaf in leaves)


def walk(root):
    """The object graph below `root`, breadth first: a list of (object, path, {name: index}) whose
    index 0 is `root` (path "") and whose name->index maps give each node's children."""
    nodes, index_of = [(root, "", {})], {id(root): 0}
    queue = collections.deque([0])
    while queue:
        obj, path, edges = nodes[queue.popleft()]
        for name, child in children(obj).items():
            if id(child) not in index_of:
                index_of[id(child)] = len(nodes)
                nodes.append((child, f"{path}/{name}" if path else name, {}))
                queue.append(index_of[id(child)])
            edges[name] = index_of[id(child)]
    return nodes


def slot_edges(nodes):
    """The slot variables of the optimizers among `nodes`: a list of (optimizer index, slot name,
    model variable index or None, position of the model variable in the optimizer, slot)."""
    index_of = {id(obj): i for i, (obj, _, _) in enumerate(nodes)}
    edges = []
    for optimizer_index, (optimizer, _, _) in enumerate(nodes):
        if not isinstance(optimizer, Optimizer):
            continue
        for slot_name, slot_list in optimizer._slots.items():
            for position, slot in enumerate(slot_list):
                variable = optimizer._trainable_variables[position]
                edges.append((optimizer_index, slot_name, index_of.get(id(variable)), position, slot))
    return edges


def slot_path(nodes, optimizer_node, slot_name, variable_node, position):
    """A slot's path: `<model variable's path>/.OPTIMIZER_SLOT/<optimizer's path>/<slot name>` (TF's
    scheme), or, for a model variable outside the graph, its position in the optimizer instead."""
    optimizer_path = nodes[optimizer_node][1]
    owner = (nodes[variable_node][1] if variable_node is not None
             else f"{optimizer_path}/.SLOTS_BY_POSITION/{position}")
    return f"{owner}{SLOT_MARK}{optimizer_path}/{slot_name}"


def is_optimizer(obj):
    """True for a Keras optimizer (whose slots and own variables are keyed specially)."""
    return isinstance(obj, Optimizer)


def find_slot(optimizer, slot_name, variable=None, position=None):
    """The slot `slot_name` of `optimizer` for `variable` (or for its `position`), or None."""
    if not isinstance(optimizer, Optimizer) or slot_name not in optimizer._slots:
        return None
    if variable is not None:
        position = optimizer._var_index.get(id(variable))
    slot_list = optimizer._slots[slot_name]
    return slot_list[position] if position is not None and position < len(slot_list) else None

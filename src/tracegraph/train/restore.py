"""Restoring a checkpoint into live objects, now and (deferred) as their variables are created.

A `Restoration` matches the checkpoint's object graph to the objects reachable from the
`Checkpoint` by name, from the root down. A value whose object exists is assigned at once;
one whose object does not exist yet (an unbuilt layer's kernel, an optimizer's slot before its
first step) is read into memory and assigned when the object creates it: the restoration waits
on the object through `tracegraph.restoration`, which `Layer.add_weight` and the optimizer's
slot creation notify.

The restoration refers to the objects weakly: while it waits it is held by the waiting room, and
a strong reference would keep a model that is never built (and the values kept for it) alive.
"""
import collections
import weakref

import numpy as np

from .. import restoration as waiting_room
from ..ops.state_ops import init_scope
from ..variable_base import is_variable
from . import checkpoint_file
from .object_graph import children, extra_name, find_slot, is_optimizer

__all__ = ["Restoration"]


def _dead():
    return None


def _weak(obj):
    """A weak reference to `obj`; lists and dicts (which cannot have one) read as gone."""
    try:
        return weakref.ref(obj)
    except TypeError:
        return _dead


class Restoration:
    """The restore of the checkpoint described by `index` (from `checkpoint_file.read_index`)."""

    def __init__(self, index):
        self.index = index
        self.entries = {entry["node"]: entry for entry in index["variables"]}
        self.bound = {}            # node -> weak reference to the object bound to it
        self.unresolved = {}       # id(owner) -> (weak owner, {child name: child node}): not there yet
        self.unresolved_slots = list(index["slots"])
        self._slots_of = collections.defaultdict(list)   # variable node -> its slot edges
        for edge in index["slots"]:
            self._slots_of[edge["variable"]].append(edge)
        self.values = {}           # node -> array read for a variable not created yet
        self._waiting_on = set()   # ids of the owners the waiting room knows of
        self._signatures = {}      # id(owner) -> `_signature(owner)` when its children were last found
        self._slot_sizes = {}      # id(optimizer) -> the sizes of its slot lists at the last look
        self._variables_seen = {}  # id(optimizer) -> how many of its `_variables` were looked at
        self._to_notify = []       # objects bound in this pass that want `_checkpoint_restored()`

    def bound_objects(self):
        """The objects (still alive) that got a node of the checkpoint."""
        return [obj for obj in (ref() for ref in self.bound.values()) if obj is not None]

    def pending_keys(self):
        """Keys of the checkpoint's values not assigned to any variable (yet)."""
        return [entry["key"] for node, entry in self.entries.items() if node not in self.bound]

    # ----- the first pass ----------------------------------------------------------------------

    def run(self, root):
        """Bind what exists below `root`, assign its values, keep the values of what does not exist yet."""
        newly_bound = self._bind(0, root)
        newly_bound += self._resolve_slots()
        later = self._nodes_waited_for()
        wanted = [self.entries[n] for n, _ in newly_bound] + [self.entries[n] for n in later]
        arrays = checkpoint_file.read_arrays(self.index, wanted)
        self.values = {n: arrays[self.entries[n]["key"]] for n in later}
        for node, variable in newly_bound:
            self._assign(variable, self.entries[node], arrays[self.entries[node]["key"]])
        self._notify()
        self._wait()

    def _notify(self):
        """Tell the objects bound in this pass that define `_checkpoint_restored()` that their
        children's values are in (an object keeping state outside Variables re-reads them then)."""
        objects, self._to_notify = self._to_notify, []
        for obj in objects:
            obj._checkpoint_restored()

    def _bind(self, node, obj):
        """Bind `node` to `obj` and the checkpoint's children of `node` to `obj`'s, breadth first;
        returns the (node, variable) pairs bound."""
        pairs, queue = [], collections.deque([(node, obj)])
        while queue:
            node, obj = queue.popleft()
            if node in self.bound:
                continue
            self._check_kind(node, obj)
            self.bound[node] = _weak(obj)
            if hasattr(obj, "_checkpoint_restored"):
                self._to_notify.append(obj)
            if node in self.entries:
                pairs.append((node, obj))
            edges = self.index["nodes"][node]["children"]
            if edges:
                present = children(obj)
                for name, child_node in edges.items():
                    if name in present:
                        queue.append((child_node, present[name]))
                    else:
                        self.unresolved.setdefault(id(obj), (_weak(obj), {}))[1][name] = child_node
                        if is_optimizer(obj):
                            self._variables_seen[id(obj)] = len(obj._variables)
        return pairs

    def _check_kind(self, node, obj):
        if (node in self.entries) != is_variable(obj):
            saved = "a variable" if node in self.entries else "an object holding variables"
            key = self.entries[node]["key"] if node in self.entries else self.index["nodes"][node]["key"]
            raise ValueError(f"{self.index['path']}: {key!r} is {saved} in the checkpoint, but the object "
                             f"restored into it is {type(obj).__name__}")

    def _object(self, node):
        ref = self.bound.get(node)
        return ref() if ref is not None else None

    def _resolve_slots(self):
        pairs, remaining = [], []
        for edge in self.unresolved_slots:
            optimizer = self._object(edge["optimizer"])
            variable = self._object(edge["variable"]) if edge["variable"] is not None else None
            slot = None
            if optimizer is not None and (variable is not None or edge["variable"] is None):
                slot = find_slot(optimizer, edge["name"], variable, edge["position"])
            if slot is None:
                remaining.append(edge)
            else:
                pairs += self._bind(edge["node"], slot)
        self.unresolved_slots = remaining
        return pairs

    def _nodes_waited_for(self):
        """The variable nodes below unresolved edges and slots: their values are kept for later."""
        stack = [child for _, edges in self.unresolved.values() for child in edges.values()]
        stack += [e["node"] for e in self.unresolved_slots]
        found, seen = [], set()
        while stack:
            node = stack.pop()
            if node in seen or node in self.bound:
                continue
            seen.add(node)
            if node in self.entries:
                found.append(node)
            stack.extend(self.index["nodes"][node]["children"].values())
            stack.extend(e["node"] for e in self._slots_of.get(node, ()))
        return found

    # ----- deferred restoration ----------------------------------------------------------------

    def _wait(self):
        """Wait on every owner with a missing child and every bound optimizer with missing slots;
        stop waiting when nothing is missing."""
        owners = [ref() for ref, _ in self.unresolved.values()]
        owners += [self._object(node) for node in {e["optimizer"] for e in self.unresolved_slots}]
        for owner in owners:
            if owner is not None and id(owner) not in self._waiting_on and _can_wait_on(owner):
                self._waiting_on.add(id(owner))
                waiting_room.wait_for_variables(owner, self._on_variables_created)
        if not self.unresolved and not self.unresolved_slots:
            waiting_room.stop_waiting(self._on_variables_created)

    def _on_variables_created(self, creator):
        """Bind the objects that now exist and assign the values kept for them.

        A creator this restoration waits on (a layer making its weights) is the only owner looked
        at again. Any other creator may be new to the graph (an optimizer `compile` set on a model, a
        sub-layer made in `build`), so then every owner is. An owner is walked again only if its
        attributes, weights, slots or variables differ from the last look.
        """
        known_creator = id(creator) in self._waiting_on
        if known_creator:
            owners = [(id(creator), self.unresolved[id(creator)])] if id(creator) in self.unresolved else []
        else:
            owners = list(self.unresolved.items())
        newly_bound = []
        for key, (ref, edges) in owners:
            owner = ref()
            if owner is None:
                continue
            if owner is creator and is_optimizer(owner) and all(n.startswith("_variables/") for n in edges):
                present = self._new_extras(owner)  # one look per variable made, not a walk of them all
            else:
                signature = _signature(owner)
                if self._signatures.get(key) == signature:
                    continue
                self._signatures[key] = signature
                present = children(owner)
            for name in [name for name in edges if name in present or edges[name] in self.bound]:
                child_node = edges.pop(name)
                if child_node not in self.bound:
                    newly_bound += self._bind(child_node, present[name])
            if not edges:
                self.unresolved.pop(key, None)
        if self.unresolved_slots and (not known_creator or self._slots_changed(creator)):
            newly_bound += self._resolve_slots()
        for node, variable in newly_bound:
            self._assign(variable, self.entries[node], self.values.pop(node))
        self._notify()
        if newly_bound or not known_creator:
            self._wait()

    def _new_extras(self, optimizer):
        """{name: variable} of the variables `optimizer` made since the last look (slots being made
        among them: their names never match an extra's)."""
        start = self._variables_seen.get(id(optimizer), 0)
        self._variables_seen[id(optimizer)] = len(optimizer._variables)
        return {extra_name(optimizer, v): v for v in optimizer._variables[start:]}

    def _slots_changed(self, creator):
        """Whether `creator` (an optimizer) registered new slots since the last look: slots are
        made one by one but registered together, so most notifications need no search."""
        slots = getattr(creator, "_slots", None)
        if not isinstance(slots, dict):
            return False
        sizes = tuple(map(len, slots.values()))
        changed = self._slot_sizes.get(id(creator)) != sizes
        self._slot_sizes[id(creator)] = sizes
        return changed

    # ----- values ------------------------------------------------------------------------------

    def _assign(self, variable, entry, array):
        if variable.dtype.name != entry["dtype"] or list(variable.shape.as_list()) != list(entry["shape"]):
            raise ValueError(f"{self.index['path']}: {entry['key']!r} holds a {entry['dtype']} value of shape "
                             f"{tuple(entry['shape'])}, but the variable restored into it is {variable.dtype.name} "
                             f"of shape {tuple(variable.shape.as_list())}")
        current = variable._array
        if isinstance(current, np.ndarray) and current.dtype == array.dtype:
            variable._assign_array(array)  # a fresh array nobody else holds: no copy needed
        else:
            with init_scope():
                variable.assign(array)


def _signature(owner):
    """What changes when `owner` gets new children: its attributes' values, weights and slots."""
    slots = getattr(owner, "_slots", None)
    return (tuple(map(id, vars(owner).values())), len(getattr(owner, "_own_weights", ())),
            tuple(map(len, slots.values())) if isinstance(slots, dict) else (),
            len(getattr(owner, "_variables", ())))


def _can_wait_on(owner):
    """Only objects (not lists or dicts) can be waited on: they are the ones that create variables."""
    return not isinstance(owner, (list, tuple, dict))

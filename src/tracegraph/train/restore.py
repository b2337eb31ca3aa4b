"""Restoring a checkpoint into live objects, now and (deferred) as their variables are created.

A `Restoration` matches the checkpoint's object graph to the objects reachable from the
`Checkpoint` by name, from the root down. A value whose object exists is assigned at once;
one whose object does not exist yet (an unbuilt layer's kernel, an optimizer's slot before its
first step) is read into memory and assigned when the object creates it: the restoration waits
on the object through `tracegraph.restoration`, which `Layer.add_weight` and the optimizer's
slot creation notify.
"""
import numpy as np

from .. import restoration as waiting_room
from ..ops.state_ops import init_scope
from ..variable_base import is_variable
from . import checkpoint_file
from .object_graph import children, find_slot

__all__ = ["Restoration"]


class Restoration:
    """The restore of the checkpoint described by `index` into the object graph of `root`."""

    def __init__(self, index, root):
        self.index = index
        self.root = root
        self.entries = {entry["node"]: entry for entry in index["variables"]}
        self.bound = {}            # node -> object
        self.unresolved = []       # (owner, child name, child node): the owner has no such child yet
        self.unresolved_slots = list(index["slots"])
        self.values = {}           # node -> array read for a variable not created yet
        self._waiting_on = set()   # ids of the owners a callback waits on

    # ----- the first pass ----------------------------------------------------------------------

    def run(self):
        """Bind what exists, assign its values, keep the values of what does not exist yet."""
        newly_bound = self._bind(0, self.root)
        newly_bound += self._resolve_slots()
        later = self._nodes_waited_for()
        wanted = [self.entries[n] for n, _ in newly_bound] + [self.entries[n] for n in later]
        arrays = checkpoint_file.read_arrays(self.index, wanted)
        self.values = {n: arrays[self.entries[n]["key"]] for n in later}
        for node, variable in newly_bound:
            self._assign(variable, self.entries[node], arrays[self.entries[node]["key"]])
        self._wait()

    def _bind(self, node, obj):
        """Bind `node` to `obj` and the checkpoint's children of `node` to `obj`'s, breadth first;
        returns the (node, variable) pairs bound."""
        pairs, queue = [], [(node, obj)]
        while queue:
            node, obj = queue.pop(0)
            if node in self.bound:
                continue
            self._check_kind(node, obj)
            self.bound[node] = obj
            if node in self.entries:
                pairs.append((node, obj))
            edges = self.index["nodes"][node]["children"]
            if edges:
                present = children(obj)
                for name, child_node in edges.items():
                    if name in present:
                        queue.append((child_node, present[name]))
                    else:
                        self.unresolved.append((obj, name, child_node))
        return pairs

    def _check_kind(self, node, obj):
        if (node in self.entries) != is_variable(obj):
            saved = "a variable" if node in self.entries else "an object holding variables"
            raise ValueError(f"{self.index['path']}: {self._key(node)!r} is {saved} in the checkpoint, but the "
                             f"object restored into it is {type(obj).__name__}")

    def _key(self, node):
        entry = self.entries.get(node)
        return entry["key"] if entry else self.index["nodes"][node]["key"]

    def _resolve_slots(self):
        pairs, remaining = [], []
        for edge in self.unresolved_slots:
            optimizer = self.bound.get(edge["optimizer"])
            variable = self.bound.get(edge["variable"]) if edge["variable"] is not None else None
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
        stack = [child for _, _, child in self.unresolved] + [e["node"] for e in self.unresolved_slots]
        found, seen = [], set()
        while stack:
            node = stack.pop()
            if node in seen or node in self.bound:
                continue
            seen.add(node)
            if node in self.entries:
                found.append(node)
            stack.extend(self.index["nodes"][node]["children"].values())
            stack.extend(e["node"] for e in self.index["slots"] if e["variable"] == node)
        return found

    # ----- deferred restoration ----------------------------------------------------------------

    def _wait(self):
        """Wait on every owner with a missing child and every bound optimizer with missing slots."""
        owners = [owner for owner, _, _ in self.unresolved]
        owners += [self.bound[e["optimizer"]] for e in self.unresolved_slots if e["optimizer"] in self.bound]
        for owner in owners:
            if id(owner) not in self._waiting_on and _can_wait_on(owner):
                self._waiting_on.add(id(owner))
                waiting_room.wait_for_variables(owner, self._on_variables_created)
        if not self.unresolved and not self.unresolved_slots:
            waiting_room.stop_waiting(self._on_variables_created)

    def _on_variables_created(self):
        """Bind the objects that now exist and assign the values kept for them."""
        newly_bound, present = [], {}
        edges, self.unresolved = self.unresolved, []  # `_bind` adds the edges still missing below
        for edge in edges:
            owner, name, child_node = edge
            if id(owner) not in present:
                present[id(owner)] = children(owner)
            if name in present[id(owner)] and child_node not in self.bound:
                newly_bound += self._bind(child_node, present[id(owner)][name])
            elif child_node not in self.bound:
                self.unresolved.append(edge)
        newly_bound += self._resolve_slots()
        for node, variable in newly_bound:
            self._assign(variable, self.entries[node], self.values.pop(node))
        self._wait()

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

    def pending_keys(self):
        """Keys of the checkpoint's values not assigned to any variable (yet)."""
        return [entry["key"] for node, entry in self.entries.items() if node not in self.bound]


def _can_wait_on(owner):
    """Only objects (not lists or dicts) can be waited on: they are the ones that create variables."""
    return not isinstance(owner, (list, tuple, dict))

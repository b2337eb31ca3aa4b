"""Overlapping asynchronous work with the rest of the graph.

A node whose op has a `split` facet (a collective all-reduce) becomes two: a start, moved up to just
after the last node its inputs need, and a finish, moved down to just before the first node that uses
its results. The work runs in the background in between.

A data-parallel training step is the case in point. The backward pass produces the gradients of the
last layers first. A bucket of gradients starts its all-reduce as soon as they all exist, and moves them
while the rest of the backward pass runs; the optimizer waits only where it needs the sums.

This is the one pass that moves stateful nodes, for these reasons:
- A start reads nothing but its inputs, so moving it up past variable reads and writes changes nothing
  that they see.
- The starts keep their order among themselves, because every replica must begin its collectives in
  the same order.
- A finish never moves past a node that uses its results.
"""
from .. import dtypes
from ..ir.graph import Node
from ..spec import TensorSpec

__all__ = ["overlap_asynchronous"]


def overlap_asynchronous(graph):
    """`graph` with each splittable node split into a start placed early and a finish placed late."""
    if not any(node.op.split is not None for node in graph.nodes):
        return graph.copy_structure(graph.nodes)
    return graph.copy_structure(_Schedule(graph).nodes)


class _Schedule:
    """The new node order, built in one walk over the old one."""

    def __init__(self, graph):
        self.graph = graph
        self.producer = graph.producers()
        self.ready = set()       # ids of values produced by a node already placed
        self.starts = [n for n in graph.nodes if n.op.split is not None]  # yet to place, in their order
        self.finishes = {}       # id(output value) -> the finish node producing it, not placed yet
        self.unfinished = []     # finish nodes not placed yet, in the order of their starts
        self.nodes = []
        self._place_ready_starts()
        for node in graph.nodes:
            if node.op.split is None:
                self._place(node)
            else:
                self._start_by_now(node)
        while self.unfinished:
            self._place_finish(self.unfinished[0])

    def _place(self, node):
        for value in node.inputs:
            self._finish_producing(value)
        self.nodes.append(node)
        self.ready.update(id(v) for v in node.outputs)
        self._place_ready_starts()

    def _start_by_now(self, node):
        """The walk reached the splittable `node`: its start, and the starts before it, are placed now
        (after the finishes of the collectives they take results from)."""
        while node in self.starts:
            for value in self.starts[0].inputs:
                self._finish_producing(value)
            self._place_ready_starts()

    def _finish_producing(self, value):
        finish = self.finishes.get(id(value))
        if finish is not None:
            self._place_finish(finish)

    def _is_ready(self, value):
        return id(value) not in self.producer or id(value) in self.ready

    def _place_ready_starts(self):
        while self.starts and all(self._is_ready(v) for v in self.starts[0].inputs):
            self._place_start(self.starts.pop(0))

    def _place_start(self, node):
        start_op, finish_op = node.op.split
        handle = self.graph.new_value(TensorSpec((), dtypes.int64))
        self.nodes.append(Node(start_op, node.inputs, node.attrs, [handle], node.defined_at))
        finish = Node(finish_op, [handle, *node.inputs], node.attrs, node.outputs, node.defined_at)
        self.unfinished.append(finish)
        self.finishes.update((id(v), finish) for v in node.outputs)

    def _place_finish(self, finish):
        if finish not in self.unfinished:
            return
        self.unfinished.remove(finish)
        self.nodes.append(finish)
        self.ready.update(id(v) for v in finish.outputs)
        self._place_ready_starts()

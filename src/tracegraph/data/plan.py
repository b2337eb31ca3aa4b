"""Index plans: datasets whose elements are rows of source arrays, picked by index arithmetic.

`from_tensor_slices(arrays)` followed by any of `shuffle`, `take`, `skip`, `repeat`, `shard` and
row-wise `map`s never needs to look at one element at a time: a pass is a sequence of row
indices into the source arrays (produced chunk by chunk, so `repeat()` may be endless), and the
maps apply to many rows at once. `batch` gathers each batch with one `take` per array;
element-wise iteration gathers blocks of rows and hands out views.
"""
import numpy as np

__all__ = ["IndexPlan", "BLOCK_ROWS"]

#: Rows gathered (and mapped) at once when a plan is iterated element by element.
BLOCK_ROWS = 1024


class IndexPlan:
    """Source `arrays` (equal first dimensions), `chunks()` giving one pass's row indices as a
    sequence of int64 arrays, and row-wise `maps` (components -> components, any number of rows)."""

    __slots__ = ("arrays", "chunks", "maps", "rows_total")

    def __init__(self, arrays, chunks, maps=()):
        self.arrays, self.chunks, self.maps = tuple(arrays), chunks, tuple(maps)
        self.rows_total = len(self.arrays[0]) if self.arrays else 0

    def with_chunks(self, chunks):
        """The same rows and maps, picked by another index sequence."""
        return IndexPlan(self.arrays, chunks, self.maps)

    def with_map(self, batch_map):
        """These rows with one more row-wise map applied."""
        return IndexPlan(self.arrays, self.chunks, self.maps + (batch_map,))

    def rows(self, index):
        """The components of the rows at `index` (an int array, or a slice), with the maps applied."""
        if isinstance(index, slice):
            components = tuple(a[index] for a in self.arrays)
        else:
            components = tuple(a.take(index, axis=0) for a in self.arrays)
        for batch_map in self.maps:
            components = batch_map(components)
        return components

    def indices(self):
        """One pass's indices as a single array (for finite passes)."""
        chunks = list(self.chunks())
        return np.concatenate(chunks) if chunks else np.zeros(0, np.int64)

    def elements(self):
        """One pass, element by element: rows gathered a block at a time, each element a tuple of views."""
        for chunk in self.chunks():
            for start in range(0, len(chunk), BLOCK_ROWS):
                index = chunk[start:start + BLOCK_ROWS]
                block = self.rows(_as_slice(index))
                for i in range(len(index)):
                    yield tuple([a[i, ...] for a in block])


def _as_slice(index):
    """A contiguous ascending index as a slice (a view instead of a copy), else the index itself."""
    n = len(index)
    if n and index[-1] - index[0] == n - 1 and bool(np.all(np.diff(index) == 1)):
        return slice(int(index[0]), int(index[0]) + n)
    return index

"""`iter(dataset)`: an iterator over one pass, handing out structures of tensors."""
from .base import register
from ..errors import OutOfRangeError

__all__ = ["Iterator"]


@register("iterator")
class Iterator:
    """An iterator over one pass of a dataset (TF's `OwnedIterator`): `next(it)` and `it.get_next()`."""

    def __init__(self, dataset):
        self._dataset = dataset
        self._stream = dataset._stream()
        self._pack = dataset._packer.pack

    @property
    def element_spec(self):
        """The dataset's element spec."""
        return self._dataset.element_spec

    def __iter__(self):
        return self

    def __next__(self):
        return self._pack(next(self._stream))

    def get_next(self):
        """The next element; OutOfRangeError at the end (as TF's `get_next`)."""
        components = next(self._stream, None)
        if components is None:
            raise OutOfRangeError("End of sequence")
        return self._pack(components)

    def __repr__(self):
        return f"<tg.data.Iterator element_spec={self.element_spec}>"

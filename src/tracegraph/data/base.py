"""`tg.data.Dataset`: the base class, its public methods and the protocol every dataset implements.

A dataset implements:

- `element_spec`: a structure of type specs (see `structure.py`);
- `_stream()`: a fresh Python iterator over one pass, yielding each element as a tuple of
  components (NumPy arrays); every call is a new pass (a new shuffle order, ...);
- `_cardinality()`: the number of elements, INFINITE_CARDINALITY or UNKNOWN_CARDINALITY;
- `_plan()` (optional): an `IndexPlan` when every element is a row of some source arrays picked
  by index arithmetic (slices, shuffles, takes, repeats, row-wise maps); `batch` then gathers whole
  batches at once instead of stacking elements one by one;
- `_inputs`: the datasets it reads (options flow from them).

The transformations live in their own modules and register their classes here by name
(`register`), so this module imports none of them.
"""
from .options import INFINITE_CARDINALITY, UNKNOWN_CARDINALITY, Options
from .structure import Packer, spec_text
from ..context import state
from ..convert import convert_to_tensor
from ..dtypes import int64
from ..tensor import SymbolicValueError

__all__ = ["Dataset", "register", "construct"]

_CONSTRUCTORS = {}


def register(name):
    """Class decorator: the dataset class (or function) that `construct(name, ...)` builds."""
    def decorate(cls):
        _CONSTRUCTORS[name] = cls
        return cls
    return decorate


def construct(name, *args, **kwargs):
    """Build the registered dataset `name` (a transformation or source)."""
    return _CONSTRUCTORS[name](*args, **kwargs)


class Dataset:
    """A sequence of elements, each a nested structure of tensors, built and transformed lazily
    (TF's `tf.data.Dataset`). Iterate it with `for element in dataset` (inside a `tg.function` too)."""

    _inputs = ()
    _tf_name = "Dataset"

    # ----- the protocol ------------------------------------------------------------------------

    @property
    def element_spec(self):
        """The type specification of an element: a structure of `TensorSpec`s and other type specs."""
        return self._element_spec

    def _stream(self):
        raise NotImplementedError

    def _cardinality(self):
        return UNKNOWN_CARDINALITY

    def _plan(self):
        return None

    @property
    def _packer(self):
        packer = self.__dict__.get("_packer_cache")
        if packer is None:
            packer = self.__dict__["_packer_cache"] = Packer(self.element_spec)
        return packer

    # ----- sources ----------------------------------------------------------------------------

    @staticmethod
    def from_tensor_slices(tensors, name=None):
        """A dataset whose elements are the slices of `tensors` along their first dimension."""
        return construct("from_tensor_slices", tensors)

    @staticmethod
    def from_tensors(tensors, name=None):
        """A dataset with `tensors` as its single element."""
        return construct("from_tensors", tensors)

    @staticmethod
    def from_generator(generator, output_types=None, output_shapes=None, args=None, output_signature=None,
                       name=None):
        """A dataset of what `generator()` (a callable returning an iterator) yields, checked against
        `output_signature` (or `output_types`/`output_shapes`)."""
        return construct("from_generator", generator, output_types, output_shapes, args, output_signature)

    @staticmethod
    def range(*args, output_type=int64, name=None):
        """`range(stop)`, `range(start, stop[, step])` as a dataset of scalars (int64 by default)."""
        return construct("range", *args, output_type=output_type)

    @staticmethod
    def zip(*datasets, name=None):
        """A dataset of tuples (or the given structure) of the elements of `datasets`, ending with the shortest."""
        return construct("zip", datasets[0] if len(datasets) == 1 else datasets)

    @staticmethod
    def list_files(file_pattern, shuffle=None, seed=None, name=None):
        """The file names matching the glob pattern(s), as strings (shuffled unless `shuffle=False`)."""
        return construct("list_files", file_pattern, shuffle, seed)

    # ----- transformations --------------------------------------------------------------------

    def map(self, map_func, num_parallel_calls=None, deterministic=None, name=None):
        """A dataset of `map_func(element)` (a tuple element is spread over the arguments), traced once
        as a `tg.function`; `num_parallel_calls` maps elements on a thread pool."""
        return construct("map", self, map_func, num_parallel_calls, deterministic)

    def filter(self, predicate, name=None):
        """The elements for which `predicate(element)` is true (a scalar bool tensor)."""
        return construct("filter", self, predicate)

    def batch(self, batch_size, drop_remainder=False, num_parallel_calls=None, deterministic=None, name=None):
        """Consecutive elements stacked into batches of `batch_size` (the last one smaller unless
        `drop_remainder`)."""
        return construct("batch", self, batch_size, drop_remainder)

    def padded_batch(self, batch_size, padded_shapes=None, padding_values=None, drop_remainder=False, name=None):
        """Like `batch`, padding each component to `padded_shapes` (None dims: the longest in the batch)."""
        return construct("padded_batch", self, batch_size, padded_shapes, padding_values, drop_remainder)

    def unbatch(self, name=None):
        """The rows of each element (the inverse of `batch`)."""
        return construct("unbatch", self)

    def rebatch(self, batch_size, drop_remainder=False, name=None):
        """The rows of the batches regrouped into batches of `batch_size`."""
        return construct("rebatch", self, batch_size, drop_remainder)

    def shuffle(self, buffer_size, seed=None, reshuffle_each_iteration=None, name=None):
        """Elements in random order from a buffer of `buffer_size` (TF's buffer shuffle: an element
        leaves at most `buffer_size - 1` places early); reshuffled on every pass unless told not to."""
        return construct("shuffle", self, buffer_size, seed, reshuffle_each_iteration)

    def repeat(self, count=None):
        """The dataset `count` times over (forever when None or -1)."""
        return construct("repeat", self, count)

    def take(self, count, name=None):
        """The first `count` elements (all of them if -1)."""
        return construct("take", self, count)

    def skip(self, count, name=None):
        """All but the first `count` elements (none if -1)."""
        return construct("skip", self, count)

    def shard(self, num_shards, index, name=None):
        """Every `num_shards`-th element, starting at `index`."""
        return construct("shard", self, num_shards, index)

    def concatenate(self, dataset, name=None):
        """This dataset's elements followed by `dataset`'s (the specs must be compatible)."""
        return construct("concatenate", self, dataset)

    def enumerate(self, start=0, name=None):
        """Pairs `(index, element)` with an int64 index counting from `start`."""
        return construct("enumerate", self, start)

    def cache(self, filename="", name=None):
        """Remember the elements of the first complete pass, in memory (`filename=""`) or in a file."""
        return construct("cache", self, filename)

    def prefetch(self, buffer_size, name=None):
        """Compute up to `buffer_size` elements ahead on a background thread (AUTOTUNE: a few)."""
        return construct("prefetch", self, buffer_size)

    def window(self, size, shift=None, stride=1, drop_remainder=False, name=None):
        """A dataset of windows, each a (structure of) dataset(s) of `size` consecutive elements."""
        return construct("window", self, size, shift, stride, drop_remainder)

    def flat_map(self, map_func, name=None):
        """The elements of the datasets `map_func(element)` returns, one after another."""
        return construct("flat_map", self, map_func)

    def interleave(self, map_func, cycle_length=None, block_length=None, num_parallel_calls=None,
                   deterministic=None, name=None):
        """The elements of the datasets `map_func(element)` returns, taken `block_length` at a time from
        `cycle_length` of them in turn."""
        return construct("interleave", self, map_func, cycle_length, block_length, num_parallel_calls)

    def scan(self, initial_state, scan_func, name=None):
        """Elements `output` of `(state, output) = scan_func(state, element)`, threading `state` through."""
        return construct("scan", self, initial_state, scan_func)

    def take_while(self, predicate, name=None):
        """The elements up to (not including) the first one for which `predicate` is false."""
        return construct("take_while", self, predicate)

    def unique(self, name=None):
        """The elements (scalars, int or string) without repeats, in first-seen order."""
        return construct("unique", self)

    def apply(self, transformation_func):
        """`transformation_func(self)`."""
        return transformation_func(self)

    def with_options(self, options, name=None):
        """This dataset with `options` (a `tg.data.Options`) merged over its own."""
        return construct("with_options", self, options)

    def options(self):
        """The options in force: those of the inputs merged with those set on this dataset."""
        merged = Options()
        for source in self._inputs:
            merged = merged.merge(source.options())
        own = getattr(self, "_own_options", None)
        return merged.merge(own) if own is not None else merged

    # ----- consuming ---------------------------------------------------------------------------

    def __iter__(self):
        """A new iterator over one pass. While tracing, only a loop AutoGraph converts can iterate a
        dataset (it becomes a graph loop): a Python iterator would freeze one pass into the graph."""
        if state.graph is not None:
            raise SymbolicValueError("Iterating a tg.data.Dataset with a Python iterator",
                                     "write `for element in dataset` in a tg.function that AutoGraph converts "
                                     "(autograph=True, the function defined in a file)")
        return construct("iterator", self)

    def _autograph_for_loop(self, body, values, extra_test):
        """`for element in dataset` inside a traced function: see `graph_loop.py`."""
        return construct("graph_for_loop", self, body, values, extra_test)

    def as_numpy_iterator(self):
        """An iterator of the elements as NumPy values (scalars as NumPy scalars, strings as bytes)."""
        packer = self._packer
        return (packer.numpy(components) for components in self._stream())

    def reduce(self, initial_state, reduce_func, name=None):
        """`state = reduce_func(state, element)` over every element, from `initial_state`; the final state."""
        return construct("reduce", self, initial_state, reduce_func)

    def get_single_element(self, name=None):
        """The one element of a dataset that has exactly one (InvalidArgumentError otherwise)."""
        from ..errors import InvalidArgumentError  # noqa: PLC0415 - only this rarely used method needs it
        stream = self._stream()
        first = next(stream, None)
        if first is None:
            raise InvalidArgumentError("Dataset was empty.")
        if next(stream, None) is not None:
            raise InvalidArgumentError("Dataset had more than one element.")
        return self._packer(first)

    def cardinality(self):
        """The number of elements as an int64 scalar tensor, or INFINITE_CARDINALITY (-1) /
        UNKNOWN_CARDINALITY (-2)."""
        return convert_to_tensor(self._cardinality(), dtype=int64)

    def __len__(self):
        """The number of elements; TypeError when it is infinite or unknown (as TF)."""
        count = self._cardinality()
        if count == INFINITE_CARDINALITY:
            raise TypeError("The dataset is infinite.")
        if count == UNKNOWN_CARDINALITY:
            raise TypeError("The dataset length is unknown.")
        return count

    def __bool__(self):
        return True

    def __repr__(self):
        return f"<{self._tf_name} element_spec={spec_text(self.element_spec)}>"

"""`tg.data.Options` and the sentinel constants (AUTOTUNE, the cardinality markers), as TF names them."""
import os

__all__ = ["AUTOTUNE", "INFINITE_CARDINALITY", "UNKNOWN_CARDINALITY", "Options", "ThreadingOptions",
           "OptimizationOptions", "parallelism"]

#: Let the pipeline choose a value (buffer sizes, parallelism), as `tf.data.AUTOTUNE`.
AUTOTUNE = -1
#: `cardinality()` of a dataset that never ends (`repeat()`, a `from_generator` that may not end is UNKNOWN).
INFINITE_CARDINALITY = -1
#: `cardinality()` when the number of elements cannot be known without iterating (`filter`, generators).
UNKNOWN_CARDINALITY = -2

#: How many elements `prefetch(AUTOTUNE)` keeps ready.
AUTOTUNE_PREFETCH = 16


def parallelism(num_parallel_calls):
    """The number of worker threads for `num_parallel_calls` (AUTOTUNE: one per core)."""
    if num_parallel_calls == AUTOTUNE:
        return max(1, _usable_cores())
    return max(1, int(num_parallel_calls))


def _usable_cores():
    """The cores this process may run on (TF's AUTOTUNE uses the schedulable CPUs too)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


class _OptionGroup:
    """Attributes with defaults; setting an unknown one is an AttributeError (TF's options are typed)."""

    _defaults = {}

    def __init__(self):
        for name, default in self._defaults.items():
            object.__setattr__(self, name, default() if callable(default) else default)

    def __setattr__(self, name, value):
        if name not in self._defaults:
            raise AttributeError(f"{type(self).__name__} has no option {name!r}; known: {sorted(self._defaults)}")
        object.__setattr__(self, name, value)

    def _merge(self, other):
        """Options set (not None) in `other` win, group by group."""
        for name in self._defaults:
            mine, theirs = getattr(self, name), getattr(other, name)
            if isinstance(mine, _OptionGroup):
                mine._merge(theirs)
            elif theirs is not None:
                object.__setattr__(self, name, theirs)

    def __eq__(self, other):
        return type(other) is type(self) and all(getattr(self, n) == getattr(other, n) for n in self._defaults)

    def __repr__(self):
        items = ", ".join(f"{n}={getattr(self, n)!r}" for n in self._defaults)
        return f"{type(self).__name__}({items})"


class ThreadingOptions(_OptionGroup):
    """`options.threading`: the size of the map thread pool (`private_threadpool_size`, 0: automatic)."""

    _defaults = {"private_threadpool_size": None, "max_intra_op_parallelism": None}


class OptimizationOptions(_OptionGroup):
    """`options.experimental_optimization`: `map_fusion` lets a map of elementwise tensor ops before a
    `batch` run once per block of rows instead of once per element (on by default, as TF's map-and-batch
    fusion); off, every element is mapped alone."""

    _defaults = {"map_fusion": None, "apply_default_optimizations": None}


class Options(_OptionGroup):
    """Options of a dataset (`dataset.with_options(options)`), TF's `tf.data.Options`.

    `deterministic`: False lets a parallel `map` hand out elements as they finish
    rather than in input order (None: deterministic).
    """

    _defaults = {"deterministic": None, "threading": ThreadingOptions,
                 "experimental_optimization": OptimizationOptions, "experimental_deterministic": None}

    def merge(self, options):
        """A new Options with `options`' set values over these."""
        merged = Options()
        merged._merge(self)
        merged._merge(options)
        return merged

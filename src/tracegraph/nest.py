"""Nested structures of lists, tuples, dicts and namedtuples (TF's `tf.nest`).

Dicts are flattened in sorted-key order, as TF does, so a structure and its
flat list can be matched up again with `pack_sequence_as`.

With `expand_composites=True`, composite values (ragged and sparse tensors, ...)
and their type specs count as structures too: they are taken apart into their
component tensors (or component specs) and put back together through their
`TypeSpec` (see `type_spec.py`). A tensor and a `TensorSpec` stay leaves.
"""
from .type_spec import CompositeTensor, TypeSpec

__all__ = ["flatten", "pack_sequence_as", "map_structure", "is_nested", "assert_same_structure"]


def is_nested(value):
    """True for lists, tuples (namedtuples included) and dicts."""
    return isinstance(value, (list, tuple, dict))


def _children(value):
    if isinstance(value, dict):
        return [value[k] for k in _sorted_keys(value)]
    return list(value)


def _sorted_keys(d):
    try:
        return sorted(d)
    except TypeError:
        return sorted(d, key=repr)


def _expandable(value):
    """The TypeSpec a composite `value` (or a composite's spec) is taken apart with, else None."""
    if isinstance(value, CompositeTensor):
        return value._type_spec
    if isinstance(value, TypeSpec) and value._component_specs is not value:
        return value
    return None


def _components(value, spec):
    return spec._component_specs if value is spec else spec._to_components(value)


def flatten(structure, expand_composites=False):
    """The leaves of `structure` in a fixed order (a non-nested value is its own one leaf)."""
    if expand_composites:
        spec = _expandable(structure)
        if spec is not None:
            return flatten(_components(structure, spec), expand_composites=True)
    if not is_nested(structure):
        return [structure]
    leaves = []
    for child in _children(structure):
        leaves.extend(flatten(child, expand_composites))
    return leaves


def pack_sequence_as(structure, flat_sequence, expand_composites=False):
    """Rebuild `structure` with its leaves replaced, in order, by `flat_sequence`.

    With `expand_composites`, a composite (or composite spec) in `structure` takes as
    many values as it has components and is rebuilt from them by its TypeSpec.
    """
    flat = list(flat_sequence)
    packed, used = _pack(structure, flat, 0, expand_composites)
    if used != len(flat):
        raise ValueError(f"pack_sequence_as: structure has {used} leaves, got {len(flat)} values")
    return packed


def _pack(structure, flat, start, expand_composites=False):
    if expand_composites:
        spec = _expandable(structure)
        if spec is not None:
            components, start = _pack(_components(structure, spec), flat, start, True)
            return spec._from_components(components), start
    if not is_nested(structure):
        if start >= len(flat):
            raise ValueError("pack_sequence_as: too few values for the structure")
        return flat[start], start + 1
    items = []
    for child in _children(structure):
        packed, start = _pack(child, flat, start, expand_composites)
        items.append(packed)
    return _rebuild(structure, items), start


def _rebuild(structure, items):
    if isinstance(structure, dict):
        return type(structure)(zip(_sorted_keys(structure), items)) if type(structure) is not dict \
            else {k: v for k, v in zip(_sorted_keys(structure), items)}
    if isinstance(structure, tuple) and hasattr(structure, "_fields"):
        return type(structure)(*items)
    return type(structure)(items)


def map_structure(func, *structures, expand_composites=False):
    """Apply `func` leafwise to structures of one shape; returns that shape."""
    first = structures[0]
    for other in structures[1:]:
        assert_same_structure(first, other, expand_composites=expand_composites)
    flats = [flatten(s, expand_composites) for s in structures]
    return pack_sequence_as(first, [func(*leaves) for leaves in zip(*flats)], expand_composites)


def assert_same_structure(a, b, check_types=True, expand_composites=False):
    """ValueError unless `a` and `b` nest the same way (composites: with the same type spec,
    up to shapes, when expanded)."""
    if expand_composites and (_expandable(a) is not None or _expandable(b) is not None):
        spec_a, spec_b = _expandable(a), _expandable(b)
        if spec_a is None or spec_b is None or type(spec_a) is not type(spec_b) or \
                spec_a.most_specific_common_supertype([spec_b]) is None:
            raise ValueError(f"The two structures don't have the same nested structure: {a!r} vs {b!r}")
        return
    if is_nested(a) != is_nested(b):
        raise ValueError(f"The two structures don't have the same nested structure: {a!r} vs {b!r}")
    if not is_nested(a):
        return
    if check_types and type(a) is not type(b) and not (isinstance(a, list) and isinstance(b, list)):
        raise TypeError(f"The two structures don't have the same sequence type: {type(a).__name__} "
                        f"vs {type(b).__name__}")
    if isinstance(a, dict) and _sorted_keys(a) != _sorted_keys(b):
        raise ValueError(f"The two dicts don't have the same keys: {list(a)} vs {list(b)}")
    ca, cb = _children(a), _children(b)
    if len(ca) != len(cb):
        raise ValueError(f"The two structures don't have the same length: {len(ca)} vs {len(cb)}")
    for x, y in zip(ca, cb):
        assert_same_structure(x, y, check_types, expand_composites)

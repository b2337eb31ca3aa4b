"""Keras 3's preprocessing layers: lookups, hashing, crossing, encoding, discretization, normalization.

They run inside models (and `fit`) and inside `tg.data` `map` functions alike; string handling runs
on the host, as TF's string ops do.
"""
from .category_encoding import CategoryEncoding  # noqa: F401
from .discretization import Discretization  # noqa: F401
from .hashed_crossing import HashedCrossing  # noqa: F401
from .hashing import Hashing  # noqa: F401
from .index_lookup import IntegerLookup, StringLookup  # noqa: F401
from .normalization import Normalization  # noqa: F401

__all__ = ["CategoryEncoding", "Discretization", "HashedCrossing", "Hashing", "IntegerLookup", "StringLookup",
           "Normalization"]

"""`tg.experimental`: TF's `tf.experimental` names."""
from .ragged.partition import RowPartition  # noqa: F401

__all__ = ["RowPartition"]

"""`tg.nn.embedding_lookup`: rows of an embedding table picked by ids (TF2's `tf.nn.embedding_lookup`).

The lookup is a `gather` along axis 0, so its gradient for the table is an IndexedSlices
holding only the looked-up rows, as in TF.
"""
from . import comparison, gather_scatter, join_split
from ..convert import convert_to_tensor

__all__ = ["embedding_lookup"]


def _table(params):
    """One table from `params`: a tensor, a Variable, or a list of shards split along axis 0 in
    order (TF2's "div" partitioning, where shard k holds a contiguous block of ids)."""
    if isinstance(params, (list, tuple)):
        if not params:
            raise ValueError("embedding_lookup: `params` must not be an empty list")
        shards = [convert_to_tensor(p) for p in params]
        return shards[0] if len(shards) == 1 else join_split.concat(shards, axis=0)
    return convert_to_tensor(params)


def embedding_lookup(params, ids, max_norm=None, name=None):
    """The rows `params[ids]`: shape `ids.shape + params.shape[1:]`. With `max_norm`, each looked-up
    embedding whose L2 norm exceeds it is scaled down to that norm."""
    table = _table(params)
    ids = convert_to_tensor(ids)
    if not ids.dtype.is_integer:
        raise TypeError(f"embedding_lookup: `ids` must be integers, got dtype {ids.dtype.name}")
    embeddings = gather_scatter.gather(table, ids)
    if max_norm is None:
        return embeddings
    rank = embeddings.shape.rank
    embedding_axes = list(range(ids.shape.rank, rank))
    return comparison.clip_by_norm(embeddings, max_norm, axes=embedding_axes)

"""`tg.nn.embedding_lookup`: rows of an embedding table picked by ids (TF2's `tf.nn.embedding_lookup`).

The lookup is a `gather` along axis 0, so its gradient for the table is an IndexedSlices
holding only the looked-up rows, as in TF. A table given as a list of shards is looked up shard
by shard (TF2's "div" partitioning), so each shard's gradient is an IndexedSlices of its own
rows, indexed within the shard, as TF's.
"""
from . import arithmetic, array_ops, cast, comparison, gather_scatter, join_split, masking, sorting
from .. import dtypes
from ..convert import convert_to_tensor

__all__ = ["embedding_lookup"]


def _shard_sizes(shards):
    return [array_ops.shape(s, out_type=dtypes.int64)[0] for s in shards]


def _div_partition(ids, sizes):
    """The shard and the row within it of every id under TF's "div" strategy: the first
    `total % n` shards hold `total // n + 1` consecutive ids, the others `total // n`."""
    count = len(sizes)
    total = arithmetic.add_n(sizes)
    per_shard = arithmetic.floordiv(total, count)
    extras = arithmetic.floormod(total, count)
    long_rows = arithmetic.add(per_shard, 1)
    threshold = arithmetic.multiply(extras, long_rows)
    in_long = comparison.less(ids, threshold)
    rest = arithmetic.subtract(ids, threshold)
    short_rows = arithmetic.maximum(per_shard, 1)  # no short shard holds an id when per_shard is 0
    shard = comparison.where(in_long, arithmetic.floordiv(ids, long_rows),
                             arithmetic.add(extras, arithmetic.floordiv(rest, short_rows)))
    row = comparison.where(in_long, arithmetic.floormod(ids, long_rows), arithmetic.floormod(rest, short_rows))
    return shard, row


def _sharded_lookup(shards, ids):
    """`ids` (a vector) looked up in the shards, each shard gathered by its own rows (TF's
    dynamic_partition, gather per shard, dynamic_stitch)."""
    flat_ids = cast.cast(ids, dtypes.int64)
    shard, row = _div_partition(flat_ids, _shard_sizes(shards))
    pieces, positions = [], []
    for k, table in enumerate(shards):
        picked = comparison.equal(shard, k)
        positions.append(masking.nonzero_coordinates(picked)[:, 0])
        pieces.append(gather_scatter.gather(table, masking.boolean_mask(row, picked)))
    order = join_split.concat(positions, axis=0)
    return gather_scatter.gather(join_split.concat(pieces, axis=0), sorting.argsort(order))


def _result_shape(ids, flat):
    """`ids.shape + flat.shape[1:]`, as static sizes when at most one is unknown."""
    dims = ids.shape.as_list() + flat.shape.as_list()[1:] if ids.shape.rank is not None else None
    if dims is not None and dims.count(None) <= 1:
        return [-1 if d is None else d for d in dims]
    return join_split.concat([array_ops.shape(ids, out_type=dtypes.int64),
                              array_ops.shape(flat, out_type=dtypes.int64)[1:]], axis=0)


def embedding_lookup(params, ids, max_norm=None, name=None):
    """The rows `params[ids]`: shape `ids.shape + params.shape[1:]`. `params` is a table or a list
    of shards of one (split along axis 0 as TF2's "div" strategy does). With `max_norm`, each
    looked-up embedding whose L2 norm exceeds it is scaled down to that norm."""
    ids = convert_to_tensor(ids)
    if not ids.dtype.is_integer:
        raise TypeError(f"embedding_lookup: `ids` must be integers, got dtype {ids.dtype.name}")
    if isinstance(params, (list, tuple)) and not params:
        raise ValueError("embedding_lookup: `params` must not be an empty list")
    shards = [convert_to_tensor(p) for p in params] if isinstance(params, (list, tuple)) else \
        [convert_to_tensor(params)]
    if len(shards) == 1:
        embeddings = gather_scatter.gather(shards[0], ids)
    else:
        flat = _sharded_lookup(shards, array_ops.reshape(ids, [-1]))
        embeddings = array_ops.reshape(flat, _result_shape(ids, flat))
    if max_norm is None:
        return embeddings
    embedding_axes = list(range(ids.shape.rank, embeddings.shape.rank))
    return comparison.clip_by_norm(embeddings, max_norm, axes=embedding_axes)

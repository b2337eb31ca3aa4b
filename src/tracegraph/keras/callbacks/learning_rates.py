"""Reading and setting the learning rate of a model's optimizer (one, or the parts of a multi-optimizer)."""

__all__ = ["optimizers_of", "learning_rate_of"]


def optimizers_of(optimizer):
    """`[(name, optimizer)]`: the named parts of a multi-optimizer (one with `.optimizers`), or `[("", it)]`."""
    parts = getattr(optimizer, "optimizers", None)
    if parts:
        return [(part.name, part) for part in parts]
    return [("", optimizer)]


def learning_rate_of(optimizer):
    """The optimizer's current learning rate as a Python float (a Variable or tensor is read)."""
    value = optimizer.learning_rate
    return float(value.numpy() if hasattr(value, "numpy") else value)

"""`keras.callbacks.LambdaCallback`: a callback made of plain functions."""
from .callback import Callback

__all__ = ["LambdaCallback"]


class LambdaCallback(Callback):
    """A callback whose hooks are the functions given.

    `on_epoch_begin`/`on_epoch_end` take `(epoch, logs)`, `on_train_begin`/`on_train_end` take
    `(logs)`, `on_train_batch_begin`/`on_train_batch_end` take `(batch, logs)`; any other hook can
    be given by its name as a keyword (`on_test_end=fn`).
    """

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_train_begin=None, on_train_end=None,
                 on_train_batch_begin=None, on_train_batch_end=None, **kwargs):
        super().__init__()
        self.__dict__.update(kwargs)
        given = {"on_epoch_begin": on_epoch_begin, "on_epoch_end": on_epoch_end,
                 "on_train_begin": on_train_begin, "on_train_end": on_train_end,
                 "on_train_batch_begin": on_train_batch_begin, "on_train_batch_end": on_train_batch_end}
        for hook, function in given.items():
            if function is not None:
                setattr(self, hook, function)

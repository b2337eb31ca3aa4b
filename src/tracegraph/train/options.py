"""`tg.train.CheckpointOptions`: TF's options for saving and restoring checkpoints."""

__all__ = ["CheckpointOptions"]


class CheckpointOptions:
    """Options for `Checkpoint.save`/`write`/`restore`/`read` (TF 2's arguments).

    Checkpoints are always written synchronously on the host, so the I/O device and the
    asynchronous and sharding options are accepted and recorded but change nothing.
    """

    def __init__(self, experimental_io_device=None, experimental_enable_async_checkpoint=False,
                 experimental_write_callbacks=None, enable_async=False, experimental_sharding_callback=None,
                 experimental_skip_slot_variables=False):
        self.experimental_io_device = experimental_io_device
        self.experimental_enable_async_checkpoint = experimental_enable_async_checkpoint
        self.experimental_write_callbacks = experimental_write_callbacks
        self.enable_async = enable_async
        self.experimental_sharding_callback = experimental_sharding_callback
        self.experimental_skip_slot_variables = experimental_skip_slot_variables

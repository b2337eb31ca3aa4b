"""Deferred restoration: checkpoint values waiting for variables that do not exist yet.

Keras layers create their weights on their first call and optimizers their slots on their first
update, so a checkpoint restored into a fresh model finds nowhere to put most of its values.
`tg.train` leaves a callback here for each object whose variables it still waits for; the code
that creates variables (`Layer.add_weight`, the optimizer's slot creation) calls
`variables_created(owner)` once the new variables are in place, and the values are assigned then.

This module is at the value layer (it imports nothing of tracegraph) so that `keras/` can call it
without importing `train/`, which sits above `keras/` and imports it.
"""
import weakref

__all__ = ["wait_for_variables", "stop_waiting", "variables_created"]

# callback -> the objects it waits on, weakly: once they are all gone, the callback (and the
# restoration with the values it kept) is dropped.
_waiting = {}


def wait_for_variables(owner, callback):
    """Call `callback(creator)` whenever an object `creator` creates variables, as long as `owner`
    (or another object the same callback waits on) lives, or until `stop_waiting(callback)`."""
    _waiting.setdefault(callback, weakref.WeakSet()).add(owner)


def stop_waiting(callback):
    """Forget `callback`."""
    _waiting.pop(callback, None)


def variables_created(owner):
    """Tell waiting restorations that `owner` has just created variables.

    Every waiting restoration is asked, not only those waiting on `owner`: the new variables may
    belong to an object a waiting owner holds but had not made yet (a model's optimizer set by
    `compile`, a sub-layer made in `build`). Costs one dictionary check when nothing waits.
    """
    if not _waiting:
        return
    for callback, owners in list(_waiting.items()):
        if not owners:
            _waiting.pop(callback, None)
        else:
            callback(owner)

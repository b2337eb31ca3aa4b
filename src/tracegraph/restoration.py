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

# owner -> the callbacks of the restorations waiting on it. Keyed weakly: when every object a
# restoration waits on is gone, so is the restoration (and the values it kept).
_waiting = weakref.WeakKeyDictionary()


def wait_for_variables(owner, callback):
    """Call `callback()` whenever variables are created, for as long as `owner` lives or until
    `stop_waiting(callback)`."""
    callbacks = _waiting.setdefault(owner, [])
    if callback not in callbacks:
        callbacks.append(callback)


def stop_waiting(callback):
    """Forget `callback` everywhere."""
    for owner in list(_waiting.keys()):
        callbacks = _waiting.get(owner, [])
        if callback in callbacks:
            callbacks.remove(callback)
            if not callbacks:
                _waiting.pop(owner, None)


def variables_created(owner):
    """Tell waiting restorations that `owner` has just created variables.

    Every waiting restoration is asked (once), not only those waiting on `owner`: the new variables
    may belong to an object a waiting owner holds but had not made yet (a model's optimizer or
    metrics set by `compile`, a sub-layer made in `build`). Costs one dictionary check when
    nothing waits.
    """
    if not _waiting:
        return
    callbacks = []
    for waiting in [_waiting.get(owner, [])] + list(_waiting.values()):
        callbacks += [callback for callback in waiting if callback not in callbacks]
    for callback in callbacks:
        callback()

"""Public ops that accept composite values, through handlers the composites register (TF's
`dispatch_for_api`).

A public op function such as `tg.concat` or `tg.reduce_sum` is written for tensors. A
composite kind (ragged tensors, sparse tensors, ...) that gives the op a meaning registers a
*handler* for it; the op then routes every call in which an argument is such a composite to
the handler, with the call's arguments unchanged. Two pieces:

- `add_dispatch_support` decorates the op function (in its op family's module) and gives it
  an empty handler table;
- `dispatch_for_api(api, *composite_types)` decorates a handler and registers it for calls
  in which an argument, or an item of a list or tuple argument (`tg.concat([r1, r2], 0)`), is
  an instance of one of `composite_types`.

The op families import no composite kind: the composite's package registers its handlers
when it is imported, so the import direction stays `ops/` below the composites. A call with
only tensors pays one empty-table check.
"""
import functools
import itertools

from ..type_spec import CompositeTensor

__all__ = ["add_dispatch_support", "dispatch_for_api"]


def add_dispatch_support(api):
    """Decorator: let composites register handlers for the public op function `api`."""
    handlers = {}

    @functools.wraps(api)
    def dispatcher(*args, **kwargs):
        if handlers:
            handler = _handler_for(handlers, args, kwargs)
            if handler is not None:
                return handler(*args, **kwargs)
        return api(*args, **kwargs)

    dispatcher.composite_handlers = handlers
    return dispatcher


def dispatch_for_api(api, *composite_types):
    """Decorator: the handler of `api` (a function decorated with `add_dispatch_support`) for
    calls with an argument of one of `composite_types` (CompositeTensor subclasses). The handler
    takes `api`'s arguments."""
    handlers = getattr(api, "composite_handlers", None)
    if handlers is None:
        raise TypeError(f"dispatch_for_api: {getattr(api, '__name__', api)!r} does not dispatch on composites; "
                        f"decorate it with add_dispatch_support")
    if not composite_types or not all(isinstance(t, type) and issubclass(t, CompositeTensor)
                                      for t in composite_types):
        raise TypeError(f"dispatch_for_api: `composite_types` must be CompositeTensor subclasses, got "
                        f"{composite_types!r}")

    def register(handler):
        for composite_type in composite_types:
            if handlers.get(composite_type, handler) is not handler:
                raise ValueError(f"dispatch_for_api: {api.__name__} already has a handler for "
                                 f"{composite_type.__name__}")
            handlers[composite_type] = handler
        return handler

    return register


def _handler_for(handlers, args, kwargs):
    """The handler registered for the first composite argument (or list item), or None."""
    for value in itertools.chain(args, kwargs.values()):
        items = value if isinstance(value, (list, tuple)) else (value,)
        for item in items:
            if isinstance(item, CompositeTensor):
                for cls in type(item).__mro__:
                    if cls in handlers:
                        return handlers[cls]
    return None

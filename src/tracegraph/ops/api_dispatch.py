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

Elementwise ops are too many to register one by one, so, as TF does, a composite kind may
register one handler for all unary and one for all binary elementwise ops
(`dispatch_for_unary_elementwise_apis`, `dispatch_for_binary_elementwise_apis`). Such a
handler gets the op as a function of tensors and the call's operands, e.g.
`handler(tg.exp, x)`; `ops/elementwise.py` consults it where every elementwise op converts
its operands.

The op families import no composite kind: the composite's package registers its handlers
when it is imported, so the import direction stays `ops/` below the composites. A call with
only tensors pays one empty-table check.
"""
import functools
import itertools

from ..type_spec import CompositeTensor

__all__ = ["add_dispatch_support", "dispatch_for_api", "dispatch_for_unary_elementwise_apis",
           "dispatch_for_binary_elementwise_apis", "elementwise_handler"]

#: composite class -> handler(op, x) for every unary elementwise op, and handler(op, x, y) for binary ones.
_UNARY_ELEMENTWISE = {}
_BINARY_ELEMENTWISE = {}


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
    """The handler registered for the first composite argument (or list item), or None.

    Every call of a public op that composites may handle passes here, so a plain tensor argument
    costs one test and allocates nothing."""
    for value in itertools.chain(args, kwargs.values()) if kwargs else args:
        if isinstance(value, CompositeTensor):
            candidates = (value,)
        elif isinstance(value, (list, tuple)):
            candidates = value
        else:
            continue
        for item in candidates:
            if isinstance(item, CompositeTensor):
                for cls in type(item).__mro__:
                    if cls in handlers:
                        return handlers[cls]
    return None


def _elementwise_registration(table, kind, composite_type):
    if not (isinstance(composite_type, type) and issubclass(composite_type, CompositeTensor)):
        raise TypeError(f"dispatch_for_{kind}_elementwise_apis: expected a CompositeTensor subclass, got "
                        f"{composite_type!r}")

    def register(handler):
        if table.get(composite_type, handler) is not handler:
            raise ValueError(f"dispatch_for_{kind}_elementwise_apis: {composite_type.__name__} already has a handler")
        table[composite_type] = handler
        return handler

    return register


def dispatch_for_unary_elementwise_apis(composite_type):
    """Decorator: `handler(op, x)` runs every unary elementwise op (`op`, a function of a tensor)
    whose operand `x` is a `composite_type`."""
    return _elementwise_registration(_UNARY_ELEMENTWISE, "unary", composite_type)


def dispatch_for_binary_elementwise_apis(composite_type):
    """Decorator: `handler(op, x, y)` runs every binary elementwise op (`op`, a function of two
    tensors) with an operand that is a `composite_type`."""
    return _elementwise_registration(_BINARY_ELEMENTWISE, "binary", composite_type)


def elementwise_handler(operands):
    """The elementwise handler registered for the first composite among `operands` (one operand:
    the unary table, two: the binary one), or None."""
    table = _UNARY_ELEMENTWISE if len(operands) == 1 else _BINARY_ELEMENTWISE
    for operand in operands:
        if isinstance(operand, CompositeTensor):
            for cls in type(operand).__mro__:
                if cls in table:
                    return table[cls]
    return None

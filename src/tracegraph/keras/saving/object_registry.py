"""Which class a saved config's `class_name` means: every Layer subclass registers itself on
definition; `register_keras_serializable` and `custom_objects` add or override names."""

__all__ = ["register_class", "register_keras_serializable", "get_registered_class", "get_registered_name"]

_CLASSES = {}


def register_class(cls, name=None):
    """Make `cls` loadable under `name` (its class name by default) and its `package>Name`."""
    _CLASSES[name or cls.__name__] = cls
    return cls


def register_keras_serializable(package="Custom", name=None):
    """Decorator: register a class (or function) for loading as `package>name` (Keras's API)."""
    def decorate(obj):
        registered = name or obj.__name__
        _CLASSES[f"{package}>{registered}"] = obj
        _CLASSES.setdefault(registered, obj)
        obj._registered_name = f"{package}>{registered}"
        return obj
    return decorate


def get_registered_name(obj):
    """The name a config stores for `obj`'s class."""
    cls = obj if isinstance(obj, type) else type(obj)
    return getattr(cls, "_registered_name", None) or cls.__name__


def get_registered_class(name, custom_objects=None):
    """The class saved as `name`; `custom_objects` wins over registrations."""
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    if name in _CLASSES:
        return _CLASSES[name]
    short = name.split(">")[-1]
    if custom_objects and short in custom_objects:
        return custom_objects[short]
    if short in _CLASSES:
        return _CLASSES[short]
    raise ValueError(f"Could not locate class '{name}'. Make sure custom classes are defined before loading "
                     "(or decorated with `@keras.saving.register_keras_serializable()`), or pass them in "
                     "`custom_objects={'" + short + "': " + short + "}`.")

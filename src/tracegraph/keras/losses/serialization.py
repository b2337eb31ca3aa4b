"""Configs of losses and metrics in Keras 3's shape, and the way back.

An object becomes `{"module", "class_name", "config", "registered_name"}` (its `get_config()`
inside); a function becomes `{"class_name": "function", "config": <name>, ...}`. Built-in
functions are found again by name because their modules `register` them.
"""
import inspect

__all__ = ["register", "serialize_object", "deserialize_object", "get_object"]

_FUNCTIONS = {}
# The custom objects of the deserializations under way, so nested `from_config` calls see them.
_custom_scopes = []


def register(fn):
    """Make the built-in function `fn` known to `deserialize_object` by its name (a decorator)."""
    _FUNCTIONS[fn.__name__] = fn
    return fn


def serialize_object(obj, module):
    """`obj` (an object with `get_config`, a class or a function) as a config dict; None stays None."""
    if obj is None or isinstance(obj, (str, int, float, bool)):
        return obj
    if inspect.isfunction(obj):
        public = _FUNCTIONS.get(obj.__name__) is obj
        return {"module": module if public else obj.__module__, "class_name": "function",
                "config": obj.__name__, "registered_name": "function"}
    if not hasattr(obj, "get_config"):
        raise TypeError(f"Cannot serialize {obj!r}: it is neither a function nor an object with get_config()")
    cls = type(obj)
    builtin = cls.__module__.startswith("tracegraph.keras")
    return {"module": module if builtin else cls.__module__, "class_name": cls.__name__,
            "config": obj.get_config(), "registered_name": None if builtin else cls.__name__}


def deserialize_object(config, module_objects, custom_objects=None, kind="object"):
    """The object or function a config (or a bare name) describes.

    Names are looked up in `custom_objects`, then `module_objects`, then the registered
    built-in functions; a class is rebuilt with its `from_config`.
    """
    if config is None or callable(config):
        return config
    _custom_scopes.append(custom_objects or {})
    try:
        return _deserialize(config, module_objects, kind)
    finally:
        _custom_scopes.pop()


def _deserialize(config, module_objects, kind):
    if isinstance(config, str):
        return _lookup(config, module_objects, kind)
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Could not interpret {kind} config: {config!r}")
    if config["class_name"] == "function":
        return _lookup(config["config"], module_objects, kind)
    cls = _lookup(config.get("registered_name") or config["class_name"], module_objects, kind)
    inner = config.get("config") or {}
    return cls.from_config(inner) if hasattr(cls, "from_config") else cls(**inner)


def _lookup(name, module_objects, kind):
    for table in (*reversed(_custom_scopes), module_objects, _FUNCTIONS):
        if name in table:
            return table[name]
    raise ValueError(f"Unknown {kind}: {name!r}. Pass custom objects with `custom_objects={{{name!r}: ...}}`")


def get_object(identifier, module_objects, deserialize, kind):
    """What `keras.losses.get` / `keras.metrics.get` return: None for None, the object a name or a
    config dict names, a class made with its defaults, any other callable as it is."""
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        obj = module_objects.get(identifier)
    else:
        obj = identifier
    if not callable(obj):
        raise ValueError(f"Could not interpret {kind} identifier: {identifier}")
    return obj() if inspect.isclass(obj) else obj

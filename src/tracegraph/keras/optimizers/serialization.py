"""Keras 3's serialized form of a configurable object: `{"module", "class_name", "config",
"registered_name"}`, and the way back through a table of known classes."""

__all__ = ["serialize_object", "deserialize_object"]


def serialize_object(instance, module):
    """`instance` as Keras 3 serializes it (its class name and `get_config()`)."""
    return {"module": module, "class_name": type(instance).__name__, "config": instance.get_config(),
            "registered_name": None}


def deserialize_object(config, known, kind, custom_objects=None):
    """The object a serialized dict (or a bare class name) describes.

    `known` maps class names (any case) to classes; `custom_objects` adds user classes.
    A dict may be Keras 3's form or the older `{"class_name", "config"}`.
    """
    table = {name.lower(): cls for name, cls in known.items()}
    table.update({name.lower(): cls for name, cls in (custom_objects or {}).items()})
    if isinstance(config, str):
        config = {"class_name": config, "config": {}}
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Could not interpret {kind} identifier: {config!r}")
    cls = table.get(config["class_name"].lower())
    if cls is None:
        raise ValueError(f"Unknown {kind}: {config['class_name']!r}. Please ensure you are using a "
                         f"`keras.utils.custom_object_scope` and that this object is included in the scope, "
                         f"or pass it in `custom_objects`.")
    return cls.from_config(dict(config.get("config") or {}))

"""tracegraph's whole-model file (`model.save("m.keras")`, `keras.models.load_model`).

One ZIP archive: `tracegraph_model.json` (format, version, the model's config, how it was built
and compiled) and the weights as in the weights file (`weight_NNNNN.npy`, `model.weights` order),
then the optimizer's variables (`optimizer_NNNNN.npy`). Written atomically like the weights file.
The layout is in docs/formats/keras_model.md.
"""
import inspect
import io
import json
import os
import zipfile

import numpy as np

from ... import nest
from .. import losses as losses_module
from .. import metrics as metrics_module
from .. import optimizers as optimizers_module
from .object_registry import get_registered_class, get_registered_name
from ...atomic_files import write_atomically

__all__ = ["save_model", "load_model", "serialize_layer", "deserialize_layer", "MODEL_SUFFIX", "FORMAT_NAME",
           "FORMAT_VERSION"]

FORMAT_NAME = "tracegraph.keras.model"
FORMAT_VERSION = 1
MODEL_SUFFIX = ".keras"
HEADER_MEMBER = "tracegraph_model.json"


def serialize_layer(layer):
    """`{"class_name", "config"}` of a layer (models nest their layers' entries in their config)."""
    return {"class_name": get_registered_name(layer), "config": layer.get_config()}


def deserialize_layer(entry, custom_objects=None, safe_mode=True):
    """The layer a `serialize_layer` entry describes (without weights); `custom_objects` and
    `safe_mode` reach the `from_config` of every class that takes them (models pass them on)."""
    cls = get_registered_class(entry["class_name"], custom_objects)
    accepted = inspect.signature(cls.from_config).parameters
    options = {name: value for name, value in (("custom_objects", custom_objects), ("safe_mode", safe_mode))
               if name in accepted}
    return cls.from_config(entry["config"], **options)


def save_model(model, filepath, include_optimizer=True):
    """Write `model` (config, weights, compile settings, optimizer state) to `filepath`, atomically."""
    filepath = os.fspath(filepath)
    if not filepath.endswith(MODEL_SUFFIX):
        raise ValueError(f"The filename must end in `{MODEL_SUFFIX}` (tracegraph's model file; use "
                         f"`save_weights` for weights alone). Received: filepath={filepath}")
    weights = [np.asarray(w.numpy()) for w in model.weights]
    optimizer = getattr(model, "optimizer", None) if include_optimizer else None
    optimizer_values = [np.asarray(v.numpy()) for v in optimizer.variables] if optimizer is not None else []
    header = {"format": FORMAT_NAME, "format_version": FORMAT_VERSION, "model": serialize_layer(model),
              "build_input_shape": _jsonable(getattr(model, "_build_input_shape", None)),
              "compile": _compile_config(model) if optimizer is not None else None,
              "weights": len(weights), "optimizer_variables": len(optimizer_values)}
    text = json.dumps(header, indent=1, default=_not_serializable)

    def write(f):
        with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
            archive.writestr(HEADER_MEMBER, text)
            for prefix, arrays in (("weight", weights), ("optimizer", optimizer_values)):
                for index, array in enumerate(arrays):
                    with archive.open(f"{prefix}_{index:05d}.npy", "w", force_zip64=True) as member:
                        np.lib.format.write_array(member, np.asarray(array, order="C"), allow_pickle=False)
    write_atomically(filepath, write)


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):  # noqa: A002 - Keras's name
    """The model `save_model` wrote: rebuilt from its config, weights set, compiled again if it was."""
    filepath = os.fspath(filepath)
    archive = _open(filepath)
    with archive:
        header = _header(filepath, archive)
        model = deserialize_layer(header["model"], custom_objects, safe_mode)
        if not model.built and header.get("build_input_shape") is not None:
            model.build_from_shape(_as_shapes(header["build_input_shape"]))
        weights = [_array(filepath, archive, f"weight_{i:05d}.npy") for i in range(header["weights"])]
        model.set_weights(weights) if len(weights) == len(model.weights) else _mismatch(filepath, model, weights)
        if compile and header.get("compile"):
            _compile(model, header["compile"], custom_objects)
            values = [_array(filepath, archive, f"optimizer_{i:05d}.npy")
                      for i in range(header.get("optimizer_variables", 0))]
            if values:
                model.optimizer.build(model.trainable_weights)
                for variable, value in zip(model.optimizer.variables, values):
                    variable.assign(value)
    return model


def _compile_config(model):
    """The compile arguments, when they can be written down (names and configs, not functions)."""
    def describe(value):
        if value is None or isinstance(value, (str, int, float)):
            return value
        if isinstance(value, (list, tuple)):
            return [describe(v) for v in value]
        if isinstance(value, dict):
            return {k: describe(v) for k, v in value.items()}
        if hasattr(value, "get_config"):
            return {"class_name": get_registered_name(value), "config": value.get_config()}
        return {"function": getattr(value, "__name__", repr(value))}
    return {"optimizer": optimizers_module.serialize(model.optimizer), "loss": describe(model.loss),
            "metrics": describe(getattr(model, "_compile_metrics_argument", None)),
            "loss_weights": describe(getattr(model, "_compile_loss_weights", None))}


def _compile(model, config, custom_objects):
    def resolve(value, module):
        if isinstance(value, list):
            return [resolve(v, module) for v in value]
        if isinstance(value, dict) and "function" in value:
            name = value["function"]
            return (custom_objects or {}).get(name) or module.get(name)
        if isinstance(value, dict) and "class_name" in value:
            cls = (custom_objects or {}).get(value["class_name"]) or module.get(value["class_name"]).__class__
            return cls.from_config(value["config"])
        if isinstance(value, dict):
            return {k: resolve(v, module) for k, v in value.items()}
        return value
    model.compile(optimizer=optimizers_module.deserialize(config["optimizer"], custom_objects=custom_objects),
                  loss=resolve(config["loss"], losses_module), metrics=resolve(config["metrics"], metrics_module),
                  loss_weights=config.get("loss_weights"))


def _open(filepath):
    try:
        return zipfile.ZipFile(filepath)
    except FileNotFoundError:
        raise
    except (zipfile.BadZipFile, OSError):
        raise ValueError(f"{filepath}: not a tracegraph model file, or the file is truncated or damaged "
                         f"(expected a ZIP archive written by `model.save`).") from None


def _header(filepath, archive):
    if HEADER_MEMBER not in archive.namelist():
        kind = " It looks like a Keras 3 file, which tracegraph does not read." \
            if "config.json" in archive.namelist() else ""
        raise ValueError(f"{filepath}: not a tracegraph model file (no '{HEADER_MEMBER}').{kind}")
    try:
        header = json.loads(archive.read(HEADER_MEMBER))
    except (ValueError, zipfile.BadZipFile, EOFError, OSError) as error:
        raise ValueError(f"{filepath}: the model file's header cannot be read ({error}).") from None
    if header.get("format") != FORMAT_NAME:
        raise ValueError(f"{filepath}: not a tracegraph model file (format {header.get('format')!r}).")
    if not isinstance(header.get("format_version"), int) or header["format_version"] > FORMAT_VERSION:
        raise ValueError(f"{filepath}: the model file has format version {header.get('format_version')!r}; this "
                         f"tracegraph reads versions up to {FORMAT_VERSION}. Upgrade tracegraph to load it.")
    return header


def _array(filepath, archive, member):
    try:
        data = archive.read(member)
        return np.lib.format.read_array(io.BytesIO(data), allow_pickle=False)
    except KeyError:
        raise ValueError(f"{filepath}: the model file is truncated or damaged: member '{member}' is missing.") \
            from None
    except (ValueError, zipfile.BadZipFile, EOFError, OSError) as error:
        raise ValueError(f"{filepath}: the model file is truncated or damaged ({member}: {error}).") from None


def _mismatch(filepath, model, weights):
    raise ValueError(f"{filepath}: the file holds {len(weights)} weights but the rebuilt model has "
                     f"{len(model.weights)}.")


def _jsonable(shape):
    return None if shape is None else nest.map_structure(lambda d: d, _listify(shape))


def _listify(value):
    if isinstance(value, (list, tuple)):
        return [_listify(v) for v in value]
    return value


def _as_shapes(value):
    if isinstance(value, list) and value and isinstance(value[0], list):
        return [tuple(v) for v in value]
    return tuple(value)


def _not_serializable(value):
    raise TypeError(f"Cannot save the model: its config holds {value!r} (of type {type(value).__name__}), "
                    "which is not plain data. Give the layer a `get_config` that returns plain values.")

"""The `logs` dicts callbacks receive: flat, in sorted order, with Python floats (Keras 3's rule)."""

__all__ = ["pythonify_logs"]


def pythonify_logs(logs):
    """`logs` flattened (nested dicts merged in), keys sorted, values made `float` where they convert.

    Tensors, NumPy scalars and 0-d arrays become Python floats; anything `float()` refuses (a string,
    an array of several values) is passed on unchanged.
    """
    result = {}
    for key, value in sorted((logs or {}).items()):
        if isinstance(value, dict):
            result.update(pythonify_logs(value))
            continue
        if type(value) is not float:
            try:
                value = float(value)
            except (TypeError, ValueError):
                pass
        result[key] = value
    return result

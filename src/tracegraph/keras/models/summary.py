"""`Model.summary()`: Keras 3's table of layers, output shapes and parameter counts."""

__all__ = ["print_summary", "format_size"]

_COLUMNS = (("Layer (type)", 33, "left"), ("Output Shape", 24, "left"), ("Param #", 15, "right"))


def format_size(num_bytes):
    """`1.18 KB`-style sizes, as Keras prints the parameter memory."""
    for unit, scale in (("GB", 1024 ** 3), ("MB", 1024 ** 2), ("KB", 1024)):
        if num_bytes >= scale:
            return f"{num_bytes / scale:.2f} {unit}"
    return f"{num_bytes:.2f} B"


def _cell(text, width, align):
    text = str(text)
    if len(text) > width - 2:
        text = text[:width - 3] + "…"
    return " " + (text.ljust(width - 2) if align == "left" else text.rjust(width - 2)) + " "


def _line(left, fill, middle, right):
    return left + middle.join(fill * width for _, width, _ in _COLUMNS) + right


def _shape_text(shape):
    if shape is None:
        return "?"
    if isinstance(shape, list):
        return "[" + ", ".join(_shape_text(s) for s in shape) + "]"
    return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def _count(weights):
    total = 0
    for weight in weights:
        size = 1
        for dim in weight.shape.as_list():
            size *= dim
        total += size
    return total


def print_summary(model, print_fn=print):
    """Print `model`'s layers with their output shapes and weight counts, and the totals."""
    rows = []
    shapes = model.layer_output_shapes() if hasattr(model, "layer_output_shapes") else {}
    for layer in model.layers:
        params = _count(layer.weights) if layer.built else 0
        rows.append((f"{layer.name} ({type(layer).__name__})", _shape_text(shapes.get(id(layer))), f"{params:,}"))
    lines = [f'Model: "{model.name}"', _line("┏", "━", "┳", "┓"),
             "┃" + "┃".join(_cell(title, width, "left" if align == "left" else "right")
                           for title, width, align in _COLUMNS) + "┃",
             _line("┡", "━", "╇", "┩")]
    for index, row in enumerate(rows):
        lines.append("│" + "│".join(_cell(text, width, align)
                                    for text, (_, width, align) in zip(row, _COLUMNS)) + "│")
        if index < len(rows) - 1:
            lines.append(_line("├", "─", "┼", "┤"))
    lines.append(_line("└", "─", "┴", "┘"))
    trainable, non_trainable = _count(model.trainable_weights), _count(model.non_trainable_weights)
    byte_counts = [sum(w.dtype.size * max(1, _count([w])) for w in ws)
                   for ws in (model.weights, model.trainable_weights, model.non_trainable_weights)]
    lines.append(f" Total params: {trainable + non_trainable:,} ({format_size(byte_counts[0])})")
    lines.append(f" Trainable params: {trainable:,} ({format_size(byte_counts[1])})")
    lines.append(f" Non-trainable params: {non_trainable:,} ({format_size(byte_counts[2])})")
    for line in lines:
        print_fn(line)

"""Fresh names for the code the converter generates, never clashing with the user's names."""
import ast

__all__ = ["Namer"]


class Namer:
    """Hands out names not used anywhere in a module: `if_body`, then `if_body_1`, ..."""

    def __init__(self, tree):
        self._taken = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
        self._taken |= {node.arg for node in ast.walk(tree) if isinstance(node, ast.arg)}
        self._taken |= {node.name for node in ast.walk(tree)
                        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}

    def new(self, base):
        """A name starting with `base` that nothing else uses."""
        name, count = base, 0
        while name in self._taken:
            count += 1
            name = f"{base}_{count}"
        self._taken.add(name)
        return name

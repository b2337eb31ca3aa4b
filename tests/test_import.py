"""`import tracegraph` stays light: no numba, no cupy (they load only when a backend is used)."""
import subprocess
import sys


def test_import_does_not_load_numba_or_cupy():
    code = ("import sys, tracegraph\n"
            "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('numba', 'cupy', 'llvmlite'))\n"
            "print(heavy)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_eager_use_does_not_load_them_either():
    code = ("import sys, tracegraph as tg\n"
            "x = tg.Variable([1.0, 2.0])\n"
            "with tg.GradientTape() as tape:\n"
            "    y = tg.reduce_sum(x * x)\n"
            "tape.gradient(y, x)\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('numba', 'cupy')))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_public_names_exist():
    import tracegraph as tg
    for name in ["constant", "convert_to_tensor", "Tensor", "Variable", "TensorShape", "TensorSpec",
                 "GradientTape", "float32", "int32", "bool", "string", "as_dtype", "newaxis", "cast",
                 "errors", "nest", "math", "linalg"]:
        assert hasattr(tg, name), name

"""CUDA C generation for fused nodes: every generated kernel compiles to PTX with nvcc.

Run-time GPU tests live in test_cupy_runtime.py and are skipped without a device.
"""
import os
import shutil
import subprocess

import numpy as np
import pytest

import tracegraph as tg
from tracegraph_backends.cupy.codegen import C_TYPES, KERNEL_NAME, PRELUDE, render_cuda_kernel

NVCC = shutil.which("nvcc")
needs_nvcc = pytest.mark.skipif(NVCC is None, reason="nvcc is not installed on this machine")


def _fused_nodes(fn, *args):
    graph = tg.function(fn, backend="numpy").get_concrete_function(*args).optimized_graph
    return [n for n in graph.nodes if n.op.name == "fused_elementwise"]


def _compile(source, tmp_path):
    path = tmp_path / "kernel.cu"
    path.write_text(source)
    result = subprocess.run([NVCC, "--ptx", "-arch=sm_80", str(path), "-o", str(tmp_path / "kernel.ptx")],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr + "\n" + source
    assert f".entry {KERNEL_NAME}" in (tmp_path / "kernel.ptx").read_text()


x32 = tg.constant(np.linspace(-3, 3, 8, dtype=np.float32))
x64 = tg.constant(np.linspace(-3, 3, 8))
i32 = tg.constant(np.arange(-4, 4, dtype=np.int32))

WORKLOADS = {
    "scaled_elu": (lambda z: 1.05 * tg.where(tg.greater_equal(z, 0.0), z, 1.67 * (tg.exp(z) - 1)), [x32]),
    "gelu_tanh": (lambda x: 0.5 * x * (1 + tg.math.tanh(0.7978845608 * (x + 0.044715 * x * x * x))), [x64]),
    "mse": (lambda p, y: tg.reduce_mean(tg.square(p - y)), [x32, x32 * 2]),
    "int_ops": (lambda a, b: tg.math.floordiv(a, b + 10) + tg.math.floormod(a, 3) * tg.abs(b), [i32, i32]),
    "compare_logic": (lambda a, b: tg.where(tg.logical_and(a > 0.0, b < 1.0), tg.sqrt(tg.abs(a)), tg.maximum(a, b)),
                      [x32, x32]),
    "cast": (lambda a: tg.cast(tg.cast(a, tg.int32) * 2, tg.float32) / 3.0, [x32]),
}


@needs_nvcc
@pytest.mark.parametrize("name", sorted(WORKLOADS))
@pytest.mark.parametrize("kinds", ["full", "mixed"])
def test_generated_cuda_compiles_with_nvcc(name, kinds, tmp_path):
    fn, args = WORKLOADS[name]
    nodes = _fused_nodes(fn, *args)
    assert nodes
    for node in nodes:
        dtypes = [v.spec.dtype.name for v in node.inputs]
        input_kinds = ["full"] * len(dtypes)
        if kinds == "mixed" and input_kinds:
            input_kinds[-1] = "row" if len(dtypes) > 1 else "scalar"
        source = render_cuda_kernel(node.attrs["expression"], input_kinds, dtypes,
                                    [s.dtype.name for s in node.attrs["output_specs"]])
        _compile(source, tmp_path)


def test_literals_are_typed_so_float_code_stays_float():
    (node,) = _fused_nodes(WORKLOADS["scaled_elu"][0], x32)
    source = render_cuda_kernel(node.attrs["expression"], ["full"], ["float32"], ["float32"])
    assert "((float)1.67" in source or "((float)1.6" in source
    assert "double" not in source.split("extern")[1]


def test_special_float_literals_use_bit_patterns():
    def f(x):
        return tg.maximum(x, -np.inf) + tg.minimum(x, np.inf)
    (node,) = _fused_nodes(f, x32)
    source = render_cuda_kernel(node.attrs["expression"], ["full"], ["float32"], ["float32"])
    assert "__int_as_float(0xff800000)" in source and "__int_as_float(0x7f800000)" in source


def test_cupy_backend_is_unavailable_without_a_gpu_and_does_not_crash():
    from tracegraph.backend import get_backend  # noqa: PLC0415
    from tracegraph_backends.cupy import CupyBackend  # noqa: PLC0415
    available = CupyBackend().is_available()
    if not available:
        with pytest.raises(RuntimeError, match="not available"):
            get_backend("cupy")


GXX = shutil.which("g++")
needs_gxx = pytest.mark.skipif(GXX is None, reason="g++ is not installed on this machine")


def test_a_kernel_that_divides_integers_reports_a_zero_divisor():
    (node,) = _fused_nodes(lambda a, b: tg.math.floordiv(a, b) + 1, i32, i32)
    source = render_cuda_kernel(node.attrs["expression"], ["full", "full"], ["int32", "int32"], ["int32"])
    assert "int* __restrict__ divided_by_zero)" in source
    assert "== 0) *divided_by_zero = 1;" in source
    (float_node,) = _fused_nodes(lambda a, b: a / b + 1.0, x32, x32)
    float_source = render_cuda_kernel(float_node.attrs["expression"], ["full", "full"], ["float32"] * 2, ["float32"])
    assert "divided_by_zero" not in float_source.split("extern")[1]


@needs_nvcc
@pytest.mark.parametrize("dtype", ["int8", "int16", "int32", "int64", "uint8", "uint64"])
def test_integer_divisions_compile_for_every_integer_type(dtype, tmp_path):
    ints = tg.constant(np.arange(1, 9).astype(dtype))
    (node,) = _fused_nodes(lambda a, b: tg.math.floordiv(a, b) + tg.math.floormod(a, b)
                           + tg.math.truncatediv(a, b) + tg.math.truncatemod(a, b), ints, ints)
    _compile(render_cuda_kernel(node.attrs["expression"], ["full", "full"], [dtype, dtype], [dtype]), tmp_path)


#: The device helpers compiled for the host: `__device__`, `__forceinline__` become plain C++.
_HOST_PROGRAM = """
#include <cmath>
#include <cstdio>
#include <cstdint>
using std::isinf; using std::isfinite; using std::exp; using std::log1p;
#define __device__
#define __forceinline__ inline
%(prelude)s
template <typename T> void show(T a, T b) {
    printf("%%lld %%lld %%lld %%lld\\n", (long long)tg_floordiv(a, b), (long long)tg_floormod(a, b),
           (long long)tg_truncatediv(a, b), (long long)tg_truncatemod(a, b));
}
int main() {
%(calls)s
    return 0;
}
"""


@needs_gxx
@pytest.mark.parametrize("dtype", ["int8", "int32", "int64"])
def test_the_division_helpers_give_tf_results_at_the_edges(dtype, tmp_path):
    """MIN // -1 wraps to MIN and MIN % -1 is 0 (TF's and NumPy's results), floor and truncation
    round as NumPy does, for the helpers the generated kernels call."""
    info = np.iinfo(dtype)
    pairs = [(info.min, -1), (info.max, -1), (-7, 2), (7, -2), (-7, -2), (info.min, 3), (info.max, info.min)]
    ctype = C_TYPES[dtype]
    calls = "\n".join(f"    show<{ctype}>(({ctype})({a}LL), ({ctype})({b}LL));" for a, b in pairs)
    program = tmp_path / "helpers.cpp"
    program.write_text(_HOST_PROGRAM % {"prelude": PRELUDE, "calls": calls})
    built = subprocess.run([GXX, "-O2", "-std=c++17", str(program), "-o", str(tmp_path / "helpers")],
                           capture_output=True, text=True, timeout=120)
    assert built.returncode == 0, built.stderr
    output = subprocess.run([str(tmp_path / "helpers")], capture_output=True, text=True, timeout=60).stdout
    with np.errstate(over="ignore"):
        for line, (a, b) in zip(output.splitlines(), pairs):
            x, y = np.array(a, dtype), np.array(b, dtype)
            quotient = np.floor_divide(x, y)
            truncated = np.where((quotient < 0) & (quotient * y != x), quotient + 1, quotient).astype(dtype)
            expected = [int(quotient), int(np.remainder(x, y)), int(truncated), int(x - truncated * y)]
            assert [int(v) for v in line.split()] == expected, (a, b)

"""`tg.test`: checking gradients numerically (TF's `tf.test.compute_gradient`), and what the
machine can run (`is_gpu_available`, `is_built_with_cuda`, `gpu_device_name`)."""
import importlib.util
import warnings

import numpy as np

from .autodiff import GradientTape
from .convert import convert_to_tensor
from .device import gpu_count

__all__ = ["compute_gradient", "check_gradients", "is_gpu_available", "is_built_with_cuda",
           "is_built_with_gpu_support", "gpu_device_name"]


def is_built_with_cuda():
    """Whether this installation can run on CUDA GPUs: CuPy (the `gpu` extra) is installed.

    TF's answer is about how its binary was built; tracegraph's GPU backend is CuPy, so the
    equivalent question is whether CuPy is there (a GPU may still be missing: `is_gpu_available`).
    """
    return importlib.util.find_spec("cupy") is not None


def is_built_with_gpu_support():
    """`is_built_with_cuda` (CUDA is the only GPU platform tracegraph supports)."""
    return is_built_with_cuda()


def is_gpu_available(cuda_only=False, min_cuda_compute_capability=None):
    """Whether a CUDA GPU can be used now (deprecated in TF, as here: use
    `tg.config.list_physical_devices("GPU")`). `min_cuda_compute_capability` (major, minor)
    also requires a device at least that capable."""
    warnings.warn("tg.test.is_gpu_available is deprecated (as in TF): use "
                  "tg.config.list_physical_devices('GPU') instead", DeprecationWarning, stacklevel=2)
    if gpu_count() == 0:
        return False
    if min_cuda_compute_capability is None:
        return True
    return any(capability >= tuple(min_cuda_compute_capability) for capability in _compute_capabilities())


def _compute_capabilities():
    import cupy  # noqa: PLC0415 - only when a GPU exists (gpu_count found CuPy working)
    return [tuple(divmod(int(cupy.cuda.Device(i).compute_capability), 10)) for i in range(gpu_count())]


def gpu_device_name():
    """The first GPU's device name ("/device:GPU:0"), or "" without a GPU (TF's answer there)."""
    return "/device:GPU:0" if gpu_count() else ""


def compute_gradient(f, x, delta=None):
    """Theoretical and numerical Jacobians of `f` at the tensors `x` (a list).

    Returns `(theoretical, numerical)`: for each input, a 2-D array of shape
    [input size, output size], as TF does. The numerical one uses central
    differences with step `delta` (default 1e-3 in float32, 1e-6 in float64).
    """
    xs = [convert_to_tensor(v) for v in x]
    theoretical, numerical = [], []
    for k, xk in enumerate(xs):
        step = delta if delta is not None else (1e-6 if xk.dtype.size >= 8 else 1e-3)

        def f_of_k(value, k=k):
            args = list(xs)
            args[k] = value
            return f(*args)

        with GradientTape() as tape:
            tape.watch(xk)
            y = f_of_k(xk)
        jac = tape.jacobian(y, xk)
        n_out = int(np.prod(y.shape.as_list(), dtype=np.int64))
        n_in = int(np.prod(xk.shape.as_list(), dtype=np.int64))
        theoretical.append(np.zeros((n_in, n_out)) if jac is None else
                           np.asarray(jac).reshape(n_out, n_in).T.astype(np.float64))
        numerical.append(_central_differences(f_of_k, xk, step, n_in, n_out))
    return theoretical, numerical


def _central_differences(f, x, step, n_in, n_out):
    base = np.asarray(x).astype(x.dtype.numpy_dtype)
    jac = np.zeros((n_in, n_out))
    for i in range(n_in):
        plus, minus = base.copy().reshape(-1), base.copy().reshape(-1)
        plus[i] += step
        minus[i] -= step
        y_plus = np.asarray(f(convert_to_tensor(plus.reshape(base.shape)))).astype(np.float64)
        y_minus = np.asarray(f(convert_to_tensor(minus.reshape(base.shape)))).astype(np.float64)
        jac[i] = (y_plus - y_minus).reshape(-1) / (2 * step)
    return jac


def check_gradients(f, x, delta=None, rtol=1e-5, atol=1e-6):
    """Assert that `f`'s tape gradients match central differences at `x` (a list of tensors)."""
    theoretical, numerical = compute_gradient(f, x, delta)
    for k, (t, n) in enumerate(zip(theoretical, numerical)):
        if not np.allclose(t, n, rtol=rtol, atol=atol):
            worst = np.max(np.abs(t - n))
            raise AssertionError(f"gradient of input {k} differs from finite differences by up to "
                                 f"{worst:g}:\ntape:\n{t}\nnumeric:\n{n}")

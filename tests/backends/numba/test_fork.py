"""A process that ran parallel kernels can fork, and the children run kernels too (data loaders,
multiprocessing pools and Spark workers fork)."""
import os
import subprocess
import sys
import textwrap

import pytest

pytest.importorskip("numba")

#: Runs a parallel kernel, forks (a bare child and a 'fork' pool), runs kernels in the children.
PROGRAM = textwrap.dedent("""\
    import multiprocessing, os, sys
    import numpy as np
    import tracegraph as tg

    fn = tg.function(lambda v: tg.exp(v) * 2.0 + v, backend="numba")
    x = np.linspace(-1, 1, 1 << 19, dtype=np.float32)  # far above the parallel threshold
    expected = np.exp(x) * 2 + x

    def run_kernel(_=None):
        return bool(np.allclose(fn(x).numpy(), expected, rtol=1e-5, atol=1e-5))

    assert run_kernel()
    pid = os.fork()
    if pid == 0:
        os._exit(0 if run_kernel() else 3)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, f"forked child: {os.waitstatus_to_exitcode(status)}"
    with multiprocessing.get_context("fork").Pool(2) as pool:
        assert all(pool.map(run_kernel, range(4), chunksize=1))
    assert run_kernel()
    print("ok")
    """)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_children_forked_after_a_parallel_kernel_run_kernels():
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_THREADING_LAYER"}
    done = subprocess.run([sys.executable, "-c", PROGRAM], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().endswith("ok")

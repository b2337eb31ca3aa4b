"""The Batcher in-process, on real saved models: merged calls give each request exactly its own rows, a model
that is not row-wise falls back to one call per request, and batches respect max_batch_size and the timeout."""
import asyncio

import numpy as np
import pytest

import tracegraph as tg
from tracegraph.serving.batching import Batcher
from tracegraph.serving.model_store import load_version


@pytest.fixture(autouse=True)
def _numpy_backend():
    tg.config.set_backend("numpy")
    yield
    tg.config.set_backend(None)


class RowWise(tg.Module):
    @tg.function(input_signature=[tg.TensorSpec([None, 3], tg.float32, name="x")])
    def serve(self, x):
        return {"double": 2.0 * x, "row_sum": tg.reduce_sum(x, axis=1)}


class Centered(tg.Module):
    @tg.function(input_signature=[tg.TensorSpec([None, 3], tg.float32, name="x")])
    def serve(self, x):
        return x - tg.reduce_mean(x, axis=0)


class WholeBatch(tg.Module):
    @tg.function(input_signature=[tg.TensorSpec([None, 3], tg.float32, name="x")])
    def serve(self, x):
        return {"total": tg.reduce_sum(x), "centered": x - tg.reduce_mean(x, axis=0)}


def _signature(tmp_path, module):
    tg.saved_model.save(module, str(tmp_path / "1"), signatures=module.serve)
    return load_version("m", 1, str(tmp_path / "1")).signatures["serving_default"]


def _run_concurrently(batcher_args, inputs, delays=None):
    calls = []

    async def main():
        loop = asyncio.get_running_loop()
        signature, kwargs = batcher_args
        batcher = Batcher(signature, loop, on_batch=calls.append, **kwargs)

        async def one(k):
            await asyncio.sleep(delays[k] if delays else 0)
            return await batcher.run([inputs[k]], len(inputs[k]))
        return await asyncio.gather(*(one(k) for k in range(len(inputs))))
    return asyncio.run(main()), calls


def test_merged_calls_give_each_request_its_own_rows(tmp_path):
    signature = _signature(tmp_path, RowWise())
    rng = np.random.default_rng(0)
    inputs = [rng.standard_normal((int(rng.integers(1, 5)), 3)).astype(np.float32) for _ in range(40)]
    results, calls = _run_concurrently((signature, {"max_batch_size": 16}), inputs)
    for x, result in zip(inputs, results):
        np.testing.assert_array_equal(result["double"], 2 * x)
        np.testing.assert_allclose(result["row_sum"], x.sum(axis=1), rtol=1e-6)
    assert sum(calls) == sum(len(x) for x in inputs)
    assert max(calls) <= 16 and len(calls) < len(inputs)


def test_a_model_mixing_rows_is_called_once_per_request(tmp_path):
    signature = _signature(tmp_path, WholeBatch())
    rng = np.random.default_rng(1)
    inputs = [rng.standard_normal((2, 3)).astype(np.float32) for _ in range(6)]
    results, _ = _run_concurrently((signature, {"max_batch_size": 32}), inputs)
    for x, result in zip(inputs, results):
        np.testing.assert_allclose(result["total"], x.sum(), rtol=1e-5)
        np.testing.assert_allclose(result["centered"], x - x.mean(axis=0), rtol=1e-5, atol=1e-6)


def test_a_model_mixing_rows_with_row_shaped_outputs_is_never_batched(tmp_path):
    signature = _signature(tmp_path, Centered())
    assert not signature.batchable and _signature(tmp_path / "rows", RowWise()).batchable
    rng = np.random.default_rng(2)
    inputs = [rng.standard_normal((3, 3)).astype(np.float32) for _ in range(5)]
    results, calls = _run_concurrently((signature, {"max_batch_size": 32}), inputs)
    assert calls == [3] * 5
    for x, result in zip(inputs, results):
        np.testing.assert_allclose(result["output_0"], x - x.mean(axis=0), rtol=1e-5, atol=1e-6)


def test_a_request_larger_than_the_batch_runs_alone_and_the_timeout_gathers_late_requests(tmp_path):
    signature = _signature(tmp_path, RowWise())
    inputs = [np.ones((40, 3), np.float32), np.full((1, 3), 2, np.float32), np.full((2, 3), 3, np.float32)]
    results, calls = _run_concurrently((signature, {"max_batch_size": 32, "batch_timeout_micros": 200_000}),
                                       inputs, delays=[0, 0, 0.02])
    assert calls == [40, 3]  # the third request arrived 20 ms later, within the 200 ms timeout of the second
    for x, result in zip(inputs, results):
        np.testing.assert_array_equal(result["double"], 2 * x)

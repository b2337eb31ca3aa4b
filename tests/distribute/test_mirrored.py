"""MirroredStrategy on two logical CPU devices (replicas on threads), the default strategy, the logical
device configuration, and the collectives' packing."""
import pathlib

import numpy as np
import pytest

import tracegraph as tg
from tracegraph import config_experimental
from tracegraph.context import state
from tracegraph.distribute import collectives


@pytest.fixture
def two_cpus(monkeypatch):
    """The CPU split into two logical devices (the configuration is process-wide: restored afterwards)."""
    monkeypatch.setattr(config_experimental, "_devices_initialized", False)
    monkeypatch.setattr(config_experimental, "_logical_configurations", {})
    cpu = tg.config.list_physical_devices("CPU")[0]
    tg.config.set_logical_device_configuration(cpu, [tg.config.LogicalDeviceConfiguration()] * 2)
    previous = state.backend
    tg.config.set_backend("numpy")
    yield tg.distribute.MirroredStrategy()
    tg.config.set_backend(previous)


def _data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 5)).astype("float32")
    return x, (x @ rng.normal(size=(5, 1))).astype("float32")


def _model(seed=1):
    tg.keras.utils.set_random_seed(seed)
    model = tg.keras.Sequential([tg.keras.Input((5,)), tg.keras.layers.Dense(8, activation="relu"),
                                 tg.keras.layers.Dense(1)])
    model.compile(optimizer=tg.keras.optimizers.Adam(0.01), loss="mse", metrics=["mae"])
    return model


def test_logical_cpu_devices_as_tf_lists_them(two_cpus):
    assert [d.name for d in tg.config.list_logical_devices("CPU")] == ["/device:CPU:0", "/device:CPU:1"]
    assert two_cpus.num_replicas_in_sync == 2
    assert two_cpus.extended.worker_devices[1] == "/job:localhost/replica:0/task:0/device:CPU:1"
    with pytest.raises(RuntimeError, match="cannot be modified after being initialized"):
        tg.config.set_logical_device_configuration(tg.config.list_physical_devices("CPU")[0], None)
    with pytest.raises(ValueError, match="virtual devices configured"):  # TF 2.21's message
        tg.config.experimental.set_memory_growth(tg.config.list_physical_devices("CPU")[0], True)


def test_memory_growth_on_a_cpu_only_machine_fails_as_in_tf():
    cpu = tg.config.list_physical_devices("CPU")[0]
    with pytest.raises(ValueError, match="non-GPU"):
        tg.config.experimental.set_memory_growth(cpu, True)
    assert tg.config.get_visible_devices("CPU") == [cpu]


def test_fit_on_two_replicas_equals_one_replica(two_cpus):
    x, y = _data()
    reference = _model()
    reference_history = reference.fit(x, y, batch_size=10, epochs=3, shuffle=False, verbose=0)
    with two_cpus.scope():
        model = _model()
    history = model.fit(x, y, batch_size=10, epochs=3, shuffle=False, verbose=0, validation_data=(x[:8], y[:8]))
    for a, b in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-5)
    np.testing.assert_allclose(history.history["loss"], reference_history.history["loss"], rtol=1e-5)
    np.testing.assert_allclose(history.history["val_mae"][-1], reference.evaluate(x[:8], y[:8], verbose=0)[1],
                               rtol=1e-5)
    kernel = model.layers[0].kernel
    assert len(kernel.values) == 2 and np.array_equal(kernel.values[0], kernel.values[1])
    assert len(model.optimizer.variables[-1].values) == 2  # slots are mirrored too
    assert model._step_functions["train"].experimental_get_tracing_count() == 1


def test_small_buckets_start_during_the_backward_pass_and_train_as_one_replica(two_cpus):
    x, y = _data()
    reference = _model()
    reference.fit(x, y, batch_size=10, epochs=2, shuffle=False, verbose=0)
    options = tg.distribute.experimental.CommunicationOptions(bytes_per_pack=64)
    strategy = tg.distribute.MirroredStrategy(communication_options=options)
    with strategy.scope():
        model = _model()
    model.fit(x, y, batch_size=10, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-5)
    step = model._step_functions["train"]
    graph = step.get_concrete_function((tg.constant(x[:5]), tg.constant(y[:5]))).optimized_graph
    assert step.experimental_get_tracing_count() == 1
    names = [node.op.name for node in graph.nodes]
    starts = [k for k, name in enumerate(names) if name == "collective_all_reduce_start"]
    # Dense(1)'s 36 bytes, Dense(8)'s bias, Dense(8)'s kernel (160 bytes): three buckets, last layer first,
    # the first two begun while the backward pass still computes the first layer's kernel gradient.
    assert len(starts) == 3 and "collective_all_reduce" not in names
    last_matmul = max(k for k, name in enumerate(names) if name == "matmul")
    assert starts[1] < last_matmul < starts[2]
    finishes = [k for k, name in enumerate(names) if name == "collective_all_reduce_finish"]
    assert finishes[0] > starts[2]
    # The optimizer updates the last layers first, while the first layer's bucket is still on its way.
    assert any(name == "assign_variable" for name in names[finishes[0]:finishes[2]])


def _batch_norm_model(synchronized):
    tg.keras.utils.set_random_seed(2)
    model = tg.keras.Sequential([tg.keras.Input((5,)), tg.keras.layers.Dense(8),
                                 tg.keras.layers.BatchNormalization(synchronized=synchronized),
                                 tg.keras.layers.Dense(1)])
    model.compile(optimizer=tg.keras.optimizers.SGD(0.05), loss="mse")
    return model


def test_synchronized_batch_norm_takes_the_moments_of_the_global_batch(two_cpus):
    x, y = _data()
    reference = _batch_norm_model(synchronized=True)  # one replica: the moments of the whole batch of 10
    reference.fit(x, y, batch_size=10, epochs=2, shuffle=False, verbose=0)
    with two_cpus.scope():
        synchronized, local = _batch_norm_model(synchronized=True), _batch_norm_model(synchronized=False)
    for model in (synchronized, local):
        model.fit(x, y, batch_size=10, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(synchronized.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-5)
    moving_mean = synchronized.layers[1].moving_mean
    np.testing.assert_allclose(moving_mean.values[0], moving_mean.values[1], atol=1e-6)
    # Without synchronization each replica normalizes by its own 5 rows, as Keras 3 does: other weights.
    assert max(np.max(np.abs(a - b)) for a, b in zip(local.get_weights(), reference.get_weights())) > 1e-3


def test_predict_splits_every_batch_over_the_replicas_and_keeps_the_rows_in_order(two_cpus):
    x, _ = _data()
    with two_cpus.scope():
        model = _model()
    predictions = model.predict(x[:9], batch_size=4, verbose=0)  # the last batch's one row: one replica idle
    assert predictions.shape == (9, 1)
    np.testing.assert_allclose(predictions, model(x[:9]).numpy(), rtol=1e-6, atol=1e-6)


def test_fit_evaluate_and_predict_take_a_distributed_dataset(two_cpus):
    x, y = _data()
    dataset = tg.data.Dataset.from_tensor_slices((x, y)).batch(10)
    with two_cpus.scope():
        on_dataset, on_distributed = _model(), _model()
    on_dataset.fit(dataset, epochs=2, verbose=0)
    distributed = two_cpus.experimental_distribute_dataset(dataset)
    on_distributed.fit(distributed, epochs=2, verbose=0)  # TF's Keras takes it too
    for a, b in zip(on_distributed.get_weights(), on_dataset.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-6)
    np.testing.assert_allclose(on_distributed.evaluate(distributed, verbose=0), on_dataset.evaluate(dataset, verbose=0),
                               rtol=1e-6)
    predictions = on_distributed.predict(two_cpus.experimental_distribute_dataset(
        tg.data.Dataset.from_tensor_slices(x[:9]).batch(4)), verbose=0)
    np.testing.assert_allclose(predictions, on_distributed(x[:9]).numpy(), rtol=1e-6, atol=1e-6)


def test_one_replica_fits_and_predicts_on_its_distributed_dataset():
    x, y = _data()
    strategy = tg.distribute.OneDeviceStrategy("/cpu:0")
    with strategy.scope():
        model = _model()
    distributed = strategy.experimental_distribute_dataset(tg.data.Dataset.from_tensor_slices((x, y)).batch(10))
    assert isinstance(distributed, tg.distribute.DistributedDataset)
    reference = _model()
    reference.fit(tg.data.Dataset.from_tensor_slices((x, y)).batch(10), epochs=1, verbose=0)
    model.fit(distributed, epochs=1, verbose=0)
    for a, b in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-6)
    assert model.predict(strategy.experimental_distribute_dataset(tg.data.Dataset.from_tensor_slices(x).batch(4)),
                         verbose=0).shape == (40, 1)


def test_run_all_reduce_reduce_and_distributed_dataset(two_cpus):
    def per_replica(x):
        context = tg.distribute.get_replica_context()
        return context.all_reduce(tg.distribute.ReduceOp.SUM, x * float(context.replica_id_in_sync_group + 1))

    result = two_cpus.run(per_replica, args=(tg.constant(2.0),))
    assert [float(v) for v in two_cpus.experimental_local_results(result)] == [6.0, 6.0]  # TF 2.21: 6.0, 6.0
    assert float(two_cpus.reduce("SUM", result, axis=None)) == 12.0
    batches = [[b.numpy().tolist() for b in two_cpus.experimental_local_results(batch)]
               for batch in two_cpus.experimental_distribute_dataset(tg.data.Dataset.range(10).batch(4))]
    assert batches == [[[0, 1], [2, 3]], [[4, 5], [6, 7]], [[8], [9]]]  # as TF 2.21 splits them
    assert tg.distribute.in_cross_replica_context() is False
    with two_cpus.scope():
        assert tg.distribute.in_cross_replica_context() and tg.distribute.get_replica_context() is None


def test_a_traced_step_is_traced_once_and_every_replica_updates_its_copy(two_cpus):
    with two_cpus.scope():
        v = tg.Variable(0.0)
        mirrored = tg.distribute.create_variable(tg.Variable, 0.0)

    @tg.function
    def step(x):
        total = tg.distribute.get_replica_context().all_reduce("MEAN", tg.reduce_sum(x))
        mirrored.assign_add(total)
        return total

    values = two_cpus.experimental_distribute_values_from_function(
        lambda context: tg.constant([float(context.replica_id_in_sync_group)] * 3))
    for _ in range(2):
        result = two_cpus.run(step, args=(values,))
    assert [float(r) for r in result.values] == [1.5, 1.5]
    assert [float(c) for c in mirrored.values] == [3.0, 3.0]
    assert step.experimental_get_tracing_count() == 1
    assert [float(c) for c in v.values] == [0.0, 0.0]  # a tg.Variable made in the scope is mirrored too, as in TF
    assert str(mirrored).splitlines()[0] == "MirroredVariable:{"  # as TF 2.21 prints one
    assert "1: <tg.Variable 'Variable" in str(mirrored) and "numpy=3.0" in str(mirrored)


def test_a_failing_replica_stops_the_others():
    group = collectives.ThreadGroup(2, timeout=5)
    group.abort()  # what a replica that raised does
    with pytest.raises(tg.distribute.CollectiveTimeoutError, match="another replica failed"):
        group.all_reduce(np.ones(3, np.float32), 0)


def test_an_error_in_one_replica_is_raised_by_run(two_cpus):
    def fails_on_replica_one(x):
        if tg.distribute.get_replica_context().replica_id_in_sync_group == 1:
            raise ValueError("replica one failed")
        return tg.distribute.get_replica_context().all_reduce("SUM", x)

    with pytest.raises(ValueError, match="replica one failed"):
        two_cpus.run(fails_on_replica_one, args=(tg.constant(1.0),))
    assert [float(v) for v in two_cpus.run(lambda x: tg.distribute.get_replica_context().all_reduce("SUM", x),
                                           args=(tg.constant(1.0),)).values] == [2.0, 2.0]


def test_buckets_keep_dtypes_apart_and_respect_the_size_limit():
    arrays = [np.zeros(4, np.float32), np.zeros(4, np.float64), np.zeros(4, np.float32), np.zeros(10, np.float32)]
    assert collectives.buckets(arrays, lambda a: a.nbytes, 40) == [[0, 2], [3], [1]]
    packed = collectives.pack(np, [np.arange(3.0), np.arange(4.0).reshape(2, 2)])
    parts = collectives.unpack(packed, [np.zeros(3), np.zeros((2, 2))])
    assert parts[1].tolist() == [[0.0, 1.0], [2.0, 3.0]]


def test_the_default_strategy_is_one_replica():
    strategy = tg.distribute.get_strategy()
    assert strategy.num_replicas_in_sync == 1 and not tg.distribute.has_strategy()
    context = tg.distribute.get_replica_context()
    assert context.replica_id_in_sync_group == 0 and context.num_replicas_in_sync == 1
    assert float(strategy.reduce("MEAN", tg.constant([1.0, 3.0]), axis=0)) == 2.0
    assert tg.distribute.InputContext(2, 1, 4).get_per_replica_batch_size(16) == 4


def _second_of_two_workers():
    """A strategy as worker 1 of 2 sees it (no collectives are used by dataset sharding)."""
    strategy = tg.distribute.Strategy(None)
    strategy._extended = tg.distribute.StrategyExtended(strategy, ["/cpu:0"], num_workers=2, worker_index=1)
    return strategy


def test_file_auto_shard_gives_each_worker_every_other_file(tmp_path):
    names = []
    for i in range(4):
        names.append(str(tmp_path / f"part{i}.txt"))
        pathlib.Path(names[-1]).write_text(f"{i}a\n{i}b\n")
    dataset = tg.data.TextLineDataset(names).batch(2)
    batches = [b.numpy().tolist() for b in _second_of_two_workers().experimental_distribute_dataset(dataset)]
    assert batches == [[b"1a"], [b"1b"], [b"3a"], [b"3b"]]  # files 1 and 3, each batch split over 2 workers' steps


def test_data_auto_shard_gives_each_worker_its_rows_of_every_global_batch():
    dataset = tg.data.Dataset.range(8).batch(4)
    options = tg.distribute.InputOptions(experimental_auto_shard_policy=tg.distribute.experimental.AutoShardPolicy.DATA)
    batches = [b.numpy().tolist() for b in _second_of_two_workers().experimental_distribute_dataset(dataset, options)]
    assert batches == [[2, 3], [6, 7]]
    with pytest.raises(ValueError, match="reads no files"):
        _second_of_two_workers().experimental_distribute_dataset(
            dataset, tg.distribute.InputOptions(experimental_auto_shard_policy=1))


def test_distribute_datasets_from_function_passes_the_input_context():
    seen = []

    def dataset_fn(context):
        seen.append((context.num_input_pipelines, context.input_pipeline_id, context.num_replicas_in_sync))
        return tg.data.Dataset.range(6).shard(context.num_input_pipelines, context.input_pipeline_id).batch(
            context.get_per_replica_batch_size(4))

    batches = [b.numpy().tolist() for b in _second_of_two_workers().distribute_datasets_from_function(dataset_fn)]
    assert seen == [(2, 1, 2)] and batches == [[1, 3], [5]]


def test_a_plain_variable_made_in_the_scope_is_mirrored_and_trained_by_a_custom_loop(two_cpus):
    with two_cpus.scope():
        weight = tg.Variable([1.0])  # through the strategy's variable creator, as in TF
        optimizer = tg.keras.optimizers.SGD(0.1)
    assert len(weight.values) == 2

    def step():
        optimizer.apply_gradients([(tg.constant([1.0]), weight)])

    two_cpus.run(step)
    np.testing.assert_allclose(weight.numpy(), [1.0 - 0.1 * 2.0])  # the replicas' gradients are summed
    np.testing.assert_allclose([np.asarray(v) for v in weight.values], [[0.8], [0.8]], rtol=1e-6)


def test_a_variable_made_outside_the_scope_is_refused_by_the_optimizer(two_cpus):
    shared = tg.Variable([1.0])  # no copy per replica
    with two_cpus.scope():
        optimizer = tg.keras.optimizers.SGD(0.1)

    def step():
        optimizer.apply_gradients([(tg.constant([1.0]), shared)])

    with pytest.raises(ValueError, match="would apply the update"):
        two_cpus.run(step)

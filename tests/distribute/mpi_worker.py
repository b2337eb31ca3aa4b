"""The program `mpiexec` runs in the multi-worker tests: `python mpi_worker.py <scenario> <directory>`.

Each scenario runs several checks in one launch (a launch costs a second of imports per process)
and writes its findings to `<directory>/<scenario>_<rank>.json` for the test to assert on.
"""
import itertools
import json
import os
import sys
import time

import numpy as np

import tracegraph as tg

GLOBAL_BATCH = 12


def data(n=48, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 6)).astype("float32")
    y = (x @ rng.normal(size=(6, 1)) + 0.1 * rng.normal(size=(n, 1))).astype("float32")
    return x, y


def make_model(seed=1):
    tg.keras.utils.set_random_seed(seed)
    model = tg.keras.Sequential([tg.keras.Input((6,)), tg.keras.layers.Dense(8, activation="tanh"),
                                 tg.keras.layers.Dense(1)])
    model.compile(optimizer=tg.keras.optimizers.Adam(0.01), loss="mse", metrics=["mae"])
    return model


def weights(model):
    return [w.tolist() for w in model.get_weights()]


def max_difference(a, b):
    return max(float(np.max(np.abs(np.asarray(p) - np.asarray(q)))) for p, q in zip(a, b))


def train(directory, strategy, rank):
    x, y = data()
    found = {"rank": rank, "workers": strategy.num_replicas_in_sync}
    # 1. fit on arrays equals one process's fit on the same global batches
    reference = make_model()
    reference.fit(x, y, batch_size=GLOBAL_BATCH, epochs=2, shuffle=False, verbose=0)
    with strategy.scope():
        model = make_model(seed=1 + rank)  # different initial values per worker: the chief's are broadcast
    history = model.fit(x, y, batch_size=GLOBAL_BATCH, epochs=2, shuffle=False, verbose=0)
    found["fit_weight_difference"] = max_difference(weights(model), weights(reference))
    found["fit_loss"] = history.history["loss"]
    found["reference_loss"] = reference.history.history["loss"]
    found["train_traces"] = model._step_functions["train"].experimental_get_tracing_count()
    graph = model._step_functions["train"].get_concrete_function(
        (tg.constant(x[:GLOBAL_BATCH // 2]), tg.constant(y[:GLOBAL_BATCH // 2]))).optimized_graph
    found["train_step_ops"] = [node.op.name for node in graph.nodes]
    # predict: each worker computes its rows of every batch; every worker returns all of them
    predictions = model.predict(x[:13], batch_size=4, verbose=0)  # uneven: the last batch has 1 row
    found["predict_shape"] = list(predictions.shape)
    found["predict_difference"] = float(np.max(np.abs(predictions - model(x[:13]).numpy())))
    # 2. fit on a dataset with a validation set; the chief alone writes files

    def train_set():  # seeded, so every worker (and the reference) sees the same global batches
        tg.random.set_seed(3)
        return tg.data.Dataset.from_tensor_slices((x, y)).shuffle(48, seed=3).batch(GLOBAL_BATCH)
    val = data(24, seed=5)
    csv = os.path.join(directory, f"log_{rank}.csv")
    checkpoint = os.path.join(directory, "chief.weights.tgw")
    history = model.fit(train_set(), validation_data=val, epochs=2, verbose=0,
                        callbacks=[tg.keras.callbacks.CSVLogger(csv),
                                   tg.keras.callbacks.ModelCheckpoint(checkpoint, save_weights_only=True)])
    reference.fit(train_set(), validation_data=val, epochs=2, verbose=0)
    found["dataset_weight_difference"] = max_difference(weights(model), weights(reference))
    found["val_loss"] = history.history["val_loss"]
    found["reference_val_loss"] = reference.history.history["val_loss"]
    found["wrote_csv"] = os.path.exists(csv)
    # fit and predict on a distributed dataset (each worker reads its rows of every global batch)
    with strategy.scope():
        on_distributed = make_model(seed=1 + rank)
    on_distributed.fit(strategy.experimental_distribute_dataset(train_set()), epochs=2, verbose=0)
    reference_on_dataset = make_model()
    reference_on_dataset.fit(train_set(), epochs=2, verbose=0)
    found["distributed_dataset_weight_difference"] = max_difference(weights(on_distributed),
                                                                    weights(reference_on_dataset))
    predictions = on_distributed.predict(strategy.experimental_distribute_dataset(
        tg.data.Dataset.from_tensor_slices(x[:13]).batch(4)), verbose=0)
    found["distributed_predict_difference"] = float(np.max(np.abs(predictions - on_distributed(x[:13]).numpy())))
    found["checkpoint_weights"] = weights(model)
    # 3. a custom loop: strategy.run of one traced step, gradients all-reduced in the graph
    with strategy.scope():
        w = tg.Variable(np.ones((6, 1), "float32"))
        optimizer = tg.keras.optimizers.SGD(0.1)

    @tg.function
    def step(xb, yb):
        with tg.GradientTape() as tape:
            loss = tg.reduce_mean((tg.matmul(xb, w) - yb) ** 2) / strategy.num_replicas_in_sync
        optimizer.apply_gradients([(tape.gradient(loss, w), w)])
        return tg.distribute.get_replica_context().all_reduce("SUM", loss)

    losses = []
    for batch in strategy.experimental_distribute_dataset(
            tg.data.Dataset.from_tensor_slices((x, y)).batch(GLOBAL_BATCH)):
        losses.append(float(strategy.run(step, args=batch)))
    w_ref = np.ones((6, 1), "float32")
    for start in range(0, 48, GLOBAL_BATCH):
        xb, yb = x[start:start + GLOBAL_BATCH], y[start:start + GLOBAL_BATCH]
        w_ref -= 0.1 * (2 * xb.T @ (xb @ w_ref - yb) / len(xb))
    found["custom_loop_difference"] = float(np.max(np.abs(w.numpy() - w_ref)))
    found["custom_loop_traces"] = step.experimental_get_tracing_count()
    found["custom_loop_losses"] = losses
    return found


def restore(directory, strategy, rank):
    """A checkpoint the chief wrote, restored by this run's workers, then one more epoch of training."""
    x, y = data()
    with strategy.scope():
        model = make_model(seed=7 + rank)
    model.load_weights(os.path.join(directory, "chief.weights.tgw"))
    found = {"rank": rank, "workers": strategy.num_replicas_in_sync, "restored_weights": weights(model)}
    reference = make_model(seed=7)
    reference.load_weights(os.path.join(directory, "chief.weights.tgw"))
    reference.fit(x, y, batch_size=GLOBAL_BATCH, epochs=1, shuffle=False, verbose=0)
    model.fit(x, y, batch_size=GLOBAL_BATCH, epochs=1, shuffle=False, verbose=0)
    found["resumed_weight_difference"] = max_difference(weights(model), weights(reference))
    return found


#: Floats in the buckets of `fault_large` (2 MiB: all-reduced by MPI's blocking Allreduce on the group's thread).
LARGE_BUCKET = 1 << 19


def large_all_reduces(strategy, rank):
    """All-reduce large buckets until stopped, checking the first two sums. The 'epoch 1' line comes after the
    second, so once the test sees it every worker is past the first one and printed whether both were right."""
    group, workers = strategy.extended._group, strategy.num_replicas_in_sync
    expected = workers * (workers + 1) / 2
    for i in itertools.count():
        total = group.all_reduce(np.full(LARGE_BUCKET, rank + 1, np.float32) * (i + 1))
        if i == 0:
            first = total  # held: the next all-reduce must not write into it (the group reuses unheld results)
        if i == 1:
            right = bool(np.all(first == expected) and np.all(total == 2 * expected))
            print(f"worker {rank} large all-reduce right: {right}", flush=True)
            print(f"worker {rank} epoch 1", flush=True)


def fault(directory, strategy, rank, large=False):
    """Train until a worker is stopped or killed from outside; the survivors must raise, naming it. With `large`,
    the workers all-reduce large buckets from the end of epoch 1 on, so the victim stops in one of those."""
    print(f"worker {rank} pid {os.getpid()}", flush=True)
    x, y = data(480)
    with strategy.scope():
        model = make_model()

    def epoch_end(epoch, logs):
        if large and epoch == 1:
            large_all_reduces(strategy, rank)
        print(f"worker {rank} epoch {epoch}", flush=True)
    start = time.time()
    try:
        model.fit(x, y, batch_size=GLOBAL_BATCH, epochs=10_000, verbose=0,
                  callbacks=[tg.keras.callbacks.LambdaCallback(on_epoch_end=epoch_end)])
    except tg.distribute.WorkerLostError as error:
        print(f"worker {rank} stopped after {time.time() - start:.1f} s: {error} lost={list(error.lost_ranks)}",
              flush=True)
        raise
    return {}


def error(directory, strategy, rank):
    """Worker 1 raises an error in its second epoch; the launcher then ends the others."""
    x, y = data(480)
    with strategy.scope():
        model = make_model()

    def fail(epoch, logs):
        if rank == 1 and epoch == 1:
            raise RuntimeError("worker 1 fails on purpose")
    model.fit(x, y, batch_size=GLOBAL_BATCH, epochs=10_000, verbose=0,
              callbacks=[tg.keras.callbacks.LambdaCallback(on_epoch_end=fail)])
    return {}


if __name__ == "__main__":
    scenario, directory = sys.argv[1], sys.argv[2]
    tg.config.set_backend("numpy")  # speed is not the point here; start-up is
    # Small buckets in "train": the gradients go in three, each begun as soon as the backward pass made it.
    options = tg.distribute.experimental.CommunicationOptions(bytes_per_pack=64 if scenario == "train" else 0)
    strategy = tg.distribute.MultiWorkerMirroredStrategy(communication_options=options)
    rank = strategy.cluster_resolver.task_id
    scenarios = {"train": train, "restore": restore, "fault": fault, "error": error,
                 "fault_large": lambda *args: fault(*args, large=True)}
    result = scenarios[scenario](directory, strategy, rank)
    with open(os.path.join(directory, f"{scenario}_{rank}.json"), "w") as f:
        json.dump(result, f)

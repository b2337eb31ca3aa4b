"""tg.train.Checkpoint: keys by attribute path, round trips of every object kind, numbering,
deferred restoration into unbuilt Keras models and optimizers, and the status assertions."""
import gc
import os
import weakref

import numpy as np
import pytest

import tracegraph as tg
import tracegraph.train
from tracegraph import keras

train = tracegraph.train


def keys(path):
    return [key for key, _ in train.list_variables(path)]


class Net(tg.Module):
    def __init__(self):
        super().__init__()
        self.w = tg.Variable(np.arange(6, dtype=np.float32).reshape(2, 3))
        self.blocks = [tg.Variable(1.0), {"b": tg.Variable(np.int64(7)), "c": tg.Variable([True, False])}]
        self.inner = tg.Module()
        self.inner.v = tg.Variable(np.float64(2.5))
        self.alias = self.w  # the same variable again: saved once, under its first path (`w`)


class WithBackReference(tg.Module):
    _TRACKING_IGNORED = frozenset({"_parent"})

    def __init__(self, parent):
        super().__init__()
        self._parent = parent
        self.own = tg.Variable(3.0)


def test_module_keys_are_attribute_paths(tmp_path):
    # TF 2.21 writes tf.train.Checkpoint(m=M()) with M's `w` and `sub.x` as
    # 'm/sub/x/.ATTRIBUTES/VARIABLE_VALUE' and 'm/w/.ATTRIBUTES/VARIABLE_VALUE'.
    net = Net()
    net.child = WithBackReference(net)
    path = train.Checkpoint(net=net).write(str(tmp_path / "ck"))
    assert keys(path) == sorted([
        "net/w/.ATTRIBUTES/VARIABLE_VALUE",
        "net/blocks/0/.ATTRIBUTES/VARIABLE_VALUE", "net/blocks/1/b/.ATTRIBUTES/VARIABLE_VALUE",
        "net/blocks/1/c/.ATTRIBUTES/VARIABLE_VALUE", "net/child/own/.ATTRIBUTES/VARIABLE_VALUE",
        "net/inner/v/.ATTRIBUTES/VARIABLE_VALUE"])


def test_module_round_trip_keeps_values_and_dtypes(tmp_path):
    net = Net()
    path = train.Checkpoint(net=net).write(str(tmp_path / "ck"))
    fresh = Net()
    for v in fresh.variables:
        v.assign(np.zeros(v.shape.as_list(), v.dtype.as_numpy_dtype) if v.dtype != tg.bool
                 else np.zeros(v.shape.as_list(), bool))
    train.Checkpoint(net=fresh).read(path).assert_consumed()
    for saved, restored in zip(net.variables, fresh.variables):
        np.testing.assert_array_equal(saved.numpy(), restored.numpy())
        assert saved.dtype == restored.dtype
    assert fresh.alias is fresh.w


def test_save_numbers_prefixes_and_restores_the_tutorial_example(tmp_path):
    x = tg.Variable(10.)
    checkpoint = train.Checkpoint(x=x)
    x.assign(2.)
    directory = str(tmp_path / "ckpt") + "/"
    assert checkpoint.save(directory) == directory + "-1"
    x.assign(11.)
    assert checkpoint.save(directory) == directory + "-2"
    assert int(checkpoint.save_counter.numpy()) == 2
    assert train.latest_checkpoint(directory) == directory + "-2"
    checkpoint.restore(directory + "-1")
    assert float(x.numpy()) == 2.0
    assert int(checkpoint.save_counter.numpy()) == 1
    # The state file names the newest save only (TF's Checkpoint.save does the same).
    state = train.get_checkpoint_state(directory)
    assert state.all_model_checkpoint_paths == [directory + "-2"]


def test_write_and_read_without_counter(tmp_path):
    v = tg.Variable([1.0, 2.0])
    checkpoint = train.Checkpoint(v=v)
    path = checkpoint.write(str(tmp_path / "plain"))
    assert path == str(tmp_path / "plain")
    assert keys(path) == ["v/.ATTRIBUTES/VARIABLE_VALUE"]
    assert not os.path.exists(tmp_path / "checkpoint")
    v.assign([0.0, 0.0])
    checkpoint.read(path).assert_consumed()
    np.testing.assert_array_equal(v.numpy(), [1.0, 2.0])


def test_nested_checkpoints_restore_part_of_a_model(tmp_path):
    # The training-checkpoints guide's "fake_layer" restore: a Checkpoint tree with the same
    # attribute names reads one variable out of a Keras model's checkpoint.
    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.l1 = keras.layers.Dense(5)

        def call(self, x):
            return self.l1(x)

    net = Net()
    net(np.ones((1, 3), np.float32))
    path = train.Checkpoint(net=net).save(str(tmp_path / "ck"))
    assert "net/l1/bias/.ATTRIBUTES/VARIABLE_VALUE" in keys(path)
    to_restore = tg.Variable(tg.zeros([5]))
    status = train.Checkpoint(net=train.Checkpoint(l1=train.Checkpoint(bias=to_restore))).restore(path)
    status.assert_existing_objects_matched()
    np.testing.assert_array_equal(to_restore.numpy(), net.l1.bias.numpy())
    with pytest.raises(AssertionError, match="net/l1/kernel"):
        status.assert_consumed()
    assert status.expect_partial() is status


def make_model():
    return keras.Sequential([keras.layers.Dense(4, activation="relu"), keras.layers.BatchNormalization(),
                             keras.layers.Dense(2)])


def data():
    rng = np.random.default_rng(0)
    return rng.standard_normal((32, 3)).astype(np.float32), rng.standard_normal((32, 2)).astype(np.float32)


def trained(optimizer):
    x, y = data()
    model = make_model()
    model.compile(optimizer=optimizer, loss="mse", metrics=["mae"])
    model.fit(x, y, batch_size=8, epochs=1, verbose=0, shuffle=False)
    return model


@pytest.mark.parametrize("optimizer", [lambda: keras.optimizers.Adam(0.01),
                                       lambda: keras.optimizers.SGD(0.05, momentum=0.9),
                                       lambda: keras.optimizers.RMSprop(0.01, momentum=0.5),
                                       lambda: keras.optimizers.Nadam(0.01),
                                       lambda: keras.optimizers.Adam(0.01, use_ema=True, amsgrad=True)])
def test_keras_model_and_optimizer_restore_into_fresh_unbuilt_ones_and_fit_continues(tmp_path, optimizer):
    x, y = data()
    model = trained(optimizer())
    path = train.Checkpoint(model=model, optimizer=model.optimizer).save(str(tmp_path / "ck"))

    fresh_model, fresh_optimizer = make_model(), optimizer()
    status = train.Checkpoint(model=fresh_model, optimizer=fresh_optimizer).restore(path)
    with pytest.raises(AssertionError, match="Unresolved values"):
        status.assert_consumed()  # nothing built yet: kernels and slots wait
    fresh_model.compile(optimizer=fresh_optimizer, loss="mse", metrics=["mae"])
    continued = model.fit(x, y, batch_size=8, epochs=2, verbose=0, shuffle=False).history["loss"]
    resumed = fresh_model.fit(x, y, batch_size=8, epochs=2, verbose=0, shuffle=False).history["loss"]
    np.testing.assert_allclose(resumed, continued, rtol=1e-6)
    status.assert_consumed()
    for a, b in zip(model.weights + model.optimizer.variables, fresh_model.weights + fresh_optimizer.variables):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6)


def test_optimizer_slots_are_keyed_by_their_model_variable(tmp_path):
    model = trained(keras.optimizers.Adam(0.01))
    path = train.Checkpoint(model=model, optimizer=model.optimizer).write(str(tmp_path / "ck"))
    names = keys(path)
    kernel = "model/_layers/0/kernel"
    assert f"{kernel}/.ATTRIBUTES/VARIABLE_VALUE" in names
    assert f"{kernel}/.OPTIMIZER_SLOT/optimizer/momentum/.ATTRIBUTES/VARIABLE_VALUE" in names
    assert f"{kernel}/.OPTIMIZER_SLOT/optimizer/velocity/.ATTRIBUTES/VARIABLE_VALUE" in names
    assert "optimizer/_iterations/.ATTRIBUTES/VARIABLE_VALUE" in names
    assert "optimizer/_learning_rate/.ATTRIBUTES/VARIABLE_VALUE" in names
    assert not [k for k in names if "_momentums" in k or "_variables" in k]
    slot = model.optimizer.get_slot(model.layers[0].kernel, "m")
    np.testing.assert_array_equal(train.load_variable(path, f"{kernel}/.OPTIMIZER_SLOT/optimizer/momentum/"
                                                      ".ATTRIBUTES/VARIABLE_VALUE"), slot.numpy())


def test_optimizer_alone_restores_slots_by_position(tmp_path):
    model = trained(keras.optimizers.Adam(0.01))
    path = train.Checkpoint(optimizer=model.optimizer).write(str(tmp_path / "ck"))
    fresh = keras.optimizers.Adam(0.01)
    status = train.Checkpoint(optimizer=fresh).read(path)
    fresh.build(model.trainable_variables)
    status.assert_consumed()
    for a, b in zip(model.optimizer.variables, fresh.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_deferred_values_wait_for_a_layer_built_later(tmp_path):
    layer = keras.layers.Dense(3, name="source")
    layer(np.ones((2, 4), np.float32))
    path = train.Checkpoint(layer=layer).write(str(tmp_path / "ck"))
    fresh = keras.layers.Dense(3)
    status = train.Checkpoint(layer=fresh).read(path)
    status.assert_existing_objects_matched()  # nothing exists yet, so nothing is unmatched
    assert not fresh.weights
    fresh.build((None, 4))
    status.assert_consumed()
    np.testing.assert_array_equal(fresh.kernel.numpy(), layer.kernel.numpy())
    np.testing.assert_array_equal(fresh.bias.numpy(), layer.bias.numpy())


def test_deferred_restore_inside_a_traced_call_assigns_eagerly(tmp_path):
    layer = keras.layers.Dense(2)
    layer(np.ones((1, 3), np.float32))
    path = train.Checkpoint(layer=layer).write(str(tmp_path / "ck"))
    fresh = keras.layers.Dense(2)
    train.Checkpoint(layer=fresh).read(path)

    @tg.function
    def call(x):
        return fresh(x)

    x = np.ones((1, 3), np.float32)
    np.testing.assert_allclose(call(x).numpy(), layer(x).numpy(), rtol=1e-6)


def test_metric_state_round_trips(tmp_path):
    metric = keras.metrics.Mean()
    metric.update_state([1.0, 2.0, 6.0])
    path = train.Checkpoint(metric=metric).write(str(tmp_path / "ck"))
    assert keys(path) == ["metric/count/.ATTRIBUTES/VARIABLE_VALUE", "metric/total/.ATTRIBUTES/VARIABLE_VALUE"]
    fresh = keras.metrics.Mean()
    train.Checkpoint(metric=fresh).read(path).assert_consumed()
    assert float(fresh.result()) == 3.0


def test_existing_variable_without_a_value_fails_existing_objects_matched(tmp_path):
    path = train.Checkpoint(a=tg.Variable(1.0)).write(str(tmp_path / "ck"))
    status = train.Checkpoint(a=tg.Variable(0.0), b=tg.Variable(0.0)).read(path)
    with pytest.raises(AssertionError, match=r"'b/\.ATTRIBUTES/VARIABLE_VALUE'"):
        status.assert_existing_objects_matched()
    status.assert_nontrivial_match()


def test_restore_none_restores_nothing_and_says_so():
    v = tg.Variable(5.0)
    status = train.Checkpoint(v=v).restore(None)
    assert float(v.numpy()) == 5.0
    for check in (status.assert_consumed, status.assert_existing_objects_matched):
        with pytest.raises(AssertionError, match="No checkpoint specified"):
            check()
    assert status.expect_partial() is status


def test_non_trackable_objects_are_refused():
    with pytest.raises(ValueError, match="trackable"):
        train.Checkpoint(step=3)


def test_checkpoint_attributes_added_later_are_saved(tmp_path):
    checkpoint = train.Checkpoint()
    checkpoint.step = tg.Variable(np.int64(4))
    path = checkpoint.write(str(tmp_path / "ck"))
    assert checkpoint.step is not None
    assert train.load_variable(path, "step/.ATTRIBUTES/VARIABLE_VALUE") == 4


def test_an_optimizer_reached_only_through_the_model_is_restored_after_compile(tmp_path):
    # Checkpoint(model=...) alone: the optimizer is `model/optimizer`, which a fresh model only gets
    # from `compile`, after the restore; its step count and slots still come back before the first step.
    x, y = data()
    model = trained(keras.optimizers.Adam(0.01))
    path = train.Checkpoint(model=model).write(str(tmp_path / "ck"))
    assert "model/optimizer/_iterations/.ATTRIBUTES/VARIABLE_VALUE" in keys(path)
    fresh = make_model()
    status = train.Checkpoint(model=fresh).read(path)
    fresh.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse", metrics=["mae"])
    continued = model.fit(x, y, batch_size=8, epochs=1, verbose=0, shuffle=False).history["loss"]
    resumed = fresh.fit(x, y, batch_size=8, epochs=1, verbose=0, shuffle=False).history["loss"]
    np.testing.assert_allclose(resumed, continued, rtol=1e-6)
    status.assert_consumed()
    assert int(fresh.optimizer.iterations.numpy()) == int(model.optimizer.iterations.numpy())


class Block(keras.layers.Layer):
    """A layer whose sub-layer is made in `build`: its whole subtree is created after a restore."""

    def build(self, input_shape):
        self.dense = keras.layers.Dense(3)
        self.scale = self.add_weight(shape=(3,), initializer="ones", name="scale")

    def call(self, x):
        return self.dense(x) * self.scale


def test_a_sub_layer_made_in_build_is_restored_when_it_appears(tmp_path):
    block = Block()
    x = np.ones((2, 4), np.float32)
    block(x)
    block.scale.assign([1.0, 2.0, 3.0])
    path = train.Checkpoint(block=block).write(str(tmp_path / "ck"))
    assert sorted(keys(path)) == ["block/dense/bias/.ATTRIBUTES/VARIABLE_VALUE",
                                  "block/dense/kernel/.ATTRIBUTES/VARIABLE_VALUE",
                                  "block/scale/.ATTRIBUTES/VARIABLE_VALUE"]
    fresh = Block()
    status = train.Checkpoint(block=fresh).read(path)
    np.testing.assert_allclose(fresh(x).numpy(), block(x).numpy(), rtol=1e-6)
    status.assert_consumed()


def test_a_restore_left_waiting_does_not_keep_an_unbuilt_model_alive(tmp_path):
    layer = keras.layers.Dense(2)
    layer(np.ones((1, 3), np.float32))
    path = train.Checkpoint(layer=layer).write(str(tmp_path / "ck"))
    fresh = keras.layers.Dense(2)
    status = train.Checkpoint(layer=fresh).read(path)
    layer_ref, restoration_ref = weakref.ref(fresh), weakref.ref(status._restoration)
    del fresh, status
    gc.collect()
    assert layer_ref() is None
    keras.layers.Dense(1).build((None, 1))  # a creation sweeps the waits whose objects are all gone
    gc.collect()
    assert restoration_ref() is None


def test_the_training_checkpoints_guide(tmp_path):
    # TF's "Training checkpoints" guide, without its tf.data iterator: a manager saves every 10 steps,
    # a second run resumes, and a tree of Checkpoint objects reads one layer's values back, the kernel
    # deferred until it is assigned as an attribute.
    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.l1 = keras.layers.Dense(5)

        def call(self, x):
            return self.l1(x)

    x = np.arange(10, dtype=np.float32).reshape(10, 1)
    y = (x * 2 + 1).astype(np.float32)

    def train_and_checkpoint(net, manager, ckpt, opt):
        ckpt.restore(manager.latest_checkpoint)
        for _ in range(50):
            with tg.GradientTape() as tape:
                loss = tg.reduce_mean(tg.abs(net(x) - y))
            grads = tape.gradient(loss, net.trainable_variables)
            opt.apply_gradients(zip(grads, net.trainable_variables))
            ckpt.step.assign_add(1)
            if int(ckpt.step) % 10 == 0:
                manager.save()
        return float(loss)

    directory = str(tmp_path / "tf_ckpts")
    nets = []
    for _ in range(2):
        net, opt = Net(), keras.optimizers.Adam(0.1)
        ckpt = train.Checkpoint(step=tg.Variable(1), optimizer=opt, net=net)
        manager = train.CheckpointManager(ckpt, directory, max_to_keep=3)
        train_and_checkpoint(net, manager, ckpt, opt)
        nets.append(net)
    assert int(ckpt.step) == 100  # the first run saved step 50 (at ckpt-5) and the second adds 50
    assert [os.path.basename(p) for p in manager.checkpoints] == ["ckpt-8", "ckpt-9", "ckpt-10"]

    to_restore = tg.Variable(tg.zeros([5]))
    fake_layer = train.Checkpoint(bias=to_restore)
    status = train.Checkpoint(net=train.Checkpoint(l1=fake_layer)).restore(train.latest_checkpoint(directory))
    np.testing.assert_array_equal(to_restore.numpy(), nets[1].l1.bias.numpy())
    status.assert_existing_objects_matched()
    deferred_restore = tg.Variable(tg.zeros([1, 5]))
    assert not deferred_restore.numpy().any()
    fake_layer.kernel = deferred_restore
    np.testing.assert_array_equal(deferred_restore.numpy(), nets[1].l1.kernel.numpy())


def test_optimizer_variables_other_than_slots_are_keyed_by_their_name(tmp_path):
    model = trained(keras.optimizers.Nadam(0.01))
    path = train.Checkpoint(optimizer=model.optimizer).write(str(tmp_path / "ck"))
    assert "optimizer/_variables/u_product/.ATTRIBUTES/VARIABLE_VALUE" in keys(path)
    fresh = keras.optimizers.Nadam(0.01)
    status = train.Checkpoint(optimizer=fresh).read(path)
    fresh.build(model.trainable_variables)  # u_product is made after the slots, then set as an attribute
    status.assert_consumed()
    assert float(fresh._u_product.numpy()) == float(model.optimizer._u_product.numpy()) != 1.0


def test_options_are_accepted(tmp_path):
    v = tg.Variable(3.0)
    options = train.CheckpointOptions(experimental_io_device="/job:localhost")
    checkpoint = train.Checkpoint(v=v)
    path = checkpoint.save(str(tmp_path / "ck"), options=options)
    v.assign(0.0)
    checkpoint.restore(path, options=options).assert_consumed()
    assert float(v.numpy()) == 3.0


class Counter:
    """A new kind of trackable through the protocol: state in a Variable, a Python mirror of it."""

    def __init__(self):
        self.position = tg.Variable(np.int64(0))
        self.mirror = 0

    def advance(self):
        self.mirror += 1
        self.position.assign(self.mirror)

    def _checkpoint_children(self):
        return {"position": self.position}

    def _checkpoint_restored(self):
        self.mirror = int(self.position.numpy())


def test_objects_can_join_through_the_checkpoint_protocol(tmp_path):
    counter = Counter()
    for _ in range(3):
        counter.advance()
    path = train.Checkpoint(iterator=counter).write(str(tmp_path / "ck"))
    assert keys(path) == ["iterator/position/.ATTRIBUTES/VARIABLE_VALUE"]
    fresh = Counter()
    train.Checkpoint(iterator=fresh).read(path).assert_consumed()
    assert fresh.mirror == 3

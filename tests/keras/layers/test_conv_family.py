"""The convolution family beyond Conv1D/2D: DepthwiseConv1D/2D, SeparableConv1D/2D, Conv1D/2D/3DTranspose,
LocallyConnected1D/2D (and Conv3D): values against Keras 3.15 / TF 2.21's recorded outputs (tf_keras 2.21 for
the locally connected layers), gradients against finite differences in float64, eager against traced calls,
configs, `.keras` files, and `fit` on the NumPy and Numba backends."""
import numpy as np
import pytest
from conv_family_recorded import RECORDED
from layer_checks import assert_config_round_trip, assert_layer_gradients, assert_traced_matches_eager

import tracegraph as tg
from tracegraph import keras
from tracegraph.keras.layers import (Conv1DTranspose, Conv2DTranspose, Conv3D, Conv3DTranspose, DepthwiseConv1D,
                                     DepthwiseConv2D, LocallyConnected1D, LocallyConnected2D, SeparableConv1D,
                                     SeparableConv2D)


def inputs(shape):
    return ((np.arange(int(np.prod(shape))) % 7 - 3) / 4).reshape(shape).astype(np.float32)


def deterministic_weights(layer):
    """The weights the recordings were made with."""
    return [((np.arange(w.numpy().size) * 0.37 % 1.0) - 0.5).reshape(w.shape).astype(np.float32)
            for w in layer.weights]


def rand(seed, shape):
    return np.random.default_rng(seed).standard_normal(shape)


X2, X1, XT2, XT1, XT3, X3 = (inputs(s) for s in [(1, 4, 5, 3), (2, 7, 3), (1, 2, 3, 2), (1, 4, 3), (1, 2, 2, 2, 2),
                                                  (1, 3, 4, 5, 2)])
CASES = {
    "depthwise2d_same_s2_m2": (lambda: DepthwiseConv2D(3, strides=2, padding="same", depth_multiplier=2), X2),
    "depthwise2d_dil_first_tanh": (lambda: DepthwiseConv2D((2, 3), dilation_rate=(2, 1), data_format="channels_first",
                                                           activation="tanh"), X2),
    # strides and dilations together (Keras's TF backend decomposes it; the op takes both)
    "depthwise1d_s2_d2_same_m2": (lambda: DepthwiseConv1D(3, strides=2, dilation_rate=2, padding="same",
                                                          depth_multiplier=2), X1),
    "separable2d_relu": (lambda: SeparableConv2D(4, (3, 2), strides=(2, 1), padding="same", depth_multiplier=2,
                                                 activation="relu"), X2),
    "separable2d_first": (lambda: SeparableConv2D(2, 2, data_format="channels_first", use_bias=False), X2),
    "separable1d_dil": (lambda: SeparableConv1D(3, 3, dilation_rate=2, padding="same"), X1),
    "transpose2d_same_s2": (lambda: Conv2DTranspose(2, 3, strides=2, padding="same"), XT2),
    "transpose2d_valid_op": (lambda: Conv2DTranspose(1, (3, 2), strides=2, output_padding=1), XT2),
    # 3 filters: were they as many as the last spatial size (2), Keras 3.15 on TF would add the bias along that
    # axis (the bias_add shortcut of its TF backend's `add`); the channel axis is Keras's documented behaviour
    "transpose2d_dil_first": (lambda: Conv2DTranspose(3, 2, dilation_rate=2, padding="same",
                                                      data_format="channels_first"), XT2),
    "transpose1d_same_op": (lambda: Conv1DTranspose(2, 3, strides=3, padding="same", output_padding=1), XT1),
    "transpose1d_valid_s_gt_k": (lambda: Conv1DTranspose(2, 2, strides=3), XT1),
    "transpose3d_same": (lambda: Conv3DTranspose(2, 2, strides=(2, 1, 2), padding="same"), XT3),
    "conv3d_same": (lambda: Conv3D(2, (2, 1, 2), strides=(1, 2, 1), padding="same"), X3),
    "lc2d_last_relu": (lambda: LocallyConnected2D(3, (2, 3), strides=(2, 1), activation="relu"), X2),
    "lc2d_first": (lambda: LocallyConnected2D(2, 2, strides=(1, 2), data_format="channels_first"), X2),
    "lc1d": (lambda: LocallyConnected1D(2, 3, strides=2), X1),
    "lc1d_first_no_bias": (lambda: LocallyConnected1D(2, 2, data_format="channels_first", use_bias=False), X1),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_values_match_keras(name):
    make, x = CASES[name]
    layer = make()
    layer.build(x.shape)
    layer.set_weights(deterministic_weights(layer))
    got = layer(x)
    want = np.array(RECORDED[name])
    assert got.shape == want.shape == layer.compute_output_shape(x.shape)
    np.testing.assert_allclose(got.numpy(), want, atol=2e-6)
    assert_traced_matches_eager(layer, x)


def test_weight_shapes_and_names_are_keras():
    shapes = {
        DepthwiseConv2D(3, depth_multiplier=2): [("kernel", (3, 3, 3, 2)), ("bias", (6,))],
        SeparableConv2D(4, (3, 2), depth_multiplier=2): [("depthwise_kernel", (3, 2, 3, 2)),
                                                         ("pointwise_kernel", (1, 1, 6, 4)), ("bias", (4,))],
        SeparableConv1D(4, 2): [("depthwise_kernel", (2, 3, 1)), ("pointwise_kernel", (1, 3, 4)), ("bias", (4,))],
        Conv2DTranspose(5, (3, 2)): [("kernel", (3, 2, 5, 3)), ("bias", (5,))],
        # Keras 2's implementation 1: [output rows * cols, kernel rows * cols * channels, filters]
        LocallyConnected2D(4, (2, 3), strides=(2, 1)): [("kernel", (6, 18, 4)), ("bias", (2, 3, 4))],
    }
    for layer, expected in shapes.items():
        layer.build((None, 4, 5, 3) if "1D" not in type(layer).__name__ else (None, 7, 3))
        assert [(w.name, tuple(w.shape)) for w in layer.weights] == expected


# Small float64 layers for the finite-difference checks.
GRADIENT_CASES = [
    (lambda: DepthwiseConv2D((2, 3), strides=(2, 1), padding="same", depth_multiplier=2, dtype="float64"),
     (1, 4, 3, 2)),
    (lambda: DepthwiseConv1D(2, dilation_rate=2, data_format="channels_first", dtype="float64"), (2, 2, 5)),
    (lambda: SeparableConv2D(2, 2, strides=2, padding="same", activation="tanh", dtype="float64"), (1, 3, 4, 2)),
    (lambda: SeparableConv1D(2, 3, depth_multiplier=2, dtype="float64"), (2, 5, 2)),
    (lambda: Conv2DTranspose(2, (2, 3), strides=(2, 1), padding="same", output_padding=(1, 0), dtype="float64"),
     (1, 2, 3, 2)),
    (lambda: Conv1DTranspose(2, 3, strides=2, data_format="channels_first", dtype="float64"), (2, 2, 3)),
    (lambda: Conv3DTranspose(1, 2, strides=(1, 2, 1), padding="same", dtype="float64"), (1, 2, 2, 2, 2)),
    (lambda: LocallyConnected2D(2, 2, strides=(1, 2), activation="tanh", dtype="float64"), (1, 3, 5, 2)),
    (lambda: LocallyConnected1D(2, 2, data_format="channels_first", dtype="float64"), (2, 2, 4)),
]


@pytest.mark.parametrize("make, shape", GRADIENT_CASES, ids=[type(make()).__name__ for make, _ in GRADIENT_CASES])
def test_gradients_match_finite_differences(make, shape):
    layer = make()
    x = rand(3, shape)
    layer.build(x.shape)
    if layer.bias is not None:  # a zero bias would hide a wrong bias gradient's layout
        layer.bias.assign(rand(4, layer.bias.shape))
    assert_layer_gradients(layer, x)


def test_the_batch_may_be_unknown_while_tracing():
    layers = [Conv2DTranspose(2, 3, strides=2, padding="same"), SeparableConv2D(2, 3), LocallyConnected2D(2, 2)]
    for layer in layers:
        f = tg.function(layer, input_signature=[tg.TensorSpec([None, 5, 6, 3], tg.float32)])
        for batch in (1, 3):
            x = rand(batch, (batch, 5, 6, 3)).astype(np.float32)
            np.testing.assert_allclose(f(x).numpy(), layer(x).numpy(), rtol=1e-6, atol=1e-6)
        assert f.experimental_get_tracing_count() == 1


@pytest.mark.parametrize("make, spec, shapes", [
    (lambda: Conv2DTranspose(2, 3, strides=2, output_padding=1, data_format="channels_first"), [None, 3, None, None],
     [(2, 3, 4, 5), (1, 3, 6, 3)]),
    (lambda: Conv1DTranspose(2, 3, strides=3), [None, None, 3], [(2, 4, 3), (1, 7, 3)]),
    (lambda: DepthwiseConv2D(3, strides=2, padding="same"), [None, None, None, 3], [(2, 5, 6, 3), (1, 7, 4, 3)]),
])
def test_image_sizes_may_be_unknown_while_tracing(make, spec, shapes):
    layer = make()
    f = tg.function(layer, input_signature=[tg.TensorSpec(spec, tg.float32)])
    for k, shape in enumerate(shapes):
        x = rand(k, shape).astype(np.float32)
        np.testing.assert_allclose(f(x).numpy(), layer(x).numpy(), rtol=1e-6, atol=1e-6)
    assert f.experimental_get_tracing_count() == 1
    static = f.get_concrete_function().structured_outputs.shape  # the channels stay known
    assert static[1 if layer.data_format == "channels_first" else -1] is not None


def test_locally_connected_layers_keep_the_size_they_were_built_for():
    layer = LocallyConnected2D(2, 2)
    x = rand(0, (2, 4, 5, 3)).astype(np.float32)
    eager = layer(x)  # built for 4 x 5 images, then traced for images of any size
    f = tg.function(layer, input_signature=[tg.TensorSpec([None, None, None, 3], tg.float32)])
    np.testing.assert_allclose(f(x).numpy(), eager.numpy(), rtol=1e-6, atol=1e-6)
    with pytest.raises(ValueError, match=r"built for inputs of spatial shape \(4, 5\)"):
        layer(np.ones((1, 5, 5, 3), np.float32))


def test_configs_round_trip_with_keras_keys():
    regularized = dict(depthwise_regularizer=keras.regularizers.L2(0.1), depthwise_constraint="non_neg")
    layers = [
        DepthwiseConv2D(3, strides=2, depth_multiplier=2, padding="same", activation="relu", **regularized),
        SeparableConv2D(3, 2, pointwise_constraint=keras.constraints.MaxNorm(2.0), bias_initializer="ones",
                        **regularized),
        Conv3DTranspose(2, 3, strides=2, output_padding=1, kernel_constraint="unit_norm"),
        LocallyConnected2D(3, 2, kernel_regularizer="l1", bias_constraint="non_neg"),
        SeparableConv1D(2, 3), DepthwiseConv1D(2), Conv1DTranspose(2, 2), Conv2DTranspose(2, 2),
        LocallyConnected1D(2, 2),
    ]
    for layer in layers:
        rebuilt = assert_config_round_trip(layer)
        for attribute in ("depthwise_constraint", "pointwise_constraint", "kernel_constraint", "bias_constraint"):
            if getattr(layer, attribute, None) is not None:
                assert type(getattr(rebuilt, attribute)) is type(getattr(layer, attribute))
    # Keras 3.15's keys (tf_keras 2.21's for LocallyConnected2D, which adds `implementation`)
    assert sorted(layers[1].get_config()) == [
        "activation", "activity_regularizer", "bias_constraint", "bias_initializer", "bias_regularizer", "data_format",
        "depth_multiplier", "depthwise_constraint", "depthwise_initializer", "depthwise_regularizer", "dilation_rate",
        "dtype", "filters", "kernel_size", "name", "padding", "pointwise_constraint", "pointwise_initializer",
        "pointwise_regularizer", "strides", "trainable", "use_bias"]
    assert sorted(layers[0].get_config()) == [
        "activation", "activity_regularizer", "bias_constraint", "bias_initializer", "bias_regularizer", "data_format",
        "depth_multiplier", "depthwise_constraint", "depthwise_initializer", "depthwise_regularizer", "dilation_rate",
        "dtype", "kernel_size", "name", "padding", "strides", "trainable", "use_bias"]
    assert sorted(layers[7].get_config()) == [
        "activation", "activity_regularizer", "bias_constraint", "bias_initializer", "bias_regularizer", "data_format",
        "dilation_rate", "dtype", "filters", "kernel_constraint", "kernel_initializer", "kernel_regularizer",
        "kernel_size", "name", "output_padding", "padding", "strides", "trainable", "use_bias"]
    assert sorted(layers[3].get_config()) == [
        "activation", "activity_regularizer", "bias_constraint", "bias_initializer", "bias_regularizer", "data_format",
        "dtype", "filters", "implementation", "kernel_constraint", "kernel_initializer", "kernel_regularizer",
        "kernel_size", "name", "padding", "strides", "trainable", "use_bias"]


def test_aliases():
    layers = keras.layers
    assert layers.SeparableConvolution2D is SeparableConv2D and layers.SeparableConvolution1D is SeparableConv1D
    assert layers.Convolution2DTranspose is Conv2DTranspose and layers.Convolution3DTranspose is Conv3DTranspose
    assert layers.Convolution1DTranspose is Conv1DTranspose


@pytest.mark.parametrize("make, message", [
    (lambda: DepthwiseConv2D(3, depth_multiplier=0), "depth_multiplier"),
    (lambda: SeparableConv2D(0, 3), "filters"),
    (lambda: Conv2DTranspose(2, 3, strides=2, output_padding=2), "output_padding"),
    (lambda: Conv2DTranspose(2, 3, strides=2, dilation_rate=2), "dilation_rate"),
    (lambda: LocallyConnected2D(2, 3, padding="same"), "only \"valid\""),
    (lambda: LocallyConnected2D(2, 3, implementation=2), "implementation"),
])
def test_bad_arguments(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_bad_inputs():
    with pytest.raises(ValueError, match="expected ndim=4"):
        DepthwiseConv2D(2)(np.ones((2, 5, 5), np.float32))
    with pytest.raises(ValueError, match="fully-defined"):
        LocallyConnected2D(2, 2).build((None, None, 5, 3))
    with pytest.raises(ValueError, match="<= 0"):
        LocallyConnected1D(2, 5).build((None, 3, 2))
    with pytest.raises(ValueError, match="channel dimension"):
        SeparableConv2D(2, 2).build((None, 5, 5, None))


def _model():
    return keras.Sequential([
        keras.Input((6, 6, 2)),
        SeparableConv2D(4, 3, padding="same", activation="relu", depthwise_constraint="non_neg"),
        DepthwiseConv2D(2, strides=2, depth_multiplier=2),
        Conv2DTranspose(3, 3, strides=2, padding="same", activation="tanh"),
        LocallyConnected2D(2, 3, strides=2),
        keras.layers.Flatten(),
        keras.layers.Dense(1),
    ])


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_fit_trains_with_the_traced_step_on_each_backend(backend):
    if backend == "numba":
        pytest.importorskip("numba")
    x = rand(7, (12, 6, 6, 2)).astype(np.float32)
    y = x[:, ::2, ::2, 0].reshape(12, -1).sum(axis=1, keepdims=True)
    keras.utils.set_random_seed(3)
    model = _model()
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    tg.config.set_backend(backend)
    try:
        history = model.fit(x, y, batch_size=5, epochs=8, verbose=0)
    finally:
        tg.config.set_backend(None)
    losses = history.history["loss"]
    assert losses[-1] < 0.8 * losses[0]
    assert model.layers[0].depthwise_kernel.numpy().min() >= 0  # the constraint ran after each update
    if backend == "numba":  # the same training on the reference backend
        keras.utils.set_random_seed(3)
        reference = _model()
        reference.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
        reference_losses = reference.fit(x, y, batch_size=5, epochs=8, verbose=0).history["loss"]
        np.testing.assert_allclose(losses, reference_losses, rtol=1e-4)


def test_models_round_trip_through_keras_files(tmp_path):
    models = [
        _model(),
        keras.Sequential([keras.Input((7, 3)), SeparableConv1D(4, 3, padding="same"), DepthwiseConv1D(2, strides=2),
                          Conv1DTranspose(2, 3, strides=2, output_padding=1), LocallyConnected1D(2, 2)]),
        keras.Sequential([keras.Input((2, 3, 2, 2)), Conv3DTranspose(2, 2, strides=(2, 1, 1), padding="same"),
                          Conv3D(1, 2)]),
    ]
    for k, model in enumerate(models):
        x = rand(8 + k, (2, *model.inputs[0].shape[1:])).astype(np.float32)
        path = tmp_path / f"model{k}.keras"
        model.save(path)
        loaded = keras.models.load_model(path)
        assert [type(layer) for layer in loaded.layers] == [type(layer) for layer in model.layers]
        np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_the_tutorials_parameter_counts_and_shapes():
    channels, filters, image = 3, 8, (None, 12, 12, 3)

    def built(layer, shape=image):
        layer.build(shape)
        return layer
    # SeparableConv2D: in * kernel + in * 1 * 1 * out (+ out biases)
    assert built(SeparableConv2D(filters, 3)).count_params() == channels * 9 + channels * filters + filters
    # DepthwiseConv2D: in * kernel * depth_multiplier (+ biases); out channels = in * depth_multiplier
    depthwise = built(DepthwiseConv2D(3, depth_multiplier=2))
    assert depthwise.count_params() == channels * 9 * 2 + channels * 2
    assert depthwise.compute_output_shape(image) == (None, 10, 10, 6)
    # Conv3D: in * kernel * filters (+ biases)
    assert built(Conv3D(filters, 3), (None, 5, 6, 7, 3)).count_params() == channels * 27 * filters + filters
    # Conv2DTranspose on a convolution's output size gives back the convolution's input size
    for strides, padding in [(2, "same"), (3, "valid"), (1, "valid")]:
        conv = keras.layers.Conv2D(filters, 3, strides=strides, padding=padding)
        transpose = Conv2DTranspose(channels, 3, strides=strides, padding=padding)
        assert transpose.compute_output_shape(conv.compute_output_shape(image)) == image
    # LocallyConnected2D: no sharing across positions, many more weights than Conv2D's
    local = built(LocallyConnected2D(filters, 3))
    assert local.count_params() == 100 * (9 * channels * filters + filters)
    assert local.count_params() > 50 * built(keras.layers.Conv2D(filters, 3)).count_params()

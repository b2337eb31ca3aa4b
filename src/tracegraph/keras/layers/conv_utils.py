"""Argument and shape helpers shared by the depthwise, separable, transposed and locally connected
convolution layers (the ones shared with Conv1D/2D/3D and pooling live in `convolutional`)."""
from .convolutional import output_length, spatial_axes

__all__ = ["input_channels", "conv_output_shape", "check_positive"]


def input_channels(layer, input_shape):
    """The channel size of `input_shape` in `layer.data_format`; a clear error if it is unknown."""
    if len(input_shape) != layer.rank + 2:
        raise ValueError(f"Input 0 of layer '{layer.name}' is incompatible with the layer: expected "
                         f"ndim={layer.rank + 2}, found ndim={len(input_shape)}. Full shape received: "
                         f"{tuple(input_shape)}")
    channels = input_shape[-1] if layer.data_format == "channels_last" else input_shape[1]
    if channels is None:
        raise ValueError(f"The channel dimension of the inputs of {type(layer).__name__} should be defined. "
                         f"Received input shape {tuple(input_shape)}.")
    return channels


def conv_output_shape(layer, input_shape, channels):
    """[batch, *output lengths, channels] (channels first: [batch, channels, *lengths])."""
    input_shape = tuple(input_shape)
    lengths = [output_length(input_shape[a], k, s, layer.padding, d) for a, k, s, d in zip(
        spatial_axes(layer.data_format, layer.rank), layer.kernel_size, layer.strides, layer.dilation_rate)]
    if any(n is not None and n <= 0 for n in lengths):
        raise ValueError(f"Computed output size would be negative. Received `inputs shape={input_shape}`, "
                         f"`kernel shape={layer.kernel_size}`, `dilation_rate={layer.dilation_rate}`.")
    if layer.data_format == "channels_last":
        return (input_shape[0], *lengths, channels)
    return (input_shape[0], channels, *lengths)


def check_positive(name, value):
    """ValueError unless `value` is a positive number (Keras's message)."""
    if value is None or value <= 0:
        raise ValueError(f"Invalid value for argument `{name}`. Expected a strictly positive value. "
                         f"Received {name}={value}.")

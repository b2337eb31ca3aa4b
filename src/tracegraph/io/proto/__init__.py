"""TensorFlow's `feature.proto` and `example.proto`, and their compiled descriptors (`descriptors.py`,
made by `regenerate.py`)."""

"""`keras.datasets`: the tutorials' data sets, downloaded and cached as Keras does."""
from . import mnist  # noqa: F401

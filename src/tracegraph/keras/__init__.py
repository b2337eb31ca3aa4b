"""`tg.keras`: Keras 3's API (with the TF 2.0-era names the tutorials use) on tracegraph.

`from tracegraph import keras` gives layers, models, losses, metrics, optimizers and
callbacks; models train with `compile`/`fit`, whose train step is one traced function.
"""
from . import activations, backend, callbacks, constraints, datasets, initializers, layers, losses, metrics, models  # noqa: F401,E501
from . import optimizers, regularizers, utils  # noqa: F401
from .layers import Input, Layer  # noqa: F401
from .models import Model, Sequential  # noqa: F401

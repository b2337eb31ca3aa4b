"""`keras.layers`: the layers, with Keras 3's names."""
from .base import Layer  # noqa: F401
from .input_layer import Input, InputLayer  # noqa: F401
from .core import *  # noqa: F401,F403
from .merging import *  # noqa: F401,F403
from .normalization import *  # noqa: F401,F403
from .regularization import *  # noqa: F401,F403
from .reshaping import *  # noqa: F401,F403
from .convolutional import *  # noqa: F401,F403
from .depthwise_conv import *  # noqa: F401,F403
from .separable_conv import *  # noqa: F401,F403
from .conv_transpose import *  # noqa: F401,F403
from .locally_connected import *  # noqa: F401,F403
from .pooling import *  # noqa: F401,F403
from .recurrent import *  # noqa: F401,F403
from .dense_features import DenseFeatures  # noqa: F401

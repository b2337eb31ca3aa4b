"""tracegraph: a graph-tracing compiler for numerical Python with TensorFlow 2's API.

`import tracegraph as tf` and TF2 code runs: tensors, Variables, the op
library, GradientTape, `tf.function`. This module holds the public names only.
"""
from .dtypes import (DType, as_dtype, bfloat16, bool, complex64, complex128, double, float16,  # noqa: F401,A004
                     float32, float64, half, int8, int16, int32, int64, string, uint8, uint16,
                     uint32, uint64)
from .shape import TensorShape  # noqa: F401
from .spec import TensorSpec  # noqa: F401
from .tensor import Tensor, newaxis  # noqa: F401
from .convert import constant, convert_to_tensor  # noqa: F401
from .context import executing_eagerly  # noqa: F401
from .variable import Variable, VariableAggregation, VariableSynchronization, variable_creator_scope  # noqa: F401
from . import ops as _ops
from .ops.arithmetic import *  # noqa: F401,F403
from .ops.unary_math import *  # noqa: F401,F403
from .ops.comparison import *  # noqa: F401,F403
from .ops.reduction import *  # noqa: F401,F403
from .ops.array_ops import *  # noqa: F401,F403
from .ops.join_split import *  # noqa: F401,F403
from .ops.tiling import *  # noqa: F401,F403
from .ops.creation import *  # noqa: F401,F403
from .ops.cast import *  # noqa: F401,F403
from .ops.indexing import *  # noqa: F401,F403
from .ops.gather_scatter import *  # noqa: F401,F403
from .ops.masking import *  # noqa: F401,F403
from .ops.linalg import matmul, norm  # noqa: F401
from .ops.einsum import einsum, tensordot  # noqa: F401
from .ops.sorting import argsort, sort  # noqa: F401
from .ops.state_ops import init_scope  # noqa: F401
from .ops.control_flow import cond, while_loop  # noqa: F401
from .ops.tensor_array import TensorArray, TensorArraySpec  # noqa: F401
from .ops.indexed_slices import IndexedSlices, IndexedSlicesSpec  # noqa: F401
from . import ragged  # noqa: F401
from .ragged import RaggedTensor, RaggedTensorSpec  # noqa: F401
from .ops.logging_ops import print_ as print  # noqa: F401,A001 - TF's public name
from .trace import function, Function, ConcreteFunction  # noqa: F401
from . import autograph, bitwise, config, debugging, errors, linalg, math, nest, nn, random, test  # noqa: F401
from .autodiff import GradientTape, UnconnectedGradients, custom_gradient  # noqa: F401
from .device import device, DeviceSpec  # noqa: F401
from . import sparse  # noqa: F401
from .sparse import SparseTensor, SparseTensorSpec  # noqa: F401
from . import strings  # noqa: F401
from .name_scope import name_scope  # noqa: F401
from .module import Module  # noqa: F401
from . import data, experimental, keras, saved_model, train  # noqa: F401
from . import distribute  # noqa: F401
from . import summary  # noqa: F401
from . import feature_column  # noqa: F401
from . import io  # noqa: F401

__version__ = "0.1.0"

"""`tg.math`: elementwise math, comparisons and reductions."""
from .ops.arithmetic import *  # noqa: F401,F403
from .ops.unary_math import *  # noqa: F401,F403
from .ops.comparison import *  # noqa: F401,F403
from .ops.reduction import *  # noqa: F401,F403
from .ops.cast import cast, saturate_cast  # noqa: F401
from .ops.confusion import confusion_matrix  # noqa: F401
from .ops.nn_ops import l2_normalize, log_softmax, softmax  # noqa: F401
from .ops.sorting import in_top_k, top_k  # noqa: F401
from .ops.gather_scatter import segment_sum, unsorted_segment_sum  # noqa: F401
from .ops.segment_ops import (segment_max, segment_mean, segment_min, segment_prod, unsorted_segment_max,  # noqa: F401
                              unsorted_segment_mean, unsorted_segment_min, unsorted_segment_prod,
                              unsorted_segment_sqrt_n)

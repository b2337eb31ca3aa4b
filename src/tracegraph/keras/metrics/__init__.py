"""`tg.keras.metrics`: Keras 3's stateful metrics (with TF 2.0's `reset_states`) and metric functions."""
from ..losses.hinge_losses import categorical_hinge, hinge, squared_hinge  # noqa: F401
from ..losses.probabilistic_losses import (binary_crossentropy, categorical_crossentropy,  # noqa: F401
                                           kl_divergence, poisson, sparse_categorical_crossentropy)
from ..losses.regression_losses import (huber, log_cosh, mean_absolute_error,  # noqa: F401
                                        mean_absolute_percentage_error, mean_squared_error,
                                        mean_squared_logarithmic_error)
from .accuracy_metrics import (Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy,  # noqa: F401
                               SparseTopKCategoricalAccuracy, TopKCategoricalAccuracy, accuracy, binary_accuracy,
                               categorical_accuracy, sparse_categorical_accuracy,
                               sparse_top_k_categorical_accuracy, top_k_categorical_accuracy)
from .confusion_metrics import (AUC, FalseNegatives, FalsePositives, Precision, Recall,  # noqa: F401
                                TrueNegatives, TruePositives)
from .iou_metrics import BinaryIoU, IoU, MeanIoU, OneHotIoU, OneHotMeanIoU  # noqa: F401
from .metric import Metric  # noqa: F401
from .probabilistic_metrics import (BinaryCrossentropy, CategoricalCrossentropy, CategoricalHinge,  # noqa: F401
                                    Hinge, KLDivergence, Poisson, SparseCategoricalCrossentropy, SquaredHinge)
from .reduction_metrics import Mean, MeanMetricWrapper, Sum  # noqa: F401
from .registry import accuracy_for, deserialize, get, is_binary_or_sparse_categorical, serialize  # noqa: F401
from .regression_metrics import (CosineSimilarity, LogCoshError, MeanAbsoluteError,  # noqa: F401
                                 MeanAbsolutePercentageError, MeanSquaredError, MeanSquaredLogarithmicError,
                                 RootMeanSquaredError, cosine_similarity)

# The TF 2.0-era short names of the metric functions.
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence = kl_divergence
logcosh = log_cosh

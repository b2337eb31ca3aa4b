"""`tg.keras.losses`: Keras 3's loss functions and classes (with the TF 2.0-era aliases)."""
from .classes import (BinaryCrossentropy, CategoricalCrossentropy, CategoricalHinge, CosineSimilarity,  # noqa: F401
                      Hinge, Huber, KLDivergence, LogCosh, LossFunctionWrapper, MeanAbsoluteError,
                      MeanAbsolutePercentageError, MeanSquaredError, MeanSquaredLogarithmicError, Poisson,
                      SparseCategoricalCrossentropy, SquaredHinge)
from .hinge_losses import categorical_hinge, hinge, squared_hinge  # noqa: F401
from .loss import Loss, Reduction, reduce_weighted_values  # noqa: F401
from .probabilistic_losses import (binary_crossentropy, categorical_crossentropy, kl_divergence, poisson,  # noqa: F401
                            sparse_categorical_crossentropy)
from .regression_losses import (cosine_similarity, huber, log_cosh, mean_absolute_error,  # noqa: F401
                         mean_absolute_percentage_error, mean_squared_error, mean_squared_logarithmic_error)
from .registry import crossentropy_for, deserialize, get, serialize  # noqa: F401

# Keras's short names (the TF 2.0 tutorials use `keras.losses.mse` and friends).
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence = kl_divergence
logcosh = log_cosh
bce = BCE = binary_crossentropy

"""A synthetic stand-in for the California-housing data set the tutorials use (20640 x 8).

The real set cannot be downloaded here, so this makes one of the same shape and similar
character: eight features on different scales (income, house age, rooms, ...) and a price
that depends on them non-linearly, with noise. It is split and standardized as the tutorials
do with scikit-learn (train/valid/test, then StandardScaler fitted on the training part).
"""
import numpy as np

__all__ = ["load_housing"]

N_SAMPLES, N_FEATURES = 20640, 8


def _features(rng):
    income = rng.lognormal(1.2, 0.5, N_SAMPLES)
    age = rng.uniform(1, 52, N_SAMPLES)
    rooms = rng.normal(5.4, 1.2, N_SAMPLES).clip(1)
    bedrooms = rooms * rng.normal(0.2, 0.02, N_SAMPLES)
    population = rng.lognormal(7.0, 0.7, N_SAMPLES)
    occupancy = rng.normal(3.0, 0.8, N_SAMPLES).clip(0.7)
    latitude = rng.uniform(32.5, 42.0, N_SAMPLES)
    longitude = -124.3 + (42.0 - latitude) * 0.9 + rng.normal(0, 0.8, N_SAMPLES)
    return np.stack([income, age, rooms, bedrooms, population, occupancy, latitude, longitude], axis=1)


def _price(x, rng):
    income, age, rooms, _, _, occupancy, latitude, longitude = x.T
    coast = np.exp(-np.abs(longitude + 121.0 - 0.5 * (latitude - 36)))
    price = 0.45 * income + 0.01 * age + 0.05 * rooms - 0.1 * np.log(occupancy) + 0.8 * coast
    return (price + rng.normal(0, 0.3, len(x))).clip(0.15, 5.0)


def load_housing(seed=7):
    """`(x_train, y_train), (x_valid, y_valid), (x_test, y_test)`, features standardized, float32."""
    rng = np.random.default_rng(seed)
    x = _features(rng)
    y = _price(x, rng)
    order = rng.permutation(N_SAMPLES)
    x, y = x[order], y[order]
    test_at, valid_at = int(N_SAMPLES * 0.75), int(N_SAMPLES * 0.75 * 0.75)
    mean, std = x[:valid_at].mean(axis=0), x[:valid_at].std(axis=0)
    x = ((x - mean) / std).astype(np.float32)
    y = y.astype(np.float32)
    return (x[:valid_at], y[:valid_at]), (x[valid_at:test_at], y[valid_at:test_at]), (x[test_at:], y[test_at:])

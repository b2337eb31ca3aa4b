"""`keras.utils`: the progress bar, label helpers and seeding."""
from .numerical import normalize, to_categorical
from .progbar import Progbar
from .rng import set_random_seed

__all__ = ["Progbar", "to_categorical", "normalize", "set_random_seed"]

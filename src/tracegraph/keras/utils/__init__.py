"""`keras.utils`: the progress bar, label helpers, seeding and cached downloads."""
from .file_utils import get_file
from .numerical import normalize, to_categorical
from .progbar import Progbar
from .rng import set_random_seed

__all__ = ["Progbar", "to_categorical", "normalize", "set_random_seed", "get_file"]

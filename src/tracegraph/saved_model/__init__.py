"""`tg.saved_model`: concrete functions, Variables and signatures saved to a directory and loaded without
the Python source that defined them (TF's `tf.saved_model`). The format is in `docs/formats/saved_model.md`."""
from .export import save
from .format import FORMAT_VERSION, SavedModelError
from .load import LoadedFunction, LoadedObject, SignatureFunction, load

__all__ = ["save", "load", "SavedModelError", "FORMAT_VERSION", "LoadedObject", "LoadedFunction",
           "SignatureFunction"]

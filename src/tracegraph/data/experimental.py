"""`tg.data.experimental`: the CSV readers and TF's experimental aliases."""
from .options import AUTOTUNE, INFINITE_CARDINALITY, UNKNOWN_CARDINALITY
from .readers import CsvDataset, make_csv_dataset

__all__ = ["AUTOTUNE", "INFINITE_CARDINALITY", "UNKNOWN_CARDINALITY", "CsvDataset", "make_csv_dataset",
           "cardinality", "ignore_errors"]


def cardinality(dataset):
    """`dataset.cardinality()` (TF's `tf.data.experimental.cardinality`)."""
    return dataset.cardinality()


def ignore_errors(log_warning=False):
    """TF's `tf.data.experimental.ignore_errors()`: for `dataset.apply(...)`, `dataset.ignore_errors(...)`."""
    return lambda dataset: dataset.ignore_errors(log_warning)

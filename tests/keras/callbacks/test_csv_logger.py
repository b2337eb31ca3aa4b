"""CSVLogger's file contents; the expected texts were recorded from Keras 3.15's CSVLogger (TF 2.21's venv)."""
from callback_fakes import fit
from tracegraph.keras.callbacks import CSVLogger


def read(path):
    with open(path, newline="") as f:
        return f.read()


def test_rows_and_the_val_columns_keras_adds(tmp_path):
    path = tmp_path / "log.csv"
    fit([CSVLogger(path)], [{"loss": 2.5, "mae": 1.5}, {"loss": 1.25, "mae": 0.25}])
    assert read(path) == "epoch,loss,mae,val_loss,val_mae\r\n0,2.5,1.5,NA,NA\r\n1,1.25,0.25,NA,NA\r\n"


def test_append_keeps_the_header_and_separator_applies(tmp_path):
    path = tmp_path / "log.csv"
    fit([CSVLogger(path)], [{"loss": 2.5, "mae": 1.5}])
    fit([CSVLogger(path, separator=";", append=True)], [{"loss": 1.5, "val_loss": 0.5}])
    assert read(path) == "epoch,loss,mae,val_loss,val_mae\r\n0,2.5,1.5,NA,NA\r\n0;1.5;0.5\r\n"


def test_append_to_a_new_file_writes_a_header(tmp_path):
    path = tmp_path / "fresh.csv"
    fit([CSVLogger(path, separator="\t", append=True)], [{"loss": 0.5, "val_loss": 0.75}])
    assert read(path) == "epoch\tloss\tval_loss\r\n0\t0.5\t0.75\r\n"


def test_keys_missing_later_are_na_and_the_file_is_closed(tmp_path):
    path = tmp_path / "log.csv"
    logger = CSVLogger(path)
    fit([logger], [{"loss": 0.5, "acc": 1.0}, {"loss": 0.25}])
    assert read(path) == "epoch,acc,loss,val_acc,val_loss\r\n0,1.0,0.5,NA,NA\r\n1,NA,0.25,NA,NA\r\n"
    assert logger.csv_file.closed

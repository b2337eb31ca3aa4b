"""docs/catalog.md: every example it shows runs (its code blocks, then each table row's example)."""
import pathlib
import re
import tempfile

import numpy as np
import pytest

import tracegraph as tf

CATALOG = pathlib.Path(__file__).resolve().parents[1] / "docs" / "catalog.md"
TEXT = CATALOG.read_text(encoding="utf8")
BLOCKS = re.findall(r"```python\n(.*?)```", TEXT, re.S)
#: (name column, example) of every table row whose last cell is one `code` span.
ROWS = [(m.group(1).strip(), m.group(2)) for m in re.finditer(r"^\|(.*)\| `([^`]+)` \|$", TEXT, re.M)]


@pytest.fixture(scope="module")
def namespace():
    names = {"tf": tf, "np": np, "tempfile": tempfile}
    for block in BLOCKS:
        exec(compile(block, str(CATALOG), "exec"), names)  # noqa: S102 - the documented examples
    return names


def test_the_catalog_has_the_tutorials_sections():
    for heading in ("## Data", "## Feature columns", "## Activations", "## Layers", "## Losses", "## Optimizers",
                    "## Metrics", "## Callbacks"):
        assert heading in TEXT
    assert len(ROWS) > 80


@pytest.mark.parametrize("name, example", ROWS, ids=[name for name, _ in ROWS])
def test_every_example_runs(namespace, name, example):
    result = eval(example, dict(namespace))  # noqa: S307 - the documented examples
    assert result is not None, f"{name}: the example gave nothing"

"""Every ingest data type of the catalog has exactly one step, looked up in an explicit map."""

from __future__ import annotations

import pytest
from maicro.catalog import DATA_TYPES
from maicro.errors import MaicroError
from maicro.ingest import run
from maicro.ingest.window import Window


def test_each_catalog_data_type_has_a_step():
    assert sorted(run.STEPS) == sorted(DATA_TYPES)


def test_an_unknown_data_type_is_refused_by_name():
    ingestion = object.__new__(run.Ingestion)  # no client or writer: refused before any I/O
    ingestion.window = Window(0, 3_600_000)
    with pytest.raises(MaicroError, match="unknown data type 'trades'; expected one of targets"):
        ingestion.run("trades")

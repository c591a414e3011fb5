"""Adding a raw table is one catalog entry: ingestion's lists, replication's table set and every
DAG's Assets follow from `maicro.catalog.TABLES` without another edit."""

from __future__ import annotations

import pytest
from maicro import catalog
from maicro.catalog import RawTable
from maicro.replication import discovery

from tests.dags.airflow_helpers import asset_uris, load_dag

THROWAWAY = RawTable("hyperliquid", "throwaway_ticks", "market")
LOCAL = "clickhouse://local/hyperliquid/throwaway_ticks"
CLOUD = "clickhouse://cloud/hyperliquid/throwaway_ticks"


@pytest.fixture
def throwaway_table(monkeypatch):
    monkeypatch.setattr(catalog, "TABLES", (*catalog.TABLES, THROWAWAY))
    return THROWAWAY


def _outlets(dag, task_id: str) -> set[str]:
    return {asset.uri for asset in dag.get_task(task_id).outlets if hasattr(asset, "uri")}


def test_ingestion_and_replication_lists_include_a_new_table(throwaway_table):
    assert throwaway_table in catalog.ingest_tables("market")
    assert throwaway_table in catalog.step_outputs("market")
    assert throwaway_table in catalog.data_tables()
    assert "hyperliquid.throwaway_ticks" in discovery.project_tables()


def test_every_dag_asset_list_includes_a_new_table(throwaway_table):
    ingest = load_dag("ingest_hyperliquid")
    assert LOCAL in _outlets(ingest, "market")
    assert LOCAL not in _outlets(ingest, "fills")

    replicate = load_dag("replicate_to_cloud")
    assert LOCAL in asset_uris(replicate.timetable.asset_condition)
    assert CLOUD in _outlets(replicate, "replicate")

    transform = load_dag("transform_analytics")
    assert CLOUD in asset_uris(transform.timetable.asset_condition)


def test_without_the_entry_no_dag_mentions_it():
    ingest = load_dag("ingest_hyperliquid")
    assert LOCAL not in _outlets(ingest, "market")
    assert CLOUD not in asset_uris(load_dag("transform_analytics").timetable.asset_condition)

"""Adding a raw table is one catalog entry: ingestion's lists, replication's table set and every
DAG's Assets follow from `maicro.catalog.TABLES` without another edit."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from maicro import catalog
from maicro.catalog import RawTable
from maicro.replication import discovery

ROOT = Path(__file__).resolve().parents[2]
THROWAWAY = RawTable("hyperliquid", "throwaway_ticks", "market")
LOCAL = "clickhouse://local/hyperliquid/throwaway_ticks"
CLOUD = "clickhouse://cloud/hyperliquid/throwaway_ticks"


@pytest.fixture
def throwaway_table(monkeypatch):
    monkeypatch.setattr(catalog, "TABLES", (*catalog.TABLES, THROWAWAY))
    return THROWAWAY


def _load_dag(dag_id: str):
    """Parse one DAG file in-process as Airflow's DagBag does (auto-registered @dag objects)."""
    from airflow.sdk.definitions._internal.contextmanager import DagContext

    name = f"_catalog_test_{dag_id}"
    spec = importlib.util.spec_from_file_location(name, ROOT / "dags" / f"{dag_id}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    DagContext.current_autoregister_module_name = name
    DagContext.autoregistered_dags.clear()
    try:
        spec.loader.exec_module(module)
        (dag,) = [d for d, m in DagContext.autoregistered_dags if m is module]
        return dag
    finally:
        DagContext.current_autoregister_module_name = None
        DagContext.autoregistered_dags.clear()
        sys.modules.pop(name, None)


def _uris(condition) -> set[str]:
    """Every Asset URI of a schedule condition (an Asset, or AssetAny/AssetAll nested)."""
    if hasattr(condition, "uri"):
        return {condition.uri}
    return set().union(*(_uris(c) for c in condition.objects))


def _outlets(dag, task_id: str) -> set[str]:
    return {asset.uri for asset in dag.get_task(task_id).outlets if hasattr(asset, "uri")}


def test_ingestion_and_replication_lists_include_a_new_table(throwaway_table):
    assert throwaway_table in catalog.ingest_tables("market")
    assert throwaway_table in catalog.step_outputs("market")
    assert throwaway_table in catalog.data_tables()
    assert "hyperliquid.throwaway_ticks" in discovery.project_tables()


def test_every_dag_asset_list_includes_a_new_table(throwaway_table):
    ingest = _load_dag("ingest_hyperliquid")
    assert LOCAL in _outlets(ingest, "market")
    assert LOCAL not in _outlets(ingest, "fills")

    replicate = _load_dag("replicate_to_cloud")
    assert LOCAL in _uris(replicate.timetable.asset_condition)
    assert CLOUD in _outlets(replicate, "replicate")

    transform = _load_dag("transform_analytics")
    assert CLOUD in _uris(transform.timetable.asset_condition)


def test_without_the_entry_no_dag_mentions_it():
    ingest = _load_dag("ingest_hyperliquid")
    assert LOCAL not in _outlets(ingest, "market")
    assert CLOUD not in _uris(_load_dag("transform_analytics").timetable.asset_condition)

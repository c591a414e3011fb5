"""The production-shaped stack (docs/architecture.md, "Scale-out") is complete, pinned, and keeps secrets out of the file."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yaml").read_text())
SERVICES = COMPOSE["services"]


def test_has_the_production_services():
    assert {
        "clickhouse-local",
        "postgres",
        "redis",
        "maicro-init",
        "airflow-apiserver",
        "airflow-scheduler",
        "airflow-dag-processor",
        "airflow-triggerer",
        "airflow-worker",
    } <= set(SERVICES)


def test_images_are_pinned():
    for name, service in SERVICES.items():
        image = service.get("image", "")
        assert re.fullmatch(r"[\w./-]+:[\w.${}:-]+", image), f"{name}: image {image!r} not pinned"
        assert not image.endswith(":latest"), name


def test_secrets_only_from_the_environment():
    for name, service in SERVICES.items():
        for key, value in (service.get("environment") or {}).items():
            if (
                re.search(r"PASSWORD|SECRET|FERNET|_KEY$", key)
                or "://" in str(value)
                and "@" in str(value)
            ):
                assert "${" in str(value), f"{name}: {key} is not taken from the environment"


def test_airflow_runs_celery_on_postgres_and_redis():
    worker = SERVICES["airflow-worker"]["environment"]
    assert worker["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert worker["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql+psycopg2://")
    assert worker["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://redis")
    lock = (ROOT / "requirements.lock").read_text()
    for package in ("apache-airflow-providers-celery==", "psycopg2-binary==", "redis=="):
        assert package in lock, f"{package} missing from requirements.lock"


def test_dependencies_exist_and_the_pipeline_uses_real_servers():
    for name, service in SERVICES.items():
        for dependency in service.get("depends_on") or {}:
            assert dependency in SERVICES, f"{name} depends on unknown {dependency}"
    env = SERVICES["airflow-scheduler"]["environment"]
    assert env["MAICRO_LOCAL_CLICKHOUSE_URL"] == "http://clickhouse-local:8123"
    assert "MAICRO_CLOUD_CLICKHOUSE_URL" in env
    init = " ".join(SERVICES["maicro-init"]["command"])
    assert "maicro clickhouse users-apply" in init and "maicro clickhouse migrate" in init


def test_image_is_built_from_the_lock_file():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert (
        "COPY requirements.lock" in dockerfile
        and "uv pip sync --system requirements.lock" in dockerfile
    )

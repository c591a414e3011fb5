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


AIRFLOW_SERVICES = [name for name in SERVICES if name.startswith("airflow-")]
APP_SERVICES = [*AIRFLOW_SERVICES, "dashboard", "docs"]


def test_every_service_waits_for_the_init_job():
    for name in APP_SERVICES:
        condition = SERVICES[name]["depends_on"]["maicro-init"]["condition"]
        assert condition == "service_completed_successfully", name


def test_airflow_components_share_one_jwt_secret_and_api_secret_key():
    shared = {
        (
            SERVICES[name]["environment"]["AIRFLOW__API_AUTH__JWT_SECRET"],
            SERVICES[name]["environment"]["AIRFLOW__API__SECRET_KEY"],
        )
        for name in [*AIRFLOW_SERVICES, "maicro-init"]
    }
    assert shared == {("${AIRFLOW_JWT_SECRET:?}", "${AIRFLOW_API_SECRET_KEY:?}")}


def test_healthchecks_use_tools_the_image_has():
    """Our image is python:slim (no curl, no wget): its checks run python, airflow or celery."""
    ours = [name for name, service in SERVICES.items() if service.get("build")]
    assert set(APP_SERVICES) <= set(ours)
    for name in ours:
        if name == "maicro-init":
            continue
        test = SERVICES[name]["healthcheck"]["test"]
        program = test[1].split()[0]
        assert program in {"python", "airflow", "celery"}, f"{name}: healthcheck runs {program}"
    for name, service in SERVICES.items():
        if service.get("image", "").startswith("clickhouse/"):
            assert service["healthcheck"]["test"][1] == "wget", name


def test_init_applies_users_to_both_clickhouse_servers_and_waits_for_the_self_hosted_one():
    init = SERVICES["maicro-init"]
    script = init["command"][0]
    for server in ("local", "cloud"):
        assert f"maicro clickhouse users-apply --server {server}" in script
    assert script.index("users-apply --server cloud") < script.index("maicro clickhouse migrate")
    assert init["depends_on"]["clickhouse-cloud"] == {
        "condition": "service_healthy",
        "required": False,
    }
    assert SERVICES["clickhouse-cloud"]["profiles"] == ["self-hosted-cloud"]


def test_every_path_the_dockerfile_copies_exists():
    dockerfile = (ROOT / "Dockerfile").read_text()
    copied = [
        path
        for line in dockerfile.splitlines()
        if line.startswith("COPY ")
        for path in line.split()[1:-1]
    ]
    assert "plugins" in copied and "dbt_project" in copied
    for path in copied:
        assert (ROOT / path).exists(), f"Dockerfile copies {path}, which does not exist"


def test_the_image_builds_the_dbt_manifest():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "build_manifest()" in dockerfile
    # Built after the project is copied and installed, so dbt_project is there.
    assert dockerfile.index("COPY dbt_project") < dockerfile.index("build_manifest()")


def test_every_service_command_exists_in_the_image():
    """Each command's program is one the image installs (locked) and each path is in the repo."""
    lock = (ROOT / "requirements.lock").read_text()
    for name in APP_SERVICES:
        command = SERVICES[name]["command"]
        text = " ".join(command)
        for word in re.findall(r"\b(airflow|maicro|streamlit|celery)\b", text):
            if word == "maicro":
                assert "maicro = " in (ROOT / "pyproject.toml").read_text()
            else:
                assert f"\n{'apache-airflow' if word == 'airflow' else word}==" in lock, word
        for path in re.findall(r"include/\S+\.py", text):
            assert (ROOT / path).exists(), f"{name}: {path} missing"


def test_setup_generates_the_compose_secrets_once(tmp_path, monkeypatch):
    from dotenv import dotenv_values
    from maicro import settings
    from maicro.stack import envfile

    monkeypatch.setattr(settings, "project_root", lambda: tmp_path)
    written = envfile.write_env_file()
    values = dotenv_values(tmp_path / ".env")
    for name in ("AIRFLOW_FERNET_KEY", "AIRFLOW_JWT_SECRET", "AIRFLOW_API_SECRET_KEY"):
        assert name in written and len(values[name]) >= 32, name
    assert values["AIRFLOW_POSTGRES_PASSWORD"]
    # A Fernet key Airflow accepts: cryptography decodes it.
    from cryptography.fernet import Fernet

    Fernet(values["AIRFLOW_FERNET_KEY"].encode())
    assert envfile.write_env_file() == []
    assert dotenv_values(tmp_path / ".env") == values
    # Every ${VAR:?} the compose file requires is either generated or one the user sets.
    required = set(re.findall(r"\$\{(\w+):\?", (ROOT / "docker-compose.yaml").read_text()))
    assert required - set(values) == {"MAICRO_ACCOUNTS", "MAICRO_CLOUD_CLICKHOUSE_URL"}

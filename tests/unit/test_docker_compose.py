"""The production-shaped stack (docs/architecture.md, "Scale-out") is accepted by the real
`docker-compose config` with the `.env` setup generates, is pinned, and keeps secrets out of the
file. (No image registry is reachable here, so nothing is built or started.)"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.debian import debian_tool

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yaml").read_text())
SERVICES = COMPOSE["services"]
SELF_HOSTED_CLOUD = ROOT / "docker-compose.self-hosted-cloud.yaml"
AIRFLOW_SERVICES = [name for name in SERVICES if name.startswith("airflow-")]
APP_SERVICES = [*AIRFLOW_SERVICES, "dashboard", "docs"]
# What a user sets in .env besides what setup generates.
USER_VALUES = {
    "MAICRO_ACCOUNTS": "0x1111111111111111111111111111111111111111=momentum",
    "MAICRO_CLOUD_CLICKHOUSE_URL": "https://abc123.eu-west-1.aws.clickhouse.cloud:8443",
}


@pytest.fixture(scope="module")
def generated_env(tmp_path_factory) -> Path:
    """The .env `make setup` writes (maicro.stack.envfile), plus the user's two values."""
    from maicro import settings
    from maicro.stack import envfile

    root = tmp_path_factory.mktemp("compose-env")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(settings, "project_root", lambda: root)
        envfile.write_env_file()
    with (root / ".env").open("a") as env:
        env.writelines(f"{name}={value}\n" for name, value in USER_VALUES.items())
    return root / ".env"


def compose_config(env_file: Path, *files: Path) -> subprocess.CompletedProcess:
    """`docker-compose config` (Debian's 1.29, installed on first use) over `files`, with only
    `env_file` to interpolate from: the test's own environment must not fill a gap."""
    args = [debian_tool("docker-compose"), "--env-file", str(env_file)]
    for path in files or (ROOT / "docker-compose.yaml",):
        args += ["-f", str(path)]
    return subprocess.run(
        [*args, "config"],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "HOME": str(env_file.parent)},
        timeout=120,
    )


def test_docker_compose_accepts_the_file_with_the_generated_env(generated_env):
    from dotenv import dotenv_values

    result = compose_config(generated_env)
    assert result.returncode == 0, result.stderr
    services = yaml.safe_load(result.stdout)["services"]
    assert set(services) == {
        "clickhouse-local",
        "postgres",
        "redis",
        "maicro-init",
        "airflow-apiserver",
        "airflow-scheduler",
        "airflow-dag-processor",
        "airflow-triggerer",
        "airflow-worker",
        "dashboard",
        "docs",
    }
    values = dotenv_values(generated_env)
    # Every Airflow component got the same generated JWT secret and API secret key.
    for name in [*AIRFLOW_SERVICES, "maicro-init"]:
        env = services[name]["environment"]
        assert env["AIRFLOW__API_AUTH__JWT_SECRET"] == values["AIRFLOW_JWT_SECRET"], name
        assert env["AIRFLOW__API__SECRET_KEY"] == values["AIRFLOW_API_SECRET_KEY"], name
    # The pipeline talks to the real servers of the stack, never an embedded one.
    scheduler = services["airflow-scheduler"]["environment"]
    assert scheduler["MAICRO_LOCAL_CLICKHOUSE_URL"] == "http://clickhouse-local:8123"
    assert scheduler["MAICRO_CLOUD_CLICKHOUSE_URL"] == USER_VALUES["MAICRO_CLOUD_CLICKHOUSE_URL"]


def test_docker_compose_names_the_value_a_user_must_set(generated_env, tmp_path):
    without_accounts = tmp_path / ".env"
    without_accounts.write_text(
        "".join(
            line
            for line in generated_env.read_text().splitlines(keepends=True)
            if not line.startswith("MAICRO_ACCOUNTS=")
        )
    )
    result = compose_config(without_accounts)
    assert result.returncode != 0
    assert result.stderr.strip().endswith("set MAICRO_ACCOUNTS"), result.stderr[-300:]


def test_self_hosted_cloud_is_added_and_waited_for(generated_env):
    """The override file adds a ClickHouse server as the replica and makes the init job (which
    applies users and migrations to both servers) wait for it; the base file alone has none."""
    result = compose_config(generated_env, ROOT / "docker-compose.yaml", SELF_HOSTED_CLOUD)
    assert result.returncode == 0, result.stderr
    services = yaml.safe_load(result.stdout)["services"]
    assert services["maicro-init"]["depends_on"]["clickhouse-cloud"] == {
        "condition": "service_healthy"
    }
    assert services["clickhouse-cloud"]["image"] == SERVICES["clickhouse-local"]["image"]
    assert "clickhouse-cloud" not in SERVICES


def test_images_are_pinned():
    override = yaml.safe_load(SELF_HOSTED_CLOUD.read_text())["services"]
    for name, service in [*SERVICES.items(), ("clickhouse-cloud", override["clickhouse-cloud"])]:
        image = service.get("image", "")
        assert re.fullmatch(r"[\w./-]+:[\w.${}:-]+", image), f"{name}: image {image!r} not pinned"
        assert not image.endswith(":latest"), name


def test_secrets_only_from_the_environment():
    for name, service in SERVICES.items():
        for key, value in (service.get("environment") or {}).items():
            if (
                re.search(r"PASSWORD|_SECRET$|FERNET|_KEY$", key)  # not SECRETS__BACKEND
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


def test_every_app_service_has_every_role_password_and_the_connections_backend():
    """The init job creates every role's user, and Airflow's tasks connect as their roles through
    the secrets backend: each needs every MAICRO_<ROLE>_PASSWORD (a role added to settings.ROLES
    must be added here too)."""
    from maicro import settings
    from maicro.clickhouse.airflow_connections import SECRETS_BACKEND

    for name in [*APP_SERVICES, "maicro-init"]:
        env = SERVICES[name]["environment"]
        missing = [r for r in settings.ROLES if settings.password_variable(r) not in env]
        assert not missing, f"{name} lacks the passwords of {missing}"
    for name in AIRFLOW_SERVICES:
        assert SERVICES[name]["environment"]["AIRFLOW__SECRETS__BACKEND"] == SECRETS_BACKEND


def test_image_is_built_from_the_lock_file():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert (
        "COPY requirements.lock" in dockerfile
        and "uv pip sync --system requirements.lock" in dockerfile
    )


def test_every_service_waits_for_the_init_job():
    for name in APP_SERVICES:
        condition = SERVICES[name]["depends_on"]["maicro-init"]["condition"]
        assert condition == "service_completed_successfully", name


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


def test_init_applies_users_and_migrations_to_both_clickhouse_servers():
    script = SERVICES["maicro-init"]["command"][0]
    for server in ("local", "cloud"):
        assert f"maicro clickhouse users-apply --server {server}" in script
    assert script.index("users-apply --server cloud") < script.index("maicro clickhouse migrate")


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

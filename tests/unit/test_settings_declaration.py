"""One declaration of every setting: validated at start, `.env` read once, docs generated."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from maicro import catalog, settings
from maicro.errors import MaicroError

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("MAICRO_HL_TIMEOUT_S", "ten", "MAICRO_HL_TIMEOUT_S='ten' is invalid: .*number"),
        ("MAICRO_LOCAL_HTTP_PORT", "70000", "MAICRO_LOCAL_HTTP_PORT='70000' is invalid: .*65535"),
        ("MAICRO_INGEST_LIVE_TOLERANCE", "5 minutes", "is invalid: expected a duration like"),
        ("MAICRO_INGEST_CATCHUP", "maybe", "MAICRO_INGEST_CATCHUP='maybe' is invalid"),
        ("HYPERLIQUID_API_URL", "api.hyperliquid.xyz", "is invalid: expected an http"),
        ("MAICRO_DBT_TARGET", "prod", "MAICRO_DBT_TARGET='prod' is invalid"),
    ],
)
def test_an_invalid_value_is_one_line_naming_the_variable_and_form(
    monkeypatch, name, value, expected
):
    monkeypatch.setenv(name, value)
    with pytest.raises(MaicroError, match=expected) as info:
        settings.get()
    assert "\n" not in str(info.value)


def test_a_bad_password_value_is_not_echoed(monkeypatch):
    monkeypatch.setenv("MAICRO_ADMIN_PASSWORD", "x")
    monkeypatch.setenv("MAICRO_HL_MAX_ATTEMPTS", "many")
    with pytest.raises(MaicroError) as info:
        settings.get()
    assert "x" not in str(info.value).split("=")[1].split()[0].strip("'")


def test_dotenv_is_read_once_and_the_environment_wins(tmp_path, monkeypatch):
    env_file = tmp_path / ".env"
    env_file.write_text("MAICRO_HL_TIMEOUT_S=3\nMAICRO_SIMULATOR_PORT=9999\n")
    monkeypatch.setenv("MAICRO_ENV_FILE", str(env_file))
    monkeypatch.setenv("MAICRO_SIMULATOR_PORT", "7777")
    reads = []
    real = settings.dotenv_values
    monkeypatch.setattr(settings, "dotenv_values", lambda p: reads.append(p) or real(p))
    settings._dotenv.cache_clear()
    settings._build.cache_clear()
    for _ in range(5):
        config = settings.get()
    assert config.maicro_hl_timeout_s == 3.0
    assert config.maicro_simulator_port == 7777
    assert len(reads) == 1


def test_a_changed_environment_is_seen_at_the_next_call(monkeypatch):
    monkeypatch.setenv("MAICRO_HL_MAX_ATTEMPTS", "2")
    assert settings.get().maicro_hl_max_attempts == 2
    monkeypatch.setenv("MAICRO_HL_MAX_ATTEMPTS", "5")
    assert settings.get().maicro_hl_max_attempts == 5


def test_env_example_and_readme_table_are_generated_from_the_declaration():
    assert (ROOT / ".env.example").read_text() == settings.render_env_example(), (
        "run `python -m maicro.settings --write`"
    )
    assert settings.render_readme_table() in (ROOT / "README.md").read_text(), (
        "run `python -m maicro.settings --write`"
    )
    example = (ROOT / ".env.example").read_text()
    for name in settings.Settings.model_fields:
        assert f"{name.upper()}=" in example


def test_every_role_has_a_password_variable_in_the_declaration():
    for role in settings.ROLES:
        assert settings.password_variable(role).lower() in settings.Settings.model_fields


def test_dbt_sources_cover_every_data_table_of_the_catalog():
    declared = set()
    for path in (ROOT / "dbt_project" / "models" / "staging").rglob("_*__sources.yml"):
        for source in yaml.safe_load(path.read_text())["sources"]:
            database = source.get("database", source["name"])
            declared |= {f"{database}.{table['name']}" for table in source["tables"]}
    missing = {t.qualified for t in catalog.data_tables()} - declared
    assert not missing, f"catalog tables without a dbt source: {sorted(missing)}"

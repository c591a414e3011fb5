"""Configuration parsing and the two renderings of the user definitions."""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET

import pytest
from maicro import settings
from maicro.clickhouse import users
from maicro.clickhouse.endpoints import parse_url
from maicro.errors import MaicroError

A1 = "0x" + "a1" * 20
A2 = "0x" + "B2" * 20


@pytest.fixture
def passwords(monkeypatch):
    for role in settings.ROLES:
        monkeypatch.setenv(f"MAICRO_{role.upper()}_PASSWORD", f"pw-{role}")


def test_accounts_parse_with_and_without_strategy(monkeypatch):
    monkeypatch.setenv("MAICRO_ACCOUNTS", f"{A1}=momentum_a, {A2}")
    assert settings.get().accounts == [
        settings.Account(A1, "momentum_a"),
        settings.Account(A2.lower(), None),
    ]


@pytest.mark.parametrize("bad", ["0x123=s", "abc", "0x" + "zz" * 20])
def test_bad_account_is_named(monkeypatch, bad):
    monkeypatch.setenv("MAICRO_ACCOUNTS", bad)
    with pytest.raises(MaicroError, match="MAICRO_ACCOUNTS"):
        settings.get()


def test_missing_password_says_which_variable(monkeypatch):
    monkeypatch.delenv("MAICRO_READER_PASSWORD", raising=False)
    with pytest.raises(MaicroError, match="MAICRO_READER_PASSWORD is not set"):
        settings.get().password("reader")


def test_users_xml_has_hashed_passwords_and_per_server_grants(passwords):
    for server in users.SERVERS:
        root = ET.fromstring(users.render_users_xml(server))
        names = {child.tag for child in root.find("users")}
        assert names == {"default"} | {f"maicro_{r}" for r in settings.ROLES}
        reader = root.find("users/maicro_reader")
        assert reader.findtext("password_sha256_hex") == hashlib.sha256(b"pw-reader").hexdigest()
        assert "pw-reader" not in users.render_users_xml(server)
        grants = [q.text for q in reader.findall("grants/query")]
        assert grants == users.GRANTS["reader"][server]
    default_grants = [
        q.text
        for q in ET.fromstring(users.render_users_xml("local")).findall(
            "users/default/grants/query"
        )
    ]
    assert default_grants == users.EMBEDDED_DEFAULT_GRANTS


def test_users_sql_matches_the_same_definition(passwords):
    sql = users.render_users_sql("cloud")
    assert (
        "CREATE USER IF NOT EXISTS maicro_transform IDENTIFIED WITH sha256_hash BY "
        f"'{hashlib.sha256(b'pw-transform').hexdigest()}';" in sql
    )
    assert "GRANT TABLE ENGINE ON * TO maicro_transform;" in sql
    assert "ON analytics.* TO maicro_transform;" in sql
    assert "GRANT ALL ON *.* TO maicro_admin WITH GRANT OPTION;" in sql
    assert "pw-" not in sql
    local = users.render_users_sql("local")
    assert "GRANT SELECT, INSERT ON hyperliquid.* TO maicro_ingest;" in local
    assert "TO maicro_reader" not in local


def test_external_url_parsing():
    endpoint = parse_url("cloud", "https://abc.clickhouse.cloud:8443")
    assert (endpoint.host, endpoint.http_port, endpoint.native_port, endpoint.secure) == (
        "abc.clickhouse.cloud",
        8443,
        9440,
        True,
    )
    assert parse_url("local", "http://db:8123?native_port=9100").native_port == 9100
    with pytest.raises(MaicroError, match="MAICRO_LOCAL_CLICKHOUSE_URL"):
        parse_url("local", "db:8123")

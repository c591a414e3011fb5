"""`maicro transform` / `maicro docs` fail with one line that names what was wrong."""

from __future__ import annotations

from tests.conftest import run_maicro


def test_wrong_transform_password_is_one_clear_line(clickhouse_pair, tmp_path):
    result = run_maicro(
        "transform",
        "--select",
        "stg_hyperliquid__fills",
        timeout=600,
        env={"MAICRO_TRANSFORM_PASSWORD": "not-the-password", "DBT_TARGET_PATH": str(tmp_path)},
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("maicro: dbt build failed"), result.stderr
    assert (
        "maicro_transform" in lines[0]
        or "password" in lines[0].lower()
        or "authentication" in lines[0].lower()
    ), lines[0]


def test_no_cloud_server_says_how_to_start_it(tmp_path):
    result = run_maicro(
        "transform", env={"MAICRO_STATE_DIR": str(tmp_path), "MAICRO_TRANSFORM_PASSWORD": "x"}
    )
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "maicro: the embedded cloud ClickHouse is not running: start it with `maicro clickhouse up`"
    )


def test_unknown_target_is_rejected():
    result = run_maicro("transform", "--target", "staging")
    assert result.returncode == 2 and "invalid choice: 'staging'" in result.stderr

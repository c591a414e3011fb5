"""Shared pieces of the ingestion tests: a simulator-backed environment and ground-truth reads.

Expected values always come from the simulator's own records and ground truth (computed in exact
decimals by the simulator), never from our code.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
from maicro import catalog

DAY_MS = 86_400_000
# A fixed exchange clock (midday), so tests do not depend on the wall clock.
NOW = int(datetime(2026, 3, 10, 12, 0, tzinfo=UTC).timestamp() * 1000)
ALL_TABLES = sorted(t.qualified for t in catalog.TABLES if t.written_by != catalog.REPLICATION)


def empty_tables(pair) -> None:
    client = pair.client("local")
    for table in ALL_TABLES:
        client.command(f"TRUNCATE TABLE {table}")
    client.close()


def sim_env(handle, monkeypatch, **extra) -> dict:
    env = {
        "HYPERLIQUID_API_URL": handle.url,
        "MAICRO_ACCOUNTS": ",".join(f"{a}={s}" for a, s in handle.sim.accounts),
        "MAICRO_TARGETS_URL": f"{handle.url}/strategy/targets.csv",
        "MAICRO_HL_WEIGHT_PER_MINUTE": "0",  # the simulator's own limit decides (off or on)
        "MAICRO_HL_BACKOFF_S": "0.05",
        "MAICRO_HL_TIMEOUT_S": "5",
        **extra,
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


def query(pair, sql: str, **params) -> pd.DataFrame:
    client = pair.client("local")
    try:
        return client.query_df(sql, parameters=params)
    finally:
        client.close()


def stored_daily_fills(pair) -> pd.DataFrame:
    return query(
        pair,
        """
        SELECT account, toDate(time) AS day, coin, count() AS n_fills,
               sum(closed_pnl) AS realized_pnl_gross, sum(fee) AS fees, sum(px * sz) AS volume_usd
        FROM hyperliquid.fills FINAL GROUP BY account, day, coin""",
    )


def stored_daily_funding(pair) -> pd.DataFrame:
    return query(
        pair,
        """
        SELECT account, toDate(time) AS day, coin, sum(usdc) AS funding, count() AS n
        FROM hyperliquid.funding FINAL GROUP BY account, day, coin""",
    )


def keyed(frame: pd.DataFrame, columns) -> dict:
    """{(account, day, coin): (floats...)} with days as ISO strings."""
    out = {}
    for row in frame.itertuples(index=False):
        d = row._asdict()
        day = pd.Timestamp(d["day"]).date().isoformat()
        out[(d["account"], day, d.get("coin"))] = tuple(float(d[c]) for c in columns)
    return out


def assert_close(actual: dict, expected: dict, tol: float = 1e-6) -> None:
    assert set(actual) == set(expected), sorted(set(actual) ^ set(expected))[:10]
    for key, exp in expected.items():
        got = actual[key]
        for g, e in zip(got, exp):
            assert abs(g - e) <= tol * max(1.0, abs(e)), (key, got, exp)


def expected_fills(sim, start_ms, end_ms, coins=None) -> dict:
    gt = sim.ground_truth_daily(start_ms, end_ms - 1)  # the simulator's end is inclusive
    gt = gt[gt["n_fills"] > 0]
    if coins is not None:
        gt = gt[gt["coin"].isin(coins)]
    return keyed(gt, ["n_fills", "realized_pnl_gross", "fees", "volume_usd"])


def expected_funding(sim, start_ms, end_ms) -> dict:
    rows = {}
    for account, _ in sim.accounts:
        for rec in sim.records("funding", account, start_ms, end_ms):
            day = datetime.fromtimestamp(rec["time"] / 1000, tz=UTC).date().isoformat()
            key = (account, day, rec["delta"]["coin"])
            total, n = rows.get(key, (0.0, 0))
            rows[key] = (total + float(rec["delta"]["usdc"]), n + 1)
    return rows


def expected_fills_from_records(sim, start_ms, end_ms) -> dict:
    """Per (account, day, coin) fill aggregates straight from the simulator's records (for
    windows that are not whole days, which the daily ground truth cannot cut)."""
    rows = {}
    for account, _ in sim.accounts:
        for f in sim.records("fills", account, start_ms, end_ms):
            day = datetime.fromtimestamp(f["time"] / 1000, tz=UTC).date().isoformat()
            key = (account, day, f["coin"])
            n, pnl, fee, vol = rows.get(key, (0, 0.0, 0.0, 0.0))
            rows[key] = (
                n + 1,
                pnl + float(f["closedPnl"]),
                fee + float(f["fee"]),
                vol + float(f["px"]) * float(f["sz"]),
            )
    return rows

"""The Streamlit side of the reads: one reader connection, short-lived caches, failures as words.

Every page asks `load(...)`; it either returns the frames of `queries` or raises `Unavailable`
with a sentence a person can act on (server unreachable, nothing built yet, query refused), which
the page shows instead of a stack trace.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pandas as pd
import streamlit as st
from clickhouse_connect.driver.exceptions import ClickHouseError, OperationalError

from maicro import settings
from maicro.clickhouse.client import connect
from maicro.dashboard import figures, queries
from maicro.errors import MaicroError
from maicro.health import config as health_config

TTL_S = 30  # marts change at most every few minutes; a click should not wait on ClickHouse


@dataclass
class Unavailable(Exception):
    kind: str  # unreachable | no_data | error
    message: str

    def __str__(self) -> str:
        return self.message


@st.cache_resource(show_spinner=False)
def _client():
    """One `maicro_reader` connection to the cloud server per dashboard process."""
    return connect("cloud", "reader", connect_timeout=3, send_receive_timeout=60)


@st.cache_data(ttl=TTL_S, show_spinner=False)
def _cached(name: str, accounts: tuple, start: date, end: date, strategy: str | None, extra: tuple):
    filters = queries.Filters(accounts, start, end, strategy)
    return getattr(queries, name)(_client(), filters, **dict(extra))


@st.cache_data(ttl=TTL_S, show_spinner=False)
def _cached_choices() -> queries.Choices:
    return queries.choices(_client())


def _explained(call):
    try:
        return call()
    except queries.MissingTable as exc:
        raise Unavailable(
            "no_data",
            f"No data yet: {exc.table} does not exist on the cloud server. It appears after the "
            "first `maicro transform` (or the transform_analytics DAG) has run.",
        ) from None
    except (MaicroError, OperationalError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise Unavailable(
            "unreachable",
            f"The cloud ClickHouse is unreachable, so nothing can be shown: {first}",
        ) from None
    except ClickHouseError as exc:
        first = str(exc).strip().splitlines()[0][:300]
        raise Unavailable("error", f"The cloud ClickHouse refused the query: {first}") from None


@st.cache_resource(ttl=TTL_S, max_entries=64, show_spinner=False)
def figure(builder: str, *args):
    """`figures.<builder>(*args)`, kept for TTL_S like the frames it draws: building a plotly
    figure (validation of every trace) costs more than a cached query, and a rerun with the same
    data draws the same figure. A resource, not data: the figure is reused, not copied (nothing
    mutates it)."""
    return getattr(figures, builder)(*args)


def choices() -> queries.Choices:
    return _explained(_cached_choices)


def load(name: str, filters: queries.Filters, **extra):
    """`queries.<name>(client, filters, **extra)`, cached for TTL_S seconds."""
    return _explained(
        lambda: _cached(
            name,
            tuple(filters.accounts),
            filters.start,
            filters.end,
            filters.strategy,
            tuple(sorted(extra.items())),
        )
    )


def clear() -> None:
    """Forget cached results and the connection (tests; a server that moved)."""
    _cached.clear()
    _cached_choices.clear()
    figure.clear()
    _client.clear()


def stale_after_s(accounts: tuple[str, ...] | list[str] = ()) -> float:
    """When a page's newest data counts as stale: the health monitor's heartbeat warn threshold
    for the cloud copy (health.yaml `heartbeat.cloud`, what the ingest schedule plus replication
    promise), so the dashboard and the alerts agree. Per-account and per-strategy overrides apply;
    with several accounts shown, the most lenient one decides (a page is stale only when every
    shown account's promise is broken)."""
    config = health_config.load()
    strategy_of = {a.address.lower(): a.strategy for a in settings.get().accounts}
    scopes = [{"account": a, "strategy": strategy_of.get(a.lower())} for a in accounts] or [{}]
    return max(config.limits("heartbeat", "cloud", **scope).warn for scope in scopes)


def newest_caption(newest, what: str, accounts: tuple[str, ...] | list[str] = ()) -> None:
    """'Newest data: …' on every page, and a warning when it is older than the heartbeat
    threshold (`stale_after_s`)."""
    if newest is None or pd.isna(newest):
        st.caption(f"Newest {what}: none yet")
        return
    ts = pd.Timestamp(newest)
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    age_s = (datetime.now(UTC) - ts.to_pydatetime()).total_seconds()
    st.caption(f"Newest {what}: {ts:%Y-%m-%d %H:%M} UTC ({_age(age_s)} ago)")
    try:
        limit_s = stale_after_s(accounts)
    except MaicroError as exc:  # a broken health config must not take the page down
        st.warning(f"Cannot judge whether the data is stale: {exc}")
        return
    if age_s > limit_s:
        st.warning(
            f"Stale data: the newest {what} is {_age(age_s)} old, more than the "
            f"{_age(limit_s)} heartbeat threshold of the health monitor (heartbeat.cloud.warn in "
            "MAICRO_HEALTH_CONFIG). Check the System Health tab: ingestion, replication or the "
            "transform may be behind."
        )


def _age(seconds: float) -> str:
    seconds = max(seconds, 0)
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:.1f}".removesuffix(".0") + f" {unit}"
    return f"{seconds:.0f} s"

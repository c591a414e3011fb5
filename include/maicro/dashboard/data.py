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
from maicro.dashboard import queries
from maicro.errors import MaicroError

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
    _client.clear()


def stale_after_s() -> float:
    return settings.parse_duration_ms(settings.get().maicro_dashboard_stale_after) / 1000


def newest_caption(newest, what: str) -> None:
    """'Newest data: …' on every page, and a warning when it is older than the stale limit."""
    if newest is None or pd.isna(newest):
        st.caption(f"Newest {what}: none yet")
        return
    ts = pd.Timestamp(newest)
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    age_s = (datetime.now(UTC) - ts.to_pydatetime()).total_seconds()
    st.caption(f"Newest {what}: {ts:%Y-%m-%d %H:%M} UTC ({_age(age_s)} ago)")
    if age_s > stale_after_s():
        st.warning(
            f"Stale data: the newest {what} is {_age(age_s)} old, more than "
            f"{settings.get().maicro_dashboard_stale_after} (MAICRO_DASHBOARD_STALE_AFTER). "
            "Check the System Health tab: ingestion, replication or the transform may be behind."
        )


def _age(seconds: float) -> str:
    seconds = max(seconds, 0)
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:.1f} {unit}"
    return f"{seconds:.0f} s"

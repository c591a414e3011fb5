"""maicro dashboard: the Streamlit script `maicro dashboard` serves.

Sidebar filters (account, strategy, date range) are chosen once and shared by every tab. The tab
is a horizontal selector mirrored in the URL (`?tab=trades`), so a link (or a headless browser)
opens a given tab, and only the chosen tab's queries run.
"""

from __future__ import annotations

from datetime import date, timedelta

import streamlit as st

from maicro.dashboard import data
from maicro.dashboard.queries import Choices, Filters
from maicro.dashboard.tabs import TABS, explain

DEFAULT_DAYS = 30


def sidebar(choices: Choices) -> Filters | None:
    """The shared filters; None when nothing is selectable (no data yet)."""
    st.sidebar.header("Filters")
    if not choices.accounts or choices.first_day is None or choices.last_day is None:
        st.sidebar.info("No accounts in the marts yet.")
        return None
    strategies = ["All strategies", *sorted(choices.strategies)]
    strategy = st.sidebar.selectbox("Strategy", strategies, key="strategy")
    offered = choices.accounts if strategy == strategies[0] else choices.strategies[strategy]
    accounts = st.sidebar.multiselect(
        "Accounts", offered, default=offered, key=f"accounts_{strategy}"
    )
    first, last = choices.first_day, choices.last_day
    picked = st.sidebar.date_input(
        "Date range (UTC)",
        value=(max(first, last - timedelta(days=DEFAULT_DAYS - 1)), last),
        min_value=first,
        max_value=last,
        key="dates",
    )
    # While a range is being picked the widget holds one date: show that day.
    dates = list(picked) if isinstance(picked, tuple | list) else [picked]
    start, end = dates[0], dates[-1]
    if not accounts:
        st.sidebar.warning("Select at least one account.")
        return None
    return Filters(tuple(accounts), start, end, None if strategy == strategies[0] else strategy)


def chosen_tab() -> str:
    keys = list(TABS)
    wanted = st.query_params.get("tab", keys[0])
    key = st.radio(
        "Page",
        keys,
        index=keys.index(wanted) if wanted in keys else 0,
        format_func=lambda k: TABS[k][0],
        horizontal=True,
        label_visibility="collapsed",
        key="tab",
    )
    st.query_params["tab"] = key
    return key


def main() -> None:
    st.set_page_config(page_title="maicro dashboard", page_icon="📈", layout="wide")
    st.title("maicro · Hyperliquid accounts")
    tab = chosen_tab()
    try:
        choices = data.choices()
    except data.Unavailable as problem:
        if problem.kind != "no_data":
            explain(problem)
            return
        choices = Choices()
    filters = sidebar(choices)
    if filters is None:
        if tab != "health":
            st.info(
                "No data yet: the marts hold no account. Run `maicro ingest`, `maicro replicate` "
                "and `maicro transform` (or `make demo`), then reload."
            )
            return
        today = choices.last_day or date.today()
        filters = Filters((), today, today)
    try:
        TABS[tab][1](filters)
    except data.Unavailable as problem:
        explain(problem)


main()

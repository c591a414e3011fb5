"""The five pages of the dashboard. Each takes the sidebar's filters, loads its data through
`data.load` and draws it; a missing or unreachable source is explained on the page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from maicro import formatting as fmt
from maicro import settings
from maicro.dashboard.data import Unavailable, figure, load, newest_caption
from maicro.dashboard.queries import LIQUIDITY, RESOLVED_ALERTS_SHOWN, SIDES, WINDOWS, Filters

TE_THRESHOLD_DEFAULT = 0.05  # until settings declares maicro_te_threshold (the reports' setting)
HEALTH_NOT_RUN = "The health monitor has not run yet"


def te_threshold() -> float:
    return float(getattr(settings.get(), "maicro_te_threshold", TE_THRESHOLD_DEFAULT))


def short(account: str) -> str:
    return f"{account[:6]}…{account[-4:]}"


def explain(problem: Unavailable) -> None:
    if problem.kind == "no_data":
        st.info(problem.message)
    else:
        st.error(problem.message)


def unbroken(text: str) -> str:
    """`text` kept on one line: a narrow column wrapped "fees −" / "$3,863.24" (a browser may
    break after U+2212); no-break spaces, and a word joiner after the minus."""
    return text.replace(" ", "\u00a0").replace("\u2212", "\u2212\u2060")


def pnl_delta(value: float | None) -> dict[str, Any]:
    """Arrow and colour of a PnL delta from its number: the reports' text uses U+2212 for minus,
    which Streamlit's own sign detection would read as a gain (green arrow up)."""
    if value is None or pd.isna(value) or round(float(value), 2) == 0:
        return {"delta_color": "off", "delta_arrow": "off"}
    gain = float(value) > 0
    return {"delta_color": "green" if gain else "red", "delta_arrow": "up" if gain else "down"}


# Column headings a person reads; other columns get their name in words ("last_status" ->
# "Last status"). Only the headings change: the frame (and its CSV download) keeps the names.
LABELS = {
    "mark_px": "Mark",
    "px": "Price",
    "sz": "Size",
    "dir": "Direction",
    "notional_usd": "Notional",
    "unrealized_pnl": "Unrealized PnL",
    "closed_pnl": "Closed PnL",
    "mid_px": "Mid at order",
    "slippage_bps": "Slippage",
    "liquidation_distance": "Liq. distance",
    "oid": "Order id",
    "tid": "Trade id",
    "dag_id": "DAG",
    "last_p50_ms": "p50 (ms)",
    "last_p95_ms": "p95 (ms)",
    "requests_24h": "Requests (24 h)",
    "last_lag_seconds": "Lag (s)",
}
HELP = {
    "liquidation_distance": "How far the mark may move, as a share of the mark, before it reaches "
    "the liquidation price the exchange reports; blank (—) when it reports none (no price "
    "liquidates the position).",
    "weight_diff": "Target weight − actual weight.",
}


def _label(column: str) -> str:
    return LABELS.get(column) or column.replace("_", " ").capitalize()


def _table(frame: pd.DataFrame, formats: dict[str, Callable[[Any], str]]) -> None:
    shown = frame.copy()
    for column, formatter in formats.items():
        if column in shown:
            shown[column] = shown[column].map(formatter)
    config = {c: st.column_config.Column(_label(c), help=HELP.get(c)) for c in shown.columns}
    st.dataframe(shown, hide_index=True, width="stretch", column_config=config)


# --- Overview ---------------------------------------------------------------------------------


def overview(f: Filters) -> None:
    result = load("overview", f)
    daily = result["daily"]
    if daily.empty:
        st.info("No account data in the selected range and accounts yet.")
        return
    exposure, pnl = result["exposure"], result["pnl"].set_index("window")
    newest_caption(
        exposure["snapshot_at"].max() if not exposure.empty else result["today"], "data", f.accounts
    )
    st.caption(f"'Today' is {result['today']:%Y-%m-%d} (UTC), the newest day in the range.")

    st.subheader("PnL")
    cols = st.columns(len(WINDOWS) + 1)
    for col, window in zip(cols, [*WINDOWS, "Since start"], strict=True):
        row = pnl.loc[window]
        col.metric(f"Total PnL · {window}", fmt.money(row["total_pnl"]))
        parts = {
            "realized": row["realized_gross"],
            "fees": -row["fees"],
            "funding": row["funding"],
            "unrealized": row["unrealized_change"],
        }
        col.caption(" · ".join(unbroken(f"{k} {fmt.money(v)}") for k, v in parts.items()))

    last = daily[daily["day"] == daily["day"].max()]
    aum = last["account_value_close"].sum()
    gross = exposure["gross_exposure"].sum() if not exposure.empty else 0.0
    net = exposure["net_exposure"].sum() if not exposure.empty else 0.0
    st.subheader("Account value, flows and exposure")
    # Two rows of three: seven-figure amounts are cut off ("$2,667,9…") five to a row.
    cols = [*st.columns(3), *st.columns(3)]
    cols[0].metric("Account value", fmt.money(aum, sign=False))
    cols[1].metric("Net flows (range)", fmt.money(daily["net_flows"].sum()))
    cols[2].metric("Leverage", f"{gross / aum:.2f}x" if aum else fmt.MISSING)
    cols[3].metric("Gross exposure", fmt.money(gross, sign=False))
    cols[4].metric("Net exposure", fmt.money(net))

    st.subheader("Accounts")
    accounts = sorted(daily["account"].unique())
    cards = st.columns(len(accounts) + 1)
    for card, account in zip(cards, accounts, strict=False):
        mine = daily[daily["account"] == account]
        end = mine.iloc[-1]
        exp = exposure[exposure["account"] == account]
        card.metric(
            short(account),
            fmt.money(end["account_value_close"], sign=False),
            fmt.money(end["total_pnl"]) + " today",
            **pnl_delta(end["total_pnl"]),
        )
        card.caption(
            f"return {fmt.pct(end['cumulative_return'])} · drawdown {fmt.pct(end['drawdown'])}"
            + (
                f" · leverage {exp['gross_exposure'].sum() / end['account_value_close']:.2f}x"
                if not exp.empty and end["account_value_close"]
                else ""
            )
        )
    fund_today = last["total_pnl"].sum()
    cards[-1].metric(
        "Fund total",
        fmt.money(aum, sign=False),
        fmt.money(fund_today) + " today",
        **pnl_delta(fund_today),
    )

    derived = daily[daily["account_value_source"].astype(str) == "derived_backward"]
    if not derived.empty:
        st.caption(
            f"Account values before the first snapshot ({len(derived)} account-days) are derived "
            "backward from the exchange's portfolio history and the daily PnL and flows."
        )
    st.plotly_chart(figure("equity_curve", daily), width="stretch")
    st.plotly_chart(figure("daily_pnl", daily), width="stretch")


# --- Positions --------------------------------------------------------------------------------


def positions(f: Filters) -> None:
    coin = st.session_state.get("positions_coin")
    result = load("positions", f, coin=coin)
    latest = result["latest"]
    if latest.empty:
        st.info("No position snapshots with targets in the selected range and accounts yet.")
        return
    snapshot = latest["snapshot_at"].max()
    newest_caption(snapshot, "snapshot", f.accounts)
    for (strategy, account), rows in latest.groupby(["strategy", "account"]):
        st.subheader(f"{strategy} · {short(account)}")
        st.caption(f"snapshot {pd.Timestamp(rows['snapshot_at'].iloc[0]):%Y-%m-%d %H:%M:%S} UTC")
        _table(
            rows.drop(columns=["strategy", "account", "snapshot_at"]),
            {
                "target_weight": fmt.weight,
                "actual_weight": fmt.weight,
                "weight_diff": fmt.weight,
                "target_notional": fmt.money,
                "actual_notional": fmt.money,
                "mark_px": lambda v: fmt.number(v, decimals=4),
                "unrealized_pnl": fmt.money,
                "liquidation_distance": lambda v: fmt.pct(v, sign=False),
            },
        )
    chosen = st.selectbox("Coin", result["coins"], key="positions_coin")
    if chosen != result["coin"]:
        result = load("positions", f, coin=chosen)
    if not result["history"].empty:
        st.plotly_chart(
            figure("weight_diff_history", result["history"], result["coin"]),
            width="stretch",
        )


# --- Trades -----------------------------------------------------------------------------------


def trades(f: Filters) -> None:
    cols = st.columns([3, 1, 1])
    coin_options = load("trades", f, limit=1)["coins"]
    coins = cols[0].multiselect("Coins (none = all)", coin_options, key="trades_coins")
    side = cols[1].selectbox("Side", list(SIDES), key="trades_side")
    liquidity = cols[2].selectbox("Maker / taker", list(LIQUIDITY), key="trades_liquidity")
    result = load("trades", f, coins=tuple(coins), side=SIDES[side], liquidity=LIQUIDITY[liquidity])
    summary, rows = result["summary"].iloc[0], result["rows"]
    if rows.empty:
        st.info("No fills match the selected accounts, dates and filters.")
        return
    newest_caption(summary["newest"], "fill", f.accounts)
    cols = [*st.columns(3), *st.columns(3)]  # six to a row cut amounts off
    cols[0].metric("Fills", fmt.number(summary["n_fills"]))
    cols[1].metric("Volume", fmt.money(summary["volume_usd"], sign=False))
    cols[2].metric("Fees paid", fmt.money(summary["fees_paid"], sign=False))
    cols[3].metric("Rebates", fmt.money(summary["rebates"], sign=False))
    cols[4].metric("Slippage vs mid", fmt.bps(summary["slippage_bps"]))
    cols[5].metric("Order fill ratio", fmt.pct(summary["order_fill_ratio"], sign=False))
    if len(rows) >= result["limit"]:
        st.caption(
            f"Showing the newest {result['limit']:,} fills; narrow the filters for older ones."
        )
    st.download_button(
        "Download these fills (CSV)",
        rows.to_csv(index=False).encode(),
        file_name=f"maicro-fills-{f.start}-{f.end}.csv",
        mime="text/csv",
    )
    _table(
        rows,
        {
            "account": short,
            "notional_usd": fmt.money,
            "fee": fmt.money,
            "closed_pnl": fmt.money,
            "slippage_bps": fmt.bps,
            "order_fill_ratio": lambda v: fmt.pct(v, sign=False),
        },
    )


# --- Tracking error ---------------------------------------------------------------------------


def tracking_error(f: Filters) -> None:
    result = load("tracking_error", f)
    daily, latest = result["daily"], result["latest"]
    if daily.empty:
        st.info("No tracking error in the selected range, strategy and accounts yet.")
        return
    # Judge freshness by the newest position snapshot, not the day: today's row exists from
    # midnight on, and a date alone would look hours old against a minutes-scale heartbeat.
    if latest.empty:
        newest_caption(daily["day"].max(), "day", f.accounts)
    else:
        newest_caption(latest["snapshot_at"].max(), "snapshot", f.accounts)
    threshold = te_threshold()
    ends = daily.sort_values("day").groupby(["strategy", "account"]).tail(1)
    cols = st.columns(len(ends))
    for col, row in zip(cols, ends.to_dict("records"), strict=True):
        over = row["te_half_l1"] > threshold
        col.metric(
            f"Latest ½L1 · {row['strategy']} · {short(row['account'])}",
            fmt.pct(row["te_half_l1"], sign=False),
            f"{'above' if over else 'within'} {fmt.pct(threshold, sign=False)}",
            delta_color="inverse" if over else "off",
        )
        col.caption(
            f"{pd.Timestamp(row['day']):%Y-%m-%d} · RMS {fmt.pct(row['te_rms'], sign=False)} · "
            f"ann. 7d {fmt.pct(row['te_ann_7d'], sign=False)} · 30d {fmt.pct(row['te_ann_30d'], sign=False)}"
        )
    st.plotly_chart(figure("tracking_error", daily, threshold), width="stretch")
    for (strategy, account), rows in latest.groupby(["strategy", "account"]):
        whose = f"{strategy} · {short(account)}"
        left, right = st.columns(2)
        left.plotly_chart(figure("contribution", rows, whose), width="stretch")
        right.plotly_chart(figure("targets_vs_actual", rows, whose), width="stretch")


# --- System health ----------------------------------------------------------------------------

# Words, not emoji: headless Chromium (and many servers' browsers) have no emoji font and
# draw them as empty boxes. Upper case makes what needs attention stand out in a table.
STATUS_ICON = {
    "ok": "ok",
    "warn": "WARN",
    "fail": "FAIL",
    "failed": "FAILED",
    "success": "success",
    "running": "running",
}


def _status(value) -> str:
    return STATUS_ICON.get(str(value), str(value))


def health(f: Filters) -> None:
    sections = load("health", f)
    newest = [
        frame[column].max()
        for frame, column in (
            (sections["checks"], "last_checked_at"),
            (sections["heartbeat"], "last_run"),
            (sections["replication"], "last_finished_at"),
        )
        if frame is not None and not frame.empty
    ]
    newest_caption(max(newest) if newest else None, "health record")

    st.subheader("Checks")
    checks = sections["checks"]
    if checks is None or checks.empty:
        st.info(f"{HEALTH_NOT_RUN}: no checks recorded (the monitor_health DAG writes them).")
    else:
        counts = checks["last_status"].astype(str).value_counts()
        st.caption(" · ".join(f"{_status(s)} {counts.get(s, 0)}" for s in ("ok", "warn", "fail")))
        _table(checks, {"last_status": _status})

    st.subheader("dbt build and tests")
    # An empty result has no columns at all: test emptiness before selecting a column.
    dbt = (
        None
        if checks is None or checks.empty
        else checks[checks["check_name"].astype(str).str.startswith("dbt")]
    )
    if dbt is None or dbt.empty:
        st.info(
            "No dbt build or test result recorded yet (monitor_health reads dbt's run_results "
            "and source freshness after each transform)."
        )
    else:
        failing = dbt[dbt["last_status"].astype(str) != "ok"]
        st.caption(f"{len(dbt) - len(failing)} ok, {len(failing)} not ok")
        _table(dbt, {"last_status": _status})

    st.subheader("Open and recent alerts")
    alerts = sections["alerts"]
    if alerts is None or alerts.empty:
        st.info("No alerts recorded." if alerts is not None else f"{HEALTH_NOT_RUN}: no alert log.")
    else:
        open_ = alerts[alerts["last_event"].astype(str) != "resolved"]
        resolved = len(alerts) - len(open_)
        st.caption(f"{len(open_)} open, {resolved} resolved (newest {RESOLVED_ALERTS_SHOWN})")
        _table(alerts, {})

    st.subheader("Heartbeat per data type")
    heartbeat = sections["heartbeat"]
    if heartbeat is None or heartbeat.empty:
        st.info("No ingestion run recorded yet.")
    else:
        _table(heartbeat, {"last_status": _status})

    st.subheader("Data-feed latency")
    latency = sections["latency"]
    if latency is None or latency.empty:
        st.info(f"{HEALTH_NOT_RUN}: no API latency probes aggregated (fct_api_latency_hourly).")
    else:
        st.plotly_chart(figure("latency", latency), width="stretch")
        _table(latency, {"last_error_rate": lambda v: fmt.pct(v, sign=False)})

    st.subheader("Replication and verification")
    replication, verification = sections["replication"], sections["verification"]
    # Metrics side by side, tables full width: half a page cut the replication table's columns.
    left, right = st.columns(2)
    if replication is None or replication.empty:
        left.info("No replication run recorded yet.")
    else:
        worst = replication["last_lag_seconds"].max()
        left.metric("Largest replication lag", f"{worst:,.0f} s")
    if verification is None or verification.empty:
        right.info("No verification recorded yet.")
    else:
        right.metric(
            "Last verification",
            f"{pd.Timestamp(verification['last_verified_at'].max()):%Y-%m-%d %H:%M} UTC",
        )
    if replication is not None and not replication.empty:
        _table(replication, {"last_status": _status})
    if verification is not None and not verification.empty:
        _table(verification, {"last_status": _status})

    st.subheader("DAG runs")
    dag_runs = sections["dag_runs"]
    if dag_runs is None or dag_runs.empty:
        st.info("No DAG run recorded yet (the Airflow listener records them as DAGs run).")
    else:
        _table(dag_runs, {"last_state": _status})


TABS = {
    "overview": ("Overview", overview),
    "positions": ("Positions", positions),
    "trades": ("Trades", trades),
    "tracking": ("Tracking Error", tracking_error),
    "health": ("System Health", health),
}

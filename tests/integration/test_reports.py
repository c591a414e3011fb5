"""The daily and weekly reports over a simulator-fed pipeline (ingest -> replicate -> verify ->
transform, all real), sent through the resend SDK to the loopback fake: every number parsed out
of the *sent* HTML equals an independent query of the marts, the incomplete-data banner names
what is missing, and headless Chromium renders both emails with their charts.

11 simulated days from Thursday 2025-11-20: ISO week 2025-W48 (Nov 24-30) is complete and the
week before (W47) has its last four days.
"""

from __future__ import annotations

import base64
import re
from datetime import date
from html.parser import HTMLParser

import pandas as pd
import pytest

from tests.browser import is_blank, screenshot
from tests.conftest import run_maicro
from tests.fakes.resend_server import FakeResend, ResendServer

pytestmark = pytest.mark.slow

ORIGIN = 1_763_596_800_000  # 2025-11-20 00:00 UTC, a Thursday
N_DAYS = 11
DAY = date(2025, 11, 30)
WEEK = "2025-W48"
TOLERANCE = {"money": 0.005, "level": 0.005, "pct": 5e-5, "share": 5e-5, "weight": 5e-5}
TOLERANCE |= {"bps": 0.05, "count": 0, "ratio": 0.005}


@pytest.fixture(scope="module")
def pipeline(simulated_pipeline):
    _, env = simulated_pipeline(seed=7, origin_ms=ORIGIN, days=N_DAYS, verify=True)
    with ResendServer(FakeResend(api_key="re_test")) as server:
        yield {**env, "RESEND_API_URL": server.url, "RESEND_API_KEY": "re_test",
               "MAICRO_EMAIL_TRANSPORT": "resend", "MAICRO_EMAIL_BACKOFF_S": "0.01",
               "MAICRO_REPORT_RECIPIENTS": "ops@fund.example"}, server.fake  # fmt: skip


@pytest.fixture
def env(pipeline, monkeypatch):
    values, fake = pipeline
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    fake.sent.clear()
    fake.requests.clear()
    return fake


class _Figures(HTMLParser):
    """data-k -> displayed text, and the inline images referenced."""

    def __init__(self) -> None:
        super().__init__()
        self.figures: dict[str, str] = {}
        self.images: list[str] = []
        self._key: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "data-k" in attrs:
            self._key = attrs["data-k"]
            self.figures[self._key] = ""
        if tag == "img":
            self.images.append(attrs.get("src", ""))

    def handle_endtag(self, tag):
        if tag == "span":
            self._key = None

    def handle_data(self, data):
        if self._key:
            self.figures[self._key] += data


def read_number(text: str) -> float | None:
    """Independent of maicro.formatting: `+$1,234.56`, `−1.20%`, `+3.1 bps`, `1.25×`, `—`."""
    text = text.strip()
    if text == "—":
        return None
    sign = -1 if text[0] in "−-" else 1
    digits = re.sub(r"[^0-9.]", "", text)
    value = sign * float(digits)
    return value / 100 if text.endswith("%") else value


def parse_sent(fake) -> tuple[dict[str, float | None], dict]:
    [sent] = fake.sent
    parser = _Figures()
    parser.feed(sent["html"])
    return {k: read_number(v) for k, v in parser.figures.items()}, {**sent, "img": parser.images}


GAIN, LOSS = "#137333", "#c5221f"


class _Tones(HTMLParser):
    """Each `data-k` figure's text and colour, and the `.word` that directly follows it."""

    def __init__(self) -> None:
        super().__init__()
        self.figures: dict[str, dict] = {}
        self._open: dict | None = None
        self._last: dict | None = None  # the figure just closed, until another tag starts
        self._in_word = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "span" and "data-k" in attrs:
            colour = re.search(r"color:\s*(#[0-9a-fA-F]{6})", attrs.get("style", ""))
            self._open = {"text": "", "colour": colour[1].lower() if colour else None, "word": None}
            self.figures[attrs["data-k"]] = self._open
        elif tag == "span" and "word" in (attrs.get("class") or "").split() and self._last:
            self._in_word = True
            return
        self._last = None

    def handle_endtag(self, tag):
        if tag == "span" and self._open is not None:
            self._last, self._open = self._open, None
        elif tag == "span" and self._in_word:
            self._in_word, self._last = False, None

    def handle_data(self, data):
        if self._open is not None:
            self._open["text"] += data
        elif self._in_word and self._last is not None:
            self._last["word"] = (self._last["word"] or "") + data.strip("() ")
        elif data.strip():
            self._last = None


def expected_word(text: str) -> str:
    return {"+": "gain", "−": "loss"}.get(text.strip()[:1], "flat")


def assert_words_carry_the_tone(html: str, signed_keys: list[str]) -> None:
    """Colour never carries the meaning alone: every green or red figure is followed by its word,
    the word agrees with the figure's sign, and every figure in `signed_keys` has one."""
    parser = _Tones()
    parser.feed(html)
    figures = parser.figures
    for key, f in figures.items():
        if f["colour"] in (GAIN, LOSS):
            assert f["word"] == ("gain" if f["colour"] == GAIN else "loss"), (key, f)
        if f["word"] is not None:
            assert f["word"] == expected_word(f["text"]), (key, f)
    missing = [k for k in signed_keys if figures[k]["text"] != "—" and figures[k]["word"] is None]
    assert signed_keys and not missing, missing


SIGNED_TEXT = re.compile(
    r"(?<![\w$])([+−](?:\$[\d,]+\.\d\d|[\d,]+\.\d\d%))( \((gain|loss|flat)\))?"
)


def assert_text_words(text: str, prefixes: tuple[str, ...]) -> int:
    """In the plain-text lines starting with `prefixes`, every signed amount is followed by its
    word (agreeing with the sign); returns how many were checked."""
    checked = 0
    for line in text.splitlines():
        if not line.startswith(prefixes):
            continue
        for match in SIGNED_TEXT.finditer(line.split(" (week before")[0]):
            assert match[3] == expected_word(match[1]), line
            checked += 1
    return checked


def q(pair, sql: str, **params) -> pd.DataFrame:
    client = pair.client("cloud", "admin")
    frame = client.query_df(sql, parameters=params)
    client.close()
    return frame


def wavg(frame, column, weight):
    rows = frame[frame[column].notna()]
    total = rows[weight].sum()
    return float((rows[column] * rows[weight]).sum() / total) if total else None


def execution(frame) -> dict:
    return {
        "n_orders": float(frame["n_orders"].fillna(0).sum()),
        "fill_ratio": wavg(frame, "fill_ratio", "n_orders"),
        "maker_share": wavg(frame, "maker_share", "volume_usd"),
        "slippage_bps": wavg(frame, "slippage_bps", "volume_usd"),
        "fee_bps": wavg(frame, "fee_bps", "volume_usd"),
    }


KINDS = {"exec:n_orders": "count", "exec:fill_ratio": "share", "exec:maker_share": "share"}
KINDS |= {"exec:slippage_bps": "bps", "exec:fee_bps": "bps", "ret:": "pct", "te:": "share"}
KINDS |= {"_weight": "weight", "weight_diff": "weight", "leverage": "ratio", "incident": "count"}
KINDS |= {"week_return": "pct", "max_drawdown": "pct", "recon_breaks": "count"}
KINDS |= {"slippage_bps": "bps", "fee_bps": "bps", "fill_ratio": "share", "maker_share": "share"}
KINDS |= {"te_half_l1": "weight"}  # weekly keys carry no `exec:`/`te:` prefix


def kind_of(key: str) -> str:
    for fragment, kind in KINDS.items():
        if fragment in key:
            return kind
    return "money"


def assert_figures_match(shown: dict, expected: dict) -> None:
    assert set(shown) == set(expected), set(shown) ^ set(expected)
    for key, value in expected.items():
        got = shown[key]
        if value is None or (isinstance(value, float) and pd.isna(value)):
            assert got is None, key
            continue
        assert got is not None, key
        assert abs(got - float(value)) <= TOLERANCE[kind_of(key)] + 1e-9, (key, got, value)


def expected_daily(pair) -> dict:
    exp: dict = {}
    pnl = q(pair, "SELECT * FROM analytics.fct_pnl_daily WHERE day = {d:Date}", d=DAY)
    acc = q(pair, "SELECT * FROM analytics.fct_account_daily WHERE day = {d:Date}", d=DAY)
    hist = q(pair, "SELECT * FROM analytics.fct_account_daily WHERE day <= {d:Date}", d=DAY)
    te = q(pair, "SELECT * FROM analytics.fct_tracking_error_daily WHERE day = {d:Date}", d=DAY)
    rec = q(pair, "SELECT * FROM analytics.fct_reconciliation_daily WHERE day = {d:Date}", d=DAY)
    ex = q(pair, "SELECT * FROM analytics.fct_execution_quality_daily WHERE day = {d:Date}", d=DAY)
    pos = q(pair, "SELECT * FROM analytics.fct_positions_vs_targets WHERE day = {d:Date}", d=DAY)

    def pnl_split(scope, rows):
        exp[f"{scope}:pnl:realized_gross"] = rows["realized_pnl_gross"].sum()
        exp[f"{scope}:pnl:fees"] = -rows["fees"].sum()
        exp[f"{scope}:pnl:rebates"] = -rows.loc[rows["fees"] < 0, "fees"].sum()
        exp[f"{scope}:pnl:funding"] = rows["funding"].sum()
        exp[f"{scope}:pnl:upnl_change"] = rows["unrealized_pnl_change"].sum()
        exp[f"{scope}:pnl:total"] = rows["total_pnl"].sum()

    for account in acc["account"]:
        rows = pnl[pnl["account"] == account]
        pnl_split(account, rows)
        a = acc[acc["account"] == account].iloc[0]
        exp |= {
            f"{account}:av:open": a.account_value_open,
            f"{account}:av:close": a.account_value_close,
            f"{account}:av:deposits": a.deposits,
            f"{account}:av:withdrawals": a.withdrawals,
            f"{account}:ret:daily": a.daily_return,
            f"{account}:ret:cumulative": a.cumulative_return,
            f"{account}:ret:drawdown": a.drawdown,
        }
        for c in rows.itertuples():
            k = f"{account}:coin:{c.coin}"
            exp |= {f"{k}:realized_gross": c.realized_pnl_gross, f"{k}:fees": -c.fees,
                    f"{k}:funding": c.funding, f"{k}:upnl_change": c.unrealized_pnl_change,
                    f"{k}:total": c.total_pnl, f"{k}:volume": c.volume_usd}  # fmt: skip
        mine = pos[pos["account"] == account]
        last = mine[mine["snapshot_at"] == mine["snapshot_at"].max()]
        for p in last.itertuples():
            k = f"{account}:pos:{p.coin}"
            exp |= {f"{k}:target_weight": p.target_weight, f"{k}:actual_weight": p.actual_weight,
                    f"{k}:weight_diff": p.weight_diff, f"{k}:actual_notional": p.actual_notional}  # fmt: skip
        t = te[te["account"] == account].iloc[0]
        exp |= {f"{account}:te:half_l1": t.te_half_l1, f"{account}:te:rms": t.te_rms,
                f"{account}:te:ann_7d": t.te_ann_7d, f"{account}:te:ann_30d": t.te_ann_30d}  # fmt: skip
        exp[f"{account}:recon:residual"] = rec.loc[rec["account"] == account, "residual"].sum()
        for name, value in execution(ex[ex["account"] == account]).items():
            exp[f"{account}:exec:{name}"] = value
    pnl_split("fund", pnl)
    days = hist.groupby("day")[["account_value_open", "account_value_close", "net_flows"]].sum()
    opened = days.account_value_open.where(days.account_value_open != 0)  # no capital: no return
    r = ((days.account_value_close - days.account_value_open - days.net_flows) / opened).fillna(0)
    growth = (1 + r).cumprod()
    exp |= {
        "fund:av:open": acc["account_value_open"].sum(),
        "fund:av:close": acc["account_value_close"].sum(),
        "fund:av:deposits": acc["deposits"].sum(),
        "fund:av:withdrawals": acc["withdrawals"].sum(),
        "fund:ret:daily": r.iloc[-1],
        "fund:ret:cumulative": growth.iloc[-1] - 1,
        "fund:ret:drawdown": growth.iloc[-1] / growth.max() - 1,
        "fund:recon:residual": rec["residual"].sum(),
    }
    for name, value in execution(ex).items():
        exp[f"fund:exec:{name}"] = value
    return exp


def test_daily_report_numbers_equal_the_marts(env, clickhouse_pair, tmp_path):
    from maicro.reports import periods
    from maicro.reports.report import send_report

    delivery = send_report(periods.day(DAY.isoformat()), only_if_complete=True)
    assert delivery is not None and delivery.sent_now  # complete: sent by the mart-triggered run
    shown, sent = parse_sent(env)
    assert "data-banner" not in sent["html"] and "Incomplete" not in sent["text"]
    assert sent["subject"].startswith(f"Daily PnL {DAY}: ")
    assert_figures_match(shown, expected_daily(clickhouse_pair))
    assert len([k for k in shown if k.endswith(":pnl:total")]) == 3  # 2 accounts + fund
    signed_rows = (":pnl:", ":ret:")
    assert_words_carry_the_tone(
        sent["html"],
        [k for k in shown if any(r in k for r in signed_rows) or re.search(r":coin:.*:total$", k)],
    )
    assert assert_text_words(sent["text"], ("PnL:", "Total PnL:", "Return:", "Per coin")) >= 30
    page = tmp_path / "daily.html"
    assert run_maicro("report", "daily", "--date", str(DAY), "--out", str(page)).returncode == 0
    png = screenshot(page.as_uri(), "report_daily", width=760, height=2400)
    assert not is_blank(png)


def expected_weekly(pair) -> dict:
    from maicro.reports import periods

    exp: dict = {}
    week = periods.week(WEEK)
    hist = q(pair, "SELECT * FROM analytics.fct_account_daily WHERE day <= {d:Date}", d=week.last)
    hist["day"] = pd.to_datetime(hist["day"]).dt.date
    fund_days = hist.groupby("day")[
        ["account_value_open", "account_value_close", "net_flows"]
    ].sum()
    opened = fund_days.account_value_open.where(fund_days.account_value_open != 0)
    fund_r = (
        fund_days.account_value_close - fund_days.account_value_open - fund_days.net_flows
    ) / opened
    fund_r = fund_r.fillna(0)
    fund_growth = (1 + fund_r).cumprod()
    fund_dd = fund_growth / fund_growth.cummax() - 1

    def one_week(p):
        rng = {"a": p.first, "b": p.last}
        pnl = q(
            pair,
            "SELECT * FROM analytics.fct_pnl_daily WHERE day BETWEEN {a:Date} AND {b:Date}",
            **rng,
        )
        ex = q(
            pair,
            "SELECT * FROM analytics.fct_execution_quality_daily WHERE day BETWEEN {a:Date} AND {b:Date}",
            **rng,
        )
        te = q(
            pair,
            "SELECT * FROM analytics.fct_tracking_error_daily WHERE day BETWEEN {a:Date} AND {b:Date}",
            **rng,
        )
        rec = q(
            pair,
            "SELECT * FROM analytics.fct_reconciliation_daily WHERE day BETWEEN {a:Date} AND {b:Date}",
            **rng,
        )
        pos = q(
            pair,
            "SELECT * FROM analytics.fct_positions_vs_targets WHERE day BETWEEN {a:Date} AND {b:Date}",
            **rng,
        )
        days = hist[(hist["day"] >= p.first) & (hist["day"] <= p.last)].sort_values("day")
        out, coins = {}, {}
        last_pos = pos[pos["snapshot_at"] == pos.groupby("account")["snapshot_at"].transform("max")]
        for scope in [*sorted(days["account"].unique()), "fund"]:
            sel = (lambda f: f) if scope == "fund" else (lambda f, s=scope: f[f["account"] == s])
            pp, lp = sel(pnl), sel(last_pos)
            value = lp.groupby("account")["account_value"].first().sum()
            gross = lp["actual_notional"].abs().sum()
            if scope == "fund":
                in_week = fund_r[(fund_r.index >= p.first) & (fund_r.index <= p.last)]
                ret = (1 + in_week).prod() - 1
                dd = fund_dd[(fund_dd.index >= p.first) & (fund_dd.index <= p.last)].min()
                av = fund_days.loc[in_week.index[-1], "account_value_close"]
            else:
                d = sel(days)
                ret = (1 + d["daily_return"]).prod() - 1
                dd, av = d["drawdown"].min(), d["account_value_close"].iloc[-1]
            fig = {
                "total_pnl": pp["total_pnl"].sum(), "realized_gross": pp["realized_pnl_gross"].sum(),
                "funding": pp["funding"].sum(), "fees": -pp["fees"].sum(), "week_return": ret,
                "max_drawdown": dd, "account_value": av, "gross_exposure": gross,
                "net_exposure": lp["actual_notional"].sum(), "leverage": gross / value,
                **{k: v for k, v in execution(sel(ex)).items() if k != "n_orders"},
                "recon_breaks": int((~sel(rec)["is_reconciled"].astype(bool)).sum()),
            }  # fmt: skip
            if scope != "fund":
                fig["te_half_l1"] = sel(te)["te_half_l1"].mean()
            else:
                fig["incidents"] = 0
            out[scope] = fig
            by_coin = lp.groupby("coin")["actual_notional"].sum()
            coins[scope] = {c: (n, abs(n), n / value) for c, n in by_coin.items() if abs(n) > 0}
        return out, coins

    this, coins = one_week(week)
    before, _ = one_week(week.previous())
    for scope, figures in this.items():
        for key, value in figures.items():
            prev = before.get(scope, {}).get(key)
            exp[f"{scope}:{key}:this"] = value
            exp[f"{scope}:{key}:prev"] = prev
            exp[f"{scope}:{key}:change"] = None if prev is None or pd.isna(prev) else value - prev
        for coin, (net, gross, weight) in coins[scope].items():
            exp |= {f"{scope}:coin:{coin}:net": net, f"{scope}:coin:{coin}:gross": gross,
                    f"{scope}:coin:{coin}:weight": weight}  # fmt: skip
    exp["fund:headline:total_pnl"] = this["fund"]["total_pnl"]
    return exp


def test_weekly_report_numbers_equal_the_marts_and_charts_render(env, clickhouse_pair, tmp_path):
    from maicro.reports import periods
    from maicro.reports.report import send_report

    assert send_report(periods.week(WEEK), only_if_complete=True) is not None
    shown, sent = parse_sent(env)
    assert sent["subject"].startswith(f"Weekly Risk {WEEK}: ")
    assert_figures_match(shown, expected_weekly(clickhouse_pair))
    assert_words_carry_the_tone(
        sent["html"],
        [
            k
            for k in shown
            if k.endswith(":this") and kind_of(k) in ("money", "pct") and "net_exposure" not in k
        ],
    )
    labels = ("Total PnL", "Realized PnL", "Funding", "Fees", "Return", "Deepest drawdown")
    assert assert_text_words(sent["text"], labels) >= 18
    # charts travel as cid: attachments that are real PNGs, never as data: URIs
    cids = {a["content_id"]: base64.b64decode(a["content"]) for a in sent["attachments"]}
    assert set(sent["img"]) == {f"cid:{c}" for c in cids} == {"cid:equity", "cid:tracking"}
    assert all(png.startswith(b"\x89PNG") and len(png) > 10_000 for png in cids.values())
    assert "data:" not in sent["html"] and "<script" not in sent["html"]
    page = tmp_path / "weekly.html"
    assert run_maicro("report", "weekly", "--week", WEEK, "--out", str(page)).returncode == 0
    png = screenshot(page.as_uri(), "report_weekly", width=760, height=3000)
    assert not is_blank(png)
    from PIL import Image

    with Image.open(png) as image:  # the charts' colours are on the page: images loaded
        colours = {c for _, c in image.convert("RGB").getcolors(maxcolors=1 << 20) or []}
    assert (0x1A, 0x73, 0xE8) in colours or any(
        abs(r - 26) + abs(g - 115) + abs(b - 232) < 30 for r, g, b in colours
    )


def test_incomplete_day_sends_a_banner_naming_the_missing_data_type(
    env, clickhouse_pair, monkeypatch
):
    from maicro import settings

    # recipients of their own: the day's complete report may have gone out in an earlier test,
    # and a delivered (report, day, recipients) is never sent again
    monkeypatch.setenv("MAICRO_REPORT_RECIPIENTS", "late-data@fund.example")
    from maicro.reports import periods
    from maicro.reports.report import send_report

    account = settings.get().accounts[1].address
    cloud = clickhouse_pair.client("cloud", "admin")
    removed = "data_type = 'funding' AND account = {a:String} AND window_start >= {t:DateTime64(3)}"
    # `maicro ingest` ran one window per day: forget the account's funding runs from DAY on
    cut = pd.Timestamp(DAY.isoformat(), tz="UTC").to_pydatetime()
    saved = cloud.query_df(
        f"SELECT * FROM maicro_monitors.ingest_runs WHERE {removed}",
        parameters={"a": account, "t": cut},
    )
    assert not saved.empty, "the fixture recorded no funding run for that account and day"
    cloud.command(
        f"DELETE FROM maicro_monitors.ingest_runs WHERE {removed}",
        parameters={"a": account, "t": cut},
    )
    try:
        period = periods.day(DAY.isoformat())
        assert send_report(period, only_if_complete=True) is None  # waits for the data
        assert env.sent == []
        delivery = send_report(period)  # the deadline run sends anyway, with the banner
        assert delivery is not None and delivery.sent_now
        [sent] = env.sent
        banner = f"funding for {account} not ingested since 2025-11-30 00:00 UTC"
        assert banner in sent["html"] and banner in sent["text"]
        assert sent["subject"].startswith("[INCOMPLETE] Daily PnL")
    finally:
        cloud.insert_df("maicro_monitors.ingest_runs", saved)
        cloud.close()


def test_verified_data_the_marts_were_not_rebuilt_on_is_named_in_the_banner(
    env, clickhouse_pair, monkeypatch
):
    """Late fills re-ingested for the day and verified on the cloud after the last dbt build:
    the run logs say ingested and verified, but the marts predate the verification. The
    mart-triggered run waits; the deadline run names every mart not rebuilt since."""
    from datetime import UTC, datetime, timedelta

    from maicro import catalog, settings
    from maicro.reports import periods
    from maicro.reports.report import send_report

    monkeypatch.setenv("MAICRO_REPORT_RECIPIENTS", "stale-marts@fund.example")
    finished = datetime.now(UTC)
    verified = finished + timedelta(seconds=1)
    day_start = pd.Timestamp(DAY.isoformat(), tz="UTC").to_pydatetime()
    account = settings.get().accounts[0].address
    cloud = clickhouse_pair.client("cloud", "admin")
    cloud.insert("maicro_monitors.ingest_runs",
                 [["late-fills", "fills", account, day_start, day_start + timedelta(days=1),
                   3, 3, 0, 0, "ok", "", finished, finished]],
                 column_names=["run_id", "data_type", "account", "window_start", "window_end",
                               "rows_fetched", "rows_inserted", "rows_quarantined",
                               "api_weight_used", "status", "error", "started_at",
                               "finished_at"])  # fmt: skip
    cloud.insert("maicro_monitors.verification_results",
                 [["late-verify", verified, "primary", "", t.database, t.name, 1, 0, 0, 0, [],
                   0.1, "ok", ""] for t in catalog.data_tables()],
                 column_names=["run_id", "verified_at", "target", "target_url", "database",
                               "table", "slices_checked", "slices_mismatched", "local_rows",
                               "cloud_rows", "mismatches", "duration_s", "status",
                               "error"])  # fmt: skip
    try:
        period = periods.day(DAY.isoformat())
        assert send_report(period, only_if_complete=True) is None  # waits for the next build
        assert env.sent == []
        assert send_report(period) is not None  # the deadline: sent, naming the stale marts
        [sent] = env.sent
        assert sent["subject"].startswith("[INCOMPLETE] Daily PnL")
        for mart in catalog.MARTS:
            stale = f"analytics.{mart} not rebuilt since the verification at {verified:%Y-%m-%d %H:%M} UTC"
            assert stale in sent["html"] and stale in sent["text"], stale
        assert "not ingested" not in sent["text"] and "not verified" not in sent["text"]
    finally:
        cloud.command("DELETE FROM maicro_monitors.ingest_runs WHERE run_id = 'late-fills'")
        cloud.command(
            "DELETE FROM maicro_monitors.verification_results WHERE run_id = 'late-verify'"
        )
        cloud.close()

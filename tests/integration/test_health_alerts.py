"""Alerts with memory, produced by real faults of a real simulator and judged by the real monitor
run (probe -> checks -> alerts) against the real ClickHouse pair; alert emails go through
`maicro.delivery`'s file transport, so what is asserted is what the on-call engineer receives.

A fault fires its alert once; the same state on the next run says nothing; after the reminder
interval a reminder goes out; removing the fault sends "resolved". `maicro health` exits non-zero
with a one-line error while a check fails, and 0 while every check is ok. Faults in the data go
through a real pipeline (ingest -> replicate -> transform): a targets file far from the positions,
a ledger event the account value never saw, data that stops arriving. The real channels (the
Resend fake, an apprise chat webhook) each get one message per fire and resolve.
"""

from __future__ import annotations

import email
import json
import time
from email import policy
from pathlib import Path

import pytest
from maicro.health.monitor import run_once
from maicro.hyperliquid.simulator import SimConfig, start_simulator

from tests.conftest import reset_pair, run_maicro
from tests.fakes.chat_server import ChatServer
from tests.fakes.resend_server import FakeResend, ResendServer
from tests.integration._ingest_support import sim_env

REMINDER_S = 20  # longer than two monitor runs against a slow (1.5 s per request) feed
ONCALL = "oncall@example.com"


@pytest.fixture
def feed(fresh_clickhouse, monkeypatch, tmp_path):
    """A simulator on the wall clock (so the exchange clock agrees with ours), the alert config
    with a short reminder interval and an email recipient, the file transport's outbox."""
    config = tmp_path / "health.yaml"
    config.write_text(
        f"alerts:\n  reminder_interval: {REMINDER_S}s\n  email: [{ONCALL}]\n  chat: []\n"
    )
    outbox = tmp_path / "outbox"
    now = int(time.time() * 1000)
    with start_simulator(
        SimConfig(seed=5, n_accounts=2, days=1, now_ms=now, speed=1.0, rate_limit=False)
    ) as handle:
        env = sim_env(
            handle,
            monkeypatch,
            MAICRO_HEALTH_CONFIG=str(config),
            MAICRO_EMAIL_TRANSPORT="file",
            MAICRO_EMAIL_OUTBOX=str(outbox),
        )
        yield handle, outbox, env


def _events(run, url: str) -> list[tuple[str, str]]:
    return [(e.event, e.check_name) for e in run.events if e.subject == url]


def _emails(outbox: Path, url: str) -> list[email.message.EmailMessage]:
    """The alert emails about `url` in the outbox, oldest first."""
    out = []
    for path in sorted(outbox.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns):
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        if url in str(message["Subject"]):
            out.append(message)
    return out


def _feed_status(run, url: str) -> dict[str, str]:
    return {r.check_name: r.status for r in run.results if r.subject == url}


@pytest.mark.parametrize(
    ("fault", "check", "status"),
    [
        ({"http_5xx": "always", "http_5xx_status": 503}, "api_error_rate", "fail"),
        ({"latency_ms": 1500}, "api_rtt", "warn"),
        ("clock_skew", "api_clock_skew", "fail"),
    ],
    ids=["5xx", "latency", "clock_skew"],
)
def test_a_feed_fault_fires_once_reminds_after_the_interval_and_resolves(
    feed, fresh_clickhouse, fault, check, status
):
    handle, outbox, _ = feed
    url = handle.url

    healthy = run_once()
    assert set(_feed_status(healthy, url).values()) == {"ok"}, _feed_status(healthy, url)
    assert _events(healthy, url) == []

    if fault == "clock_skew":  # the exchange's clock a minute ahead of ours
        handle.sim.set_now(int(time.time() * 1000) + 60_000)
    else:
        handle.set_faults(**fault)
    started = run_once()
    assert _feed_status(started, url)[check] == status
    assert _events(started, url) == [("fired", check)]
    (fired,) = _emails(outbox, url)
    assert fired["To"] == ONCALL
    assert str(fired["Subject"]) == f"[maicro FIRED] {status}: {check} {url}"
    assert url in fired.get_body(("plain",)).get_content()

    same = run_once()
    assert _events(same, url) == [], "the same state must say nothing"
    assert len(_emails(outbox, url)) == 1

    time.sleep(max(0.0, started.now_ms / 1000 + REMINDER_S - time.time()))
    reminded = run_once()
    assert _events(reminded, url) == [("reminded", check)]

    if fault == "clock_skew":
        handle.sim.set_now(int(time.time() * 1000))
    else:
        handle.set_faults()
    cleared = run_once()
    assert _feed_status(cleared, url)[check] == "ok"
    assert _events(cleared, url) == [("resolved", check)]
    assert [str(m["Subject"]).split("]")[0] for m in _emails(outbox, url)] == [
        "[maicro FIRED",
        "[maicro REMINDED",
        "[maicro RESOLVED",
    ]

    client = fresh_clickhouse.client("local")
    history = client.query(
        "SELECT toString(event), status FROM maicro_monitors.alerts "
        "WHERE alert_key = {key:String} ORDER BY event_at",
        parameters={"key": f"{check}:{url}"},
    ).result_rows
    client.close()
    assert history == [("fired", status), ("reminded", status), ("resolved", "ok")]


def _ingest_recent(handle, env: dict, minutes: int = 10) -> None:
    """Ingest the last minutes of every data type from the wall-clock simulator, replicate."""
    end = int(time.time() * 1000)
    run_maicro("ingest", "--start", str(end - minutes * 60_000), "--end", str(end), "--quiet",
               env=env, check=True, timeout=300)  # fmt: skip
    run_maicro("replicate", env=env, check=True, timeout=300)


def test_maicro_health_exits_zero_while_all_is_ok_and_one_while_a_check_fails(
    feed, tmp_path, monkeypatch
):
    handle, _, env = feed
    # No stray dbt artifacts or Airflow metadata of the developer's checkout judged here.
    env |= {"DBT_TARGET_PATH": str(tmp_path / "dbt"), "AIRFLOW_HOME": str(tmp_path / "airflow")}
    # Nor the `dbt source freshness` verdict an earlier test left in the session's state dir
    # (about data since reset): the monitor DAG runs freshness, `maicro health` only reads it.
    from maicro.health.freshness import freshness_dir

    (freshness_dir() / "sources.json").unlink(missing_ok=True)
    _ingest_recent(handle, env)
    run_maicro("health", "--no-alerts", env=env)  # its own probe rows and results: replicated
    run_maicro("replicate", env=env, check=True, timeout=300)  # like every other table
    healthy = run_maicro("health", "--no-alerts", env=env)
    assert healthy.returncode == 0, healthy.stdout + healthy.stderr
    statuses = {line.split()[0] for line in healthy.stdout.splitlines()[1:] if line.strip()}
    assert statuses == {"OK"}, healthy.stdout
    assert "heartbeat_local" in healthy.stdout and "replication_lag" in healthy.stdout

    handle.set_faults(http_5xx="always")
    result = run_maicro("health", "--no-alerts", env=env)
    assert result.returncode == 1, result.stdout + result.stderr
    errors = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(errors) == 1 and errors[0].startswith("maicro: "), result.stderr
    assert "check(s) failing" in errors[0]
    row = next(line for line in result.stdout.splitlines() if "api_error_rate" in line)
    assert row.startswith("FAIL") and handle.url in row

    as_json = run_maicro("health", "--json", "--no-alerts", "--no-probe", env=env)
    assert as_json.returncode == 1
    checks = json.loads(as_json.stdout)["checks"]
    feed_error = next(
        c for c in checks if c["check"] == "api_error_rate" and c["subject"] == handle.url
    )
    assert feed_error["status"] == "fail" and feed_error["value"] == 1.0


def test_a_partition_altered_on_the_cloud_fires_once_and_resolves_after_repair(
    fresh_clickhouse, monkeypatch, tmp_path
):
    from maicro.replication.run import replicate, verify

    from tests.integration.replication_helpers import admin, seed_fills

    config = tmp_path / "health.yaml"
    config.write_text(f"alerts:\n  email: [{ONCALL}]\n")
    outbox = tmp_path / "outbox"
    for key, value in {
        "MAICRO_HEALTH_CONFIG": str(config),
        "MAICRO_EMAIL_TRANSPORT": "file",
        "MAICRO_EMAIL_OUTBOX": str(outbox),
    }.items():
        monkeypatch.setenv(key, value)
    table = "hyperliquid.fills"
    quiet = {"log": lambda *_: None}

    def verification_events(run) -> list[tuple[str, str]]:
        return [(e.event, e.status) for e in run.events if e.alert_key == f"verification:{table}"]

    seed_fills(24 * 40)
    replicate(**quiet)
    assert verify(**quiet).mismatched == []
    assert verification_events(run_once(run_probe=False)) == []

    admin(
        "cloud",
        "ALTER TABLE hyperliquid.fills UPDATE px = px + 1 WHERE time = '2026-02-02 05:00:00' "
        "SETTINGS mutations_sync = 1",
    )
    assert verify(**quiet).mismatched
    # In Airflow the SQL check task owns this alert: the check task records the failing
    # check (for the dashboard) but says nothing, so one condition raises one alert.
    from maicro.health.sql_checks import ALERTED_BY_SQL_TASKS

    in_airflow = run_once(run_probe=False, alerted_elsewhere=ALERTED_BY_SQL_TASKS)
    assert verification_events(in_airflow) == []
    assert any(r.check_name == "verification" and r.status == "fail" for r in in_airflow.results)
    assert _emails(outbox, f"verification {table}") == []
    started = run_once(run_probe=False)
    assert verification_events(started) == [("fired", "fail")]
    (result,) = [
        r for r in started.results if r.check_name == "verification" and r.subject == table
    ]
    assert "2026-02-02" in result.message, result.message
    assert (
        _emails(outbox, f"verification {table}")[0]["Subject"]
        == f"[maicro FIRED] fail: verification {table}"
    )

    assert verification_events(run_once(run_probe=False)) == []

    run_maicro("replicate", "--repair", check=True)
    assert verify(**quiet).mismatched == []
    assert verification_events(run_once(run_probe=False)) == [("resolved", "ok")]
    assert len(_emails(outbox, f"verification {table}")) == 2


def test_a_stopped_cloud_server_fires_replication_lag_once_and_resolves(
    fresh_clickhouse, monkeypatch, tmp_path
):
    from maicro.clickhouse import embedded
    from maicro.replication.run import replicate

    from tests.integration.replication_helpers import seed_fills

    config = tmp_path / "health.yaml"
    config.write_text("replication:\n  lag: {warn: 1s, fail: 2s}\n")
    monkeypatch.setenv("MAICRO_HEALTH_CONFIG", str(config))
    key = "replication_lag:hyperliquid.fills"
    quiet = {"log": lambda *_: None}

    def lag_events(run) -> list[tuple[str, str]]:
        return [(e.event, e.status) for e in run.events if e.alert_key == key]

    seed_fills(48)
    replicate(**quiet)
    assert lag_events(run_once(run_probe=False)) == []

    embedded.down("cloud", **quiet)
    try:
        time.sleep(2.5)
        seed_fills(24, start="2026-01-03 00:00:00", tid0=1000)  # ingested while the cloud is down
        started = run_once(run_probe=False)
        assert lag_events(started) == [("fired", "fail")]
        (lag,) = [r for r in started.results if r.alert_key == key]
        assert "cloud unreachable" in lag.message and lag.value >= 2.5
        assert lag_events(run_once(run_probe=False)) == []
    finally:
        embedded.up("cloud", **quiet)
    replicate(**quiet)
    assert lag_events(run_once(run_probe=False)) == [("resolved", "ok")]


def test_an_alert_reaches_resend_and_the_apprise_chat_once_per_fire_and_resolve(
    feed, monkeypatch, tmp_path
):
    """The real channels: the email through the resend SDK to the loopback Resend fake, the chat
    message through the Airflow apprise provider (connection from AIRFLOW_CONN_*) to a loopback
    JSON webhook. One message each when the fault starts, none while it lasts, one when it
    clears."""
    handle, _, _ = feed
    config = tmp_path / "channels.yaml"
    config.write_text(f"alerts:\n  email: [{ONCALL}]\n  chat: [maicro_chat]\n")
    with ResendServer(FakeResend(api_key="re_test")) as resend, ChatServer() as chat:
        for key, value in {
            "MAICRO_HEALTH_CONFIG": str(config),
            "MAICRO_EMAIL_TRANSPORT": "resend",
            "RESEND_API_URL": resend.url,
            "RESEND_API_KEY": "re_test",
            "MAICRO_EMAIL_BACKOFF_S": "0.01",
            **chat.connection_env("maicro_chat"),
        }.items():
            monkeypatch.setenv(key, value)
        url = handle.url

        def about_feed(messages, field):
            return [m[field] for m in messages if url in m["subject" if "to" in m else "title"]]

        assert _events(run_once(), url) == []
        handle.set_faults(http_5xx="always")
        fired = run_once()
        assert _events(fired, url) == [("fired", "api_error_rate")]
        assert fired.events[0].channels == ("email", "chat:maicro_chat")
        title = f"[maicro FIRED] fail: api_error_rate {url}"
        assert about_feed(resend.fake.sent, "subject") == [title]
        assert about_feed(resend.fake.sent, "to") == [[ONCALL]]
        assert about_feed(chat.messages, "title") == [title]
        assert about_feed(chat.messages, "type") == ["failure"]
        assert url in about_feed(chat.messages, "message")[0]

        assert _events(run_once(), url) == []
        handle.set_faults()
        assert _events(run_once(), url) == [("resolved", "api_error_rate")]
        resolved = f"[maicro RESOLVED] ok: api_error_rate {url}"
        assert about_feed(resend.fake.sent, "subject") == [title, resolved]
        assert about_feed(chat.messages, "title") == [title, resolved]
        assert about_feed(chat.messages, "type") == ["failure", "success"]

        # A chat webhook that refuses the message: the alert log names the failed channel, and
        # the email still goes out.
        chat.status = 500
        handle.set_faults(http_5xx="always")
        refused = run_once()
        assert _events(refused, url) == [("fired", "api_error_rate")]
        assert [e.channels for e in refused.events if e.subject == url] == [
            ("email", "chat:maicro_chat!")
        ]
        assert about_feed(resend.fake.sent, "subject") == [title, resolved, title]
        assert about_feed(chat.messages, "title") == [title, resolved]


# --- faults in the data: a simulator-fed pipeline (ingest -> replicate -> transform) -----------

DAY_MS = 86_400_000
ORIGIN = 1_764_547_200_000  # 2025-12-01 00:00 UTC
N_DAYS = 3
END = ORIGIN + N_DAYS * DAY_MS
DEPOSIT_USD = 12_345.67


@pytest.fixture(scope="module")
def pipeline(clickhouse_pair, tmp_path_factory):
    """Three simulated days ingested day by day (a snapshot closes each day), replicated and
    transformed; the simulator stays up so the tests can ingest more."""
    reset_pair(clickhouse_pair)
    folder = tmp_path_factory.mktemp("health-pipeline")
    config = SimConfig(seed=11, n_accounts=2, days=N_DAYS, now_ms=END, rate_limit=False)
    with start_simulator(config) as sim:
        env = {
            "HYPERLIQUID_API_URL": sim.url,
            "MAICRO_ACCOUNTS": ",".join(f"{a}={s}" for a, s in sim.sim.accounts),
            "MAICRO_TARGETS_URL": f"{sim.url}/strategy/targets.csv",
            "MAICRO_HL_WEIGHT_PER_MINUTE": "0",
            "DBT_TARGET_PATH": str(folder / "dbt"),
            "AIRFLOW_HOME": str(folder / "airflow"),
            "MAICRO_EMAIL_TRANSPORT": "file",
            "MAICRO_EMAIL_OUTBOX": str(folder / "outbox"),
        }
        for day in range(N_DAYS):
            start, end = ORIGIN + day * DAY_MS, ORIGIN + (day + 1) * DAY_MS
            sim.set_now(end - 1)
            run_maicro("ingest", "--start", str(start), "--end", str(end), "--quiet", env=env,
                       check=True, timeout=600)  # fmt: skip
        run_maicro("replicate", env=env, check=True, timeout=600)
        run_maicro("transform", env=env, check=True, timeout=900)
        yield sim, env, folder


@pytest.fixture
def piped(pipeline, monkeypatch):
    sim, env, folder = pipeline
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return sim, env, folder


def _by_key(run, prefixes: tuple[str, ...]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for e in run.events:
        if e.alert_key.startswith(prefixes):
            out.setdefault(e.alert_key, []).append(e.event)
    return out


def _statuses(run, prefixes: tuple[str, ...]) -> dict[str, str]:
    return {r.alert_key: r.status for r in run.results if r.alert_key.startswith(prefixes)}


def test_targets_breach_an_unexplained_ledger_event_and_a_dbt_test_fire_once(
    piped, clickhouse_pair, monkeypatch
):
    """Three faults in the data, one transform: a targets file far from the positions (tracking
    error), a deposit the account value never saw (reconciliation residual, and the dbt test
    that asserts it), each alerted exactly once."""
    sim, env, folder = piped
    config = folder / "marts.yaml"
    config.write_text(
        f"alerts:\n  email: [{ONCALL}]\n"
        "tracking_error:\n  half_l1: {warn: 0.9, fail: 1.5}\n  ann_7d: {warn: 100, fail: 200}\n"
    )
    env_now = {**env, "MAICRO_HEALTH_CONFIG": str(config)}
    monkeypatch.setenv("MAICRO_HEALTH_CONFIG", str(config))
    watched = ("tracking_error_half_l1:", "reconciliation:", "dbt_test:")
    baseline = run_once(now_ms=END + 60_000, run_probe=False)
    assert set(_statuses(baseline, watched).values()) == {"ok"}, _statuses(baseline, watched)
    assert _by_key(baseline, watched) == {}

    accounts = sim.sim.accounts
    targets = folder / "breach.csv"
    rows = ["strategy,ts,coin,target_weight"]
    for _, strategy in accounts:  # after the feed's last target set, before the day's snapshot
        rows += [f"{strategy},{END - 60_000},BTC,-5", f"{strategy},{END - 60_000},ETH,5"]
    targets.write_text("\n".join(rows) + "\n")
    run_maicro("targets", "load", str(targets), env=env_now, check=True)
    ledger_account = accounts[0][0]
    admin = clickhouse_pair.client("local")
    admin.insert(
        "hyperliquid.ledger_updates",
        [
            (
                ledger_account,
                datetime_ms(END - 6 * 3_600_000),
                "0x" + "ab" * 32,
                "deposit",
                DEPOSIT_USD,
                0.0,
                DEPOSIT_USD,
                None,
                "{}",
            )
        ],  # fmt: skip
        column_names=[
            "account",
            "time",
            "hash",
            "type",
            "usdc",
            "fee",
            "net_usdc",
            "counterparty",
            "delta",
        ],  # fmt: skip
    )
    admin.close()
    run_maicro("replicate", env=env_now, check=True, timeout=600)
    run_maicro("transform", env=env_now, check=True, timeout=900)

    breached = run_once(now_ms=END + 120_000, run_probe=False)
    events = _by_key(breached, watched)
    expected_te = {f"tracking_error_half_l1:{s}/{a}" for a, s in accounts}
    expected = expected_te | {
        f"reconciliation:{ledger_account}",
        "dbt_test:assert_reconciliation_residual_within_tolerance",
    }
    assert events == dict.fromkeys(expected, ["fired"]), events
    results = {r.alert_key: r for r in breached.results}
    residual = results[f"reconciliation:{ledger_account}"]
    assert residual.status == "fail" and abs(residual.value - DEPOSIT_USD) < 0.01, residual
    day = datetime_ms(END - 1).date().isoformat()
    assert day in residual.message, residual.message
    for key in expected_te:
        assert results[key].status == "fail" and results[key].value > 1.5, results[key]
    assert results["dbt_test:assert_reconciliation_residual_within_tolerance"].status == "warn"

    assert _by_key(run_once(now_ms=END + 180_000, run_probe=False), watched) == {}


def test_generating_the_docs_site_leaves_the_dbt_test_verdict_alone(piped):
    """`maicro docs` (the demo runs it after its first build) runs `dbt docs generate`, whose
    run_results.json lists every test as "success" without running it. Seen on the demo's health
    tab: 86 failing dbt tests and as many alerts. The monitor keeps the last build's verdict."""
    _, env, _ = piped

    def verdict(now_ms: int) -> dict[str, str]:
        run = run_once(now_ms=now_ms, run_probe=False)
        return {r.alert_key: r.status for r in run.results if r.check_name.startswith("dbt_test")}

    before = verdict(END + 240_000)
    assert "dbt_tests:build" in before, before
    run_maicro("docs", "--no-serve", env=env, check=True, timeout=600)
    assert verdict(END + 300_000) == before


def test_data_that_stops_arriving_fires_the_heartbeat_once_and_resolves(piped):
    """No ingest for 45 minutes (the schedule promises every minute; fail past 30 min): each
    (data type, account) heartbeat fires once, says nothing more, and resolves when ingestion
    catches up."""
    sim, env, _ = piped
    watched = ("heartbeat_local:",)
    fresh = run_once(now_ms=END + 120_000, run_probe=False, alert=False)
    beating = {k for k, s in _statuses(fresh, watched).items() if s == "ok"}
    assert len(beating) >= 2 * 5, _statuses(fresh, watched)  # every data type of both accounts

    later = END + 45 * 60_000
    stopped = run_once(now_ms=later, run_probe=False)
    assert {k: v for k, v in _by_key(stopped, watched).items() if k in beating} == dict.fromkeys(
        beating, ["fired"]
    )
    assert all(_statuses(stopped, watched)[k] == "fail" for k in beating)
    assert _by_key(run_once(now_ms=later + 60_000, run_probe=False), watched) == {}

    sim.set_now(later)
    run_maicro("ingest", "--start", str(END), "--end", str(later), "--quiet", env=env,
               check=True, timeout=600)  # fmt: skip
    resumed = run_once(now_ms=later + 120_000, run_probe=False)
    assert {k: v for k, v in _by_key(resumed, watched).items() if k in beating} == dict.fromkeys(
        beating, ["resolved"]
    )


def datetime_ms(ms: int):
    from datetime import UTC, datetime

    return datetime.fromtimestamp(ms / 1000, UTC)

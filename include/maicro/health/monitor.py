"""One monitor run: probe the data feed, run every check, store the results, raise or resolve
alerts. `maicro health` and the monitor_health DAG both call `run_once`.

The checks read both servers as maicro_monitor; results go to the local store (replication takes
them to the cloud, where the dashboard reads them as maicro_reader); alert state is read and
written as maicro_notifier. A cloud that does not answer is not an error of the run: the checks
that need it say so (replication lag falls back to the local replication log).
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from maicro import settings
from maicro.errors import MaicroError
from maicro.health import alerts, checks, probe
from maicro.health.config import HealthConfig, load

CHECK_COLUMNS = (
    "checked_at",
    "check_name",
    "subject",
    "status",
    "value",
    "threshold",
    "unit",
    "message",
)


@dataclass
class MonitorRun:
    now_ms: int
    results: list[checks.CheckResult] = field(default_factory=list)
    probes: list[probe.Probe] = field(default_factory=list)
    events: list[alerts.AlertEvent] = field(default_factory=list)

    @property
    def failing(self) -> list[checks.CheckResult]:
        return [r for r in self.results if r.status == "fail"]


def context(config: HealthConfig, now_ms: int, *, dbt_target: Path | None = None) -> checks.Context:
    from maicro.clickhouse.client import connect

    local = connect("local", "monitor")
    cloud, cloud_error = None, None
    try:
        cloud = connect("cloud", "monitor", connect_timeout=3, send_receive_timeout=30)
        cloud.command("SELECT 1")
    except Exception as exc:  # the cloud being down is what some checks measure
        cloud, cloud_error = None, " ".join(str(exc).split())[:160]
    return checks.Context(
        config,
        now_ms,
        local,
        cloud,
        cloud_error,
        dbt_target=dbt_target,
        accounts=settings.get().accounts,
    )


def store_results(results: list[checks.CheckResult], client, now_ms: int) -> None:
    at = datetime.fromtimestamp(now_ms / 1000, UTC)
    rows = [
        (at, r.check_name, r.subject, r.status, r.value, r.threshold, r.unit, r.message)
        for r in results
    ]
    if rows:
        client.insert("maicro_monitors.health_checks", rows, column_names=list(CHECK_COLUMNS))


def run_once(
    *,
    now_ms: int | None = None,
    run_probe: bool = True,
    run_freshness: bool = False,
    alert: bool = True,
    store: bool = True,
    config: HealthConfig | None = None,
    channels: dict[str, alerts.Sender] | None = None,
    dbt_target: Path | None = None,
    alerted_elsewhere: frozenset[str] = frozenset(),
) -> MonitorRun:
    """Probe (every configured endpoint), optionally `dbt source freshness`, every check, then
    store and alert. `now_ms` is injectable so that reminders can be tested with a clock.
    Checks named in `alerted_elsewhere` are stored but not alerted on (another task owns them)."""
    from maicro.clickhouse.client import connect

    config = config or load()
    run = MonitorRun(now_ms or int(time.time() * 1000))
    writer = connect("local", "monitor") if store else None
    if run_probe:
        run.probes = probe.probe_all(now_ms=run.now_ms)
        if writer is not None:
            probe.store(run.probes, writer)
    if run_freshness:
        from maicro.health import freshness

        with contextlib.suppress(MaicroError):  # the freshness check reports a missing result
            freshness.run()
    ctx = context(config, run.now_ms, dbt_target=dbt_target)
    try:
        run.results = checks.run_checks(ctx)
    finally:
        ctx.local.close()
        if ctx.cloud is not None:
            ctx.cloud.close()
    if writer is not None:
        store_results(run.results, writer, run.now_ms)
        writer.close()
    if alert:
        notifier = connect("local", "notifier")
        try:
            run.events = alerts.process(
                [r for r in run.results if r.check_name not in alerted_elsewhere],
                config=config,
                client=notifier,
                now_ms=run.now_ms,
                channels=channels,
            )
        finally:
            notifier.close()
    return run


def freshness_due(now_ms: int, config: HealthConfig) -> bool:
    """`dbt source freshness` takes seconds: run it every `dbt.freshness_every`, not every minute."""
    every_ms = int(config.seconds("dbt", "freshness_every") * 1000)
    return now_ms // 60_000 * 60_000 % every_ms == 0


def probe_step() -> str:
    """The DAG's probe task: one round against every endpoint, stored; a summary line."""
    from maicro.clickhouse.client import connect

    probes = probe.probe_all()
    client = connect("local", "monitor")
    try:
        probe.store(probes, client)
    finally:
        client.close()
    failed = [p for p in probes if not p.ok]
    return f"{len(probes)} probe requests, {len(failed)} failed"


def check_step(now_ms: int) -> str:
    """The DAG's check task: checks (freshness when due), stored, alerts; a summary line.
    Verification and reconciliation alert through the DAG's SQL check tasks instead."""
    from maicro.health.sql_checks import ALERTED_BY_SQL_TASKS

    config = load()
    run = run_once(
        now_ms=now_ms,
        run_probe=False,
        run_freshness=freshness_due(now_ms, config),
        config=config,
        alerted_elsewhere=ALERTED_BY_SQL_TASKS,
    )
    bad = [r for r in run.results if r.status != "ok"]
    events = ", ".join(f"{e.event} {e.alert_key}" for e in run.events) or "no alert events"
    return f"{len(run.results)} checks, {len(bad)} not ok; {events}"

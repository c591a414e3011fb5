"""The health checks: each turns one kind of evidence into (status, value, threshold, message).

Every check reads what the pipeline already records (run logs in maicro_monitors, the marts, dbt's
artifacts, the probe's rows) and judges it against `health.yaml`; none of them changes anything,
so `maicro health` can run them as often as it likes. A message names the thing that is wrong
(the table, the account, the day) so that whoever reads the alert knows where to look.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from maicro import catalog, settings
from maicro.errors import MaicroError
from maicro.health.config import HealthConfig, Limits

STATUSES = ("ok", "warn", "fail")
# Columns that say when a row was written, in order of preference, for the replication lag.
WRITE_TIME_COLUMNS = (
    "ingested_at",
    "inserted_at",
    "updated_at",
    "finished_at",
    "verified_at",
    "checked_at",
    "probed_at",
    "event_at",
    "quarantined_at",
)


@dataclass(frozen=True)
class CheckResult:
    check_name: str
    subject: str
    status: str  # ok | warn | fail
    value: float | None
    threshold: float | None
    unit: str
    message: str
    as_of_ms: int | None = None  # when the evidence was recorded (the CLI's "age")

    @property
    def alert_key(self) -> str:
        return f"{self.check_name}:{self.subject}"


def judged(
    check: str,
    subject: str,
    value: float | None,
    limits: Limits,
    unit: str,
    what: str,
    *,
    as_of_ms: int | None = None,
) -> CheckResult:
    """A result graded against `limits`; `what` describes the measurement for the message."""
    status = limits.grade(value)
    shown = "missing" if value is None else f"{value:,.6g} {unit}".strip()
    verdict = {"ok": "within", "warn": "above warn", "fail": "above fail"}[status]
    limit = limits.crossed(value)
    return CheckResult(
        check,
        subject,
        status,
        value,
        limit,
        unit,
        f"{subject}: {what} {shown} ({verdict} threshold {limit:,.6g})",
        as_of_ms,
    )


@dataclass
class Context:
    """What the checks read: both servers (as maicro_monitor), the config, and 'now'."""

    config: HealthConfig
    now_ms: int
    local: Any
    cloud: Any | None
    cloud_error: str | None = None
    dbt_target: Path | None = None
    accounts: list[settings.Account] = field(default_factory=list)

    def rows(self, server: str, sql: str, **params: Any) -> list[tuple]:
        client = self.local if server == "local" else self.cloud
        if client is None:
            raise MaicroError(f"the cloud ClickHouse is unreachable: {self.cloud_error}")
        return client.query(sql, parameters=params).result_rows

    def strategy_of(self, account: str) -> str | None:
        return next((a.strategy for a in self.accounts if a.address == account), None)


def _ms(value: datetime | None) -> int | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return int(value.timestamp() * 1000)


# --- heartbeat -------------------------------------------------------------------------------


# The run log grows by a row per (data type, account) every minute (12M rows a year): the checks
# read the runs of the heartbeat lookback only. `window_start` is in the table's sort key after
# (data_type, account), so the filter skips all older granules (a year: 11 s with FINAL over every
# run, per server); the partition key (month of started_at) prunes whole months.
RECENT_RUNS = (
    "window_start >= fromUnixTimestamp64Milli({recent:Int64}) "
    "AND started_at >= fromUnixTimestamp64Milli({recent:Int64}) - INTERVAL 1 DAY"
)


def heartbeat(ctx: Context) -> list[CheckResult]:
    """Age of the newest successful ingest run per (data type, account), locally and on the
    cloud (the run log replicates with the data, so its cloud age includes replication).
    No FINAL: a run's versions only move forward (running -> ok/partial/failed), so the newest
    ok window is the same with or without merging them."""
    sql = f"""
        SELECT data_type, account, max(window_end)
        FROM maicro_monitors.ingest_runs
        WHERE status IN ('ok', 'partial') AND {RECENT_RUNS}
        GROUP BY data_type, account"""
    since = ctx.now_ms - int(ctx.config.seconds("heartbeat", "lookback") * 1000)
    out: list[CheckResult] = []
    for server in ("local", "cloud"):
        if server == "cloud" and ctx.cloud is None:
            continue
        newest = {(d, a): _ms(t) for d, a, t in ctx.rows(server, sql, recent=since)}
        for data_type in catalog.DATA_TYPES:
            keys = [k for k in newest if k[0] == data_type] or [(data_type, "")]
            for key in keys:
                subject = "/".join(p for p in key if p)
                limits = ctx.config.limits(
                    "heartbeat", server, account=key[1] or None, strategy=ctx.strategy_of(key[1])
                )
                seen = newest.get(key)
                age = None if seen is None else max(0.0, (ctx.now_ms - seen) / 1000)
                what = (
                    f"{server} data is"
                    if seen is not None
                    else f"{server}: nothing ingested in the last {(ctx.now_ms - since) / 86_400_000:g} d,"
                )
                out.append(
                    judged(f"heartbeat_{server}", subject, age, limits, "s", what, as_of_ms=seen)
                )
    return out


# --- ingest runs -----------------------------------------------------------------------------


def ingest_runs(ctx: Context) -> list[CheckResult]:
    """The latest run per (data type, account) failed, or records were quarantined lately.
    No FINAL (1.1 s over a year's runs): ingestion writes each run's row once, when it ends,
    and argMax by finish time picks the latest run either way."""
    lookback = ctx.config.seconds("ingest", "lookback")
    rows = ctx.rows(
        "local",
        f"""
        SELECT data_type, account,
               argMax(status, finished_at), argMax(error, finished_at), max(finished_at),
               sumIf(rows_quarantined, finished_at >= fromUnixTimestamp64Milli({{since:Int64}}))
        FROM maicro_monitors.ingest_runs
        WHERE {RECENT_RUNS}
        GROUP BY data_type, account
        ORDER BY data_type, account""",
        since=ctx.now_ms - int(lookback * 1000),
        recent=ctx.now_ms - int(ctx.config.seconds("heartbeat", "lookback") * 1000),
    )
    out = []
    for data_type, account, status, error, finished, quarantined in rows:
        subject = "/".join(p for p in (data_type, account) if p)
        at = _ms(finished)
        if status == "failed":
            out.append(
                CheckResult(
                    "ingest_failed", subject, "fail", 1.0, 0.0, "runs",
                    f"{subject}: latest ingest run failed: {error}", at,
                )
            )  # fmt: skip
        else:
            out.append(
                CheckResult(
                    "ingest_failed", subject, "ok", 0.0, 0.0, "runs",
                    f"{subject}: latest ingest run {status}", at,
                )
            )  # fmt: skip
        limits = ctx.config.limits("ingest", "quarantined", account=account or None)
        out.append(
            judged(
                "ingest_quarantine", subject, float(quarantined), limits, "records",
                f"records quarantined in the last {lookback / 60:g} min:", as_of_ms=at,
            )
        )  # fmt: skip
    return out


# --- replication -----------------------------------------------------------------------------


def _write_time_columns(ctx: Context) -> dict[str, str]:
    rows = ctx.rows(
        "local",
        """
        SELECT database, table, groupArray(name)
        FROM system.columns
        WHERE database IN {dbs:Array(String)} AND type LIKE 'DateTime%'
        GROUP BY database, table""",
        dbs=list(catalog.RAW_DATABASES),
    )
    out = {}
    for database, table, columns in rows:
        column = next((c for c in WRITE_TIME_COLUMNS if c in columns), None)
        if column:
            out[f"{database}.{table}"] = column
    return out


def _newest(ctx: Context, server: str, columns: dict[str, str]) -> dict[str, int | None]:
    if not columns:
        return {}
    union = " UNION ALL ".join(
        f"SELECT '{table}', maxOrNull({column}) FROM {table}"  # NULL, not 1970, when empty
        for table, column in sorted(columns.items())
    )
    return {table: _ms(t) for table, t in ctx.rows(server, union)}


def replication_lag(ctx: Context) -> list[CheckResult]:
    """Newest write locally vs on the cloud, per table. With the cloud unreachable, the lag is
    how far local has moved past the start of the table's last successful sync."""
    columns = _write_time_columns(ctx)
    local = _newest(ctx, "local", columns)
    if ctx.cloud is not None:
        cloud_tables = {
            f"{d}.{t}"
            for d, t in ctx.rows(
                "cloud",
                "SELECT database, name FROM system.tables WHERE database IN {dbs:Array(String)}",
                dbs=list(catalog.RAW_DATABASES),
            )
        }
        cloud = _newest(ctx, "cloud", {t: c for t, c in columns.items() if t in cloud_tables})
        how = "cloud behind local by"
    else:
        synced = ctx.rows(
            "local",
            """
            SELECT concat(database, '.', table), max(started_at)
            FROM maicro_monitors.replication_runs FINAL
            WHERE status = 'ok' GROUP BY database, table""",
        )
        cloud = {table: _ms(t) for table, t in synced}
        how = f"cloud unreachable ({ctx.cloud_error}); local ahead of the last sync by"
    limits = ctx.config.limits("replication", "lag")
    out = []
    for table in sorted(local):
        newest_local = local[table]
        if newest_local is None:
            continue  # nothing to replicate yet
        newest_cloud = cloud.get(table)
        if newest_cloud is None:
            out.append(
                CheckResult(
                    "replication_lag", table, "fail", None, limits.fail, "s",
                    f"{table}: has rows locally but none on the cloud (never replicated)",
                )
            )  # fmt: skip
            continue
        lag = max(0.0, (newest_local - newest_cloud) / 1000)
        out.append(judged("replication_lag", table, lag, limits, "s", how, as_of_ms=newest_cloud))
    return out


def verification(ctx: Context) -> list[CheckResult]:
    """The latest verification of each table: mismatched (partition, day) slices, by name."""
    rows = ctx.rows(
        "local",
        """
        SELECT concat(database, '.', table), argMax(status, verified_at),
               argMax(slices_mismatched, verified_at), argMax(mismatches, verified_at),
               argMax(error, verified_at), max(verified_at)
        FROM maicro_monitors.verification_results FINAL
        GROUP BY database, table ORDER BY 1""",
    )
    limits = ctx.config.limits("verification", "mismatched_slices")
    out = []
    for table, status, mismatched, mismatches, error, at in rows:
        result = judged(
            "verification", table, float(mismatched), limits, "slices",
            "slices differing local vs cloud:", as_of_ms=_ms(at),
        )  # fmt: skip
        if mismatched:
            result = _with_message(result, f"{result.message}: {', '.join(mismatches[:5])}")
        if status == "failed":
            result = _with_message(result, f"{table}: verification failed: {error}", "fail")
        out.append(result)
    return out


def _with_message(result: CheckResult, message: str, status: str | None = None) -> CheckResult:
    return CheckResult(
        result.check_name,
        result.subject,
        status or result.status,
        result.value,
        result.threshold,
        result.unit,
        message,
        result.as_of_ms,
    )


# --- marts -----------------------------------------------------------------------------------


def reconciliation_tolerance() -> float:
    """The dbt var the mart's `is_reconciled` uses (one tolerance, declared in dbt_project.yml)."""
    import yaml

    from maicro.transform.dbt_env import project_dir

    project = yaml.safe_load((project_dir() / "dbt_project.yml").read_text())
    return float(project["vars"]["reconciliation_tolerance_usd"])


def _mart_built(ctx: Context, mart: str) -> bool:
    """Before the first transform there is nothing to judge (dbt and DAG checks cover that)."""
    if ctx.cloud is None:
        return False
    return bool(
        ctx.rows(
            "cloud",
            "SELECT 1 FROM system.tables WHERE database = {db:String} AND name = {t:String}",
            db=catalog.ANALYTICS_DATABASE,
            t=mart,
        )
    )


def reconciliation(ctx: Context) -> list[CheckResult]:
    """Days of the lookback whose account-value change the marts cannot explain, per account."""
    if not _mart_built(ctx, "fct_reconciliation_daily"):
        return []
    days = int(ctx.config.value("reconciliation", "lookback_days", 7))
    since = datetime.fromtimestamp(ctx.now_ms / 1000 - days * 86400, UTC).date()
    rows = ctx.rows(
        "cloud",
        """
        SELECT account, countIf(NOT is_reconciled),
               maxIf(abs(residual), NOT is_reconciled), groupArrayIf(toString(day), NOT is_reconciled),
               max(day)
        FROM analytics.fct_reconciliation_daily
        WHERE day >= {since:Date}
        GROUP BY account ORDER BY account""",
        since=since,
    )
    tolerance = reconciliation_tolerance()
    out = []
    for account, bad_days, worst, bad, newest in rows:
        value = float(worst) if bad_days else 0.0
        ok = bad_days == 0
        message = (
            f"{account}: every day of the last {days} reconciled (|residual| ≤ {tolerance:g} USD)"
            if ok
            else f"{account}: {bad_days} day(s) unreconciled ({', '.join(sorted(bad)[:5])}); "
            f"largest |residual| {value:,.2f} USD > {tolerance:g}"
        )
        at = int(datetime.combine(newest, datetime.min.time(), UTC).timestamp() * 1000)
        out.append(
            CheckResult(
                "reconciliation", account, "ok" if ok else "fail", value, tolerance,
                "USD", message, at,
            )
        )  # fmt: skip
    return out


def tracking_error(ctx: Context) -> list[CheckResult]:
    """The latest day's ½L1 and annualised 7-day tracking error per (strategy, account), against
    the strategy's (or account's) thresholds."""
    if not _mart_built(ctx, "fct_tracking_error_daily"):
        return []
    rows = ctx.rows(
        "cloud",
        """
        SELECT strategy, account, max(day), argMax(te_half_l1, day), argMax(te_ann_7d, day)
        FROM analytics.fct_tracking_error_daily
        GROUP BY strategy, account ORDER BY strategy, account""",
    )
    out = []
    for strategy, account, day, half_l1, ann_7d in rows:
        subject = f"{strategy}/{account}"
        at = int(datetime.combine(day, datetime.min.time(), UTC).timestamp() * 1000)
        for key, value, what in (
            ("half_l1", half_l1, f"½ Σ|target − actual weight| on {day} is"),
            ("ann_7d", ann_7d, f"annualised 7-day tracking error to {day} is"),
        ):
            if value is None:
                continue  # not enough days for a 7-day figure yet
            limits = ctx.config.limits("tracking_error", key, strategy=strategy, account=account)
            out.append(
                judged(
                    f"tracking_error_{key}", subject, float(value), limits, "", what, as_of_ms=at
                )
            )
    return out


# --- data feed -------------------------------------------------------------------------------

FEED_METRICS = (
    # (check, SQL aggregate over the endpoint's probes in the lookback, unit, description)
    ("api_error_rate", "avg(1 - ok)", "", "share of probe requests that failed:"),
    ("api_rtt", "maxIf(rtt_ms, ok = 1)", "ms", "slowest probe round trip"),
    ("api_clock_skew", "argMaxIf(abs(clock_skew_ms), probed_at, clock_skew_ms IS NOT NULL)", "ms",
     "exchange clock off ours by"),
    ("api_candle_age", "argMaxIf(candle_age_ms, probed_at, candle_age_ms IS NOT NULL)", "ms",
     "newest candle opened before the exchange clock by"),
    ("api_mid_age", "argMaxIf(mid_age_ms, probed_at, mid_age_ms IS NOT NULL)", "ms",
     "order book (mid) older than the exchange clock by"),
)  # fmt: skip
FEED_LIMITS = {
    "api_error_rate": "error_rate",
    "api_rtt": "rtt_ms",
    "api_clock_skew": "clock_skew_ms",
    "api_candle_age": "candle_age_ms",
    "api_mid_age": "mid_age_ms",
}


def data_feed(ctx: Context) -> list[CheckResult]:
    """The data-feed probe's recent rounds per configured endpoint: errors, latency, clock skew
    and the age of the newest candle and mid."""
    lookback = ctx.config.seconds("data_feed", "lookback")
    aggregates = ", ".join(f"toNullable(toFloat64({sql}))" for _, sql, _, _ in FEED_METRICS)
    # The endpoint's latest round only (its requests share the round's `probed_at`): a fault that
    # was removed must not linger in the figures, nor a healthy round dilute a new fault.
    rows = ctx.rows(
        "local",
        f"""
        SELECT p.endpoint, max(p.probed_at), {aggregates}
        FROM maicro_monitors.api_probes AS p
        INNER JOIN (
            SELECT endpoint, max(probed_at) AS newest FROM maicro_monitors.api_probes
            WHERE probed_at >= fromUnixTimestamp64Milli({{since:Int64}}) GROUP BY endpoint
        ) AS n ON p.endpoint = n.endpoint
        WHERE p.probed_at = n.newest
        GROUP BY p.endpoint""",
        since=ctx.now_ms - int(lookback * 1000),
    )
    measured = {row[0]: row[1:] for row in rows}
    out = []
    for endpoint in settings.get().api_urls:
        if endpoint not in measured:
            out.append(
                CheckResult(
                    "api_error_rate", endpoint, "fail", None, None, "",
                    f"{endpoint}: no data-feed probe in the last {lookback / 60:g} min",
                )
            )  # fmt: skip
            continue
        newest, *values = measured[endpoint]
        for (check, _, unit, what), value in zip(FEED_METRICS, values, strict=True):
            if value is None and check != "api_error_rate":
                continue  # e.g. every request failed: the error rate says so
            limits = ctx.config.limits("data_feed", FEED_LIMITS[check])
            out.append(judged(check, endpoint, value, limits, unit, what, as_of_ms=_ms(newest)))
    return out


# --- dbt -------------------------------------------------------------------------------------


def _artifact(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _generated_ms(artifact: dict) -> int | None:
    text = artifact.get("metadata", {}).get("generated_at")
    try:
        return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)
    except (AttributeError, ValueError):
        return None


TEST_RUNNING_COMMANDS = ("build", "test")  # the dbt commands whose run_results hold test verdicts


def dbt_tests(ctx: Context) -> list[CheckResult]:
    """Failing or warning dbt tests of the last `dbt build` (target/run_results.json)."""
    from maicro.transform.runner import artifacts_dir

    results = _artifact((ctx.dbt_target or artifacts_dir()) / "run_results.json")
    if results is None or results.get("args", {}).get("which") not in TEST_RUNNING_COMMANDS:
        return []  # e.g. `dbt docs generate` lists every test as "success" without running it
    at = _generated_ms(results)
    tests = [r for r in results.get("results", []) if r.get("unique_id", "").startswith("test.")]
    if not tests:
        return []
    out = []
    for r in tests:
        status = r.get("status")
        if status in ("pass", "skipped"):
            continue
        name = r["unique_id"].split(".")[2]
        grade = "warn" if status == "warn" else "fail"
        out.append(
            CheckResult(
                "dbt_test", name, grade, float(r.get("failures") or 0), 0.0, "rows",
                f"dbt test {name} {status}: {' '.join(str(r.get('message') or '').split())[:200]}",
                at,
            )
        )  # fmt: skip
    out.append(
        CheckResult(
            "dbt_tests", "build", "fail" if any(o.status == "fail" for o in out) else "ok",
            float(len(out)), 0.0, "tests",
            f"last dbt build: {len(tests)} tests, {len(out)} not passing", at,
        )
    )  # fmt: skip
    return out


def dbt_source_freshness(ctx: Context) -> list[CheckResult]:
    """dbt's own verdict per source (sources.json of the last `dbt source freshness`, which the
    monitor runs through `freshness.run()`), with the age of the newest row as the value."""
    from maicro.health.freshness import freshness_dir

    sources = _artifact(freshness_dir() / "sources.json")
    if sources is None:
        return []
    at = _generated_ms(sources)
    grades = {"pass": "ok", "warn": "warn", "error": "fail", "runtime error": "fail"}
    out = []
    for r in sources.get("results", []):
        name = ".".join(r["unique_id"].split(".")[2:])
        criteria = r.get("criteria") or {}
        limit = criteria.get("error_after") or {}
        threshold = _period_s(limit.get("count"), limit.get("period"))
        age = r.get("max_loaded_at_time_ago_in_s")
        status = grades.get(r.get("status"), "fail")
        message = (
            f"{name}: newest row {age / 3600:,.1f} h old (dbt freshness {r.get('status')})"
            if age is not None
            else f"{name}: dbt freshness {r.get('status')}: {r.get('error') or 'no rows'}"
        )
        out.append(
            CheckResult("dbt_source_freshness", name, status, age, threshold, "s", message, at)
        )
    return out


def _period_s(count: Any, period: Any) -> float | None:
    seconds = {"minute": 60, "hour": 3600, "day": 86400}.get(period)
    return float(count) * seconds if seconds and count else None


# --- DAGs ------------------------------------------------------------------------------------


def dag_success(ctx: Context) -> list[CheckResult]:
    """Each DAG of `dags:` in the config has succeeded within its expected interval (Airflow's
    metadata database; skipped where this process cannot reach it)."""
    expected = ctx.config.section("dags")
    try:
        latest = _latest_successes(list(expected))
    except Exception:  # no Airflow metadata here (plain CLI host, or a task-isolated worker)
        return []
    out = []
    for dag_id in expected:
        limits = Limits(ctx.config.seconds("dags", dag_id), ctx.config.seconds("dags", dag_id))
        at = latest.get(dag_id)
        age = None if at is None else max(0.0, (ctx.now_ms - at) / 1000)
        what = "last successful run" if at else "never succeeded;"
        out.append(judged("dag_success", dag_id, age, limits, "s", what, as_of_ms=at))
    return out


def _latest_successes(dag_ids: list[str]) -> dict[str, int]:
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session
    from airflow.utils.state import DagRunState
    from sqlalchemy import func, select

    with create_session() as session:
        rows = session.execute(
            select(DagRun.dag_id, func.max(DagRun.end_date))
            .where(DagRun.dag_id.in_(dag_ids), DagRun.state == DagRunState.SUCCESS)
            .group_by(DagRun.dag_id)
        ).all()
    return {dag_id: _ms(end) for dag_id, end in rows if end is not None}  # type: ignore[misc]


CHECKS: tuple[Callable[[Context], list[CheckResult]], ...] = (
    heartbeat,
    ingest_runs,
    replication_lag,
    verification,
    reconciliation,
    tracking_error,
    data_feed,
    dbt_tests,
    dbt_source_freshness,
    dag_success,
)


def run_checks(ctx: Context) -> list[CheckResult]:
    """Every check; one that cannot run (its table missing, a server gone) is itself a failure
    named after the check, so a broken check never looks like a healthy pipeline."""
    out: list[CheckResult] = []
    for check in CHECKS:
        try:
            out.extend(check(ctx))
        except Exception as exc:  # reported as the check's own failing result
            first = " ".join(str(exc).split())[:200]
            out.append(
                CheckResult(
                    check.__name__, "check", "fail", None, None, "",
                    f"check {check.__name__} could not run: {first}", int(time.time() * 1000),
                )
            )  # fmt: skip
    return out

"""Every setting of the project, declared once: name, type, default, description.

The environment (and the git-ignored `.env` that setup writes, read once per process) fills one
typed, validated `Settings` object; `get()` returns it. Nothing else in the package reads
`os.environ` for configuration, except to build a child process's environment from it.
`.env.example` and the README's settings table are generated from this declaration
(`python -m maicro.settings --write`) and a test keeps them in step, so they cannot drift.

Add a setting: one field below, in the section it belongs to, then `--write`. Field names are
the variable names in lower case (`maicro_hl_timeout_s` is `MAICRO_HL_TIMEOUT_S`), so a grep for
either finds every reader. An invalid value stops the first `get()` with one line naming the
variable and the expected form.
"""

from __future__ import annotations

import functools
import os
import re
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from dotenv import dotenv_values
from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from maicro.catalog import RAW_DATABASES
from maicro.errors import MaicroError

# ClickHouse roles (users `maicro_<role>`), each with its own password variable.
ROLES = ("admin", "ingest", "replicator", "transform", "reader", "notifier", "monitor")
SERVERS = ("local", "cloud")
MAINNET_API_URL = "https://api.hyperliquid.xyz"
_DURATION = re.compile(r"^\s*(\d+)\s*(s|m|h|d)\s*$")
_UNIT_MS = {"s": 1_000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}


def project_root() -> Path:
    """The checkout this package is installed from (editable install), or the cwd."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "pyproject.toml").exists() and (parent / "include").is_dir():
            return parent
    return Path.cwd()


def parse_duration_ms(text: str) -> int:
    """`30s`, `5m`, `6h`, `1d` as milliseconds (the form every duration setting takes)."""
    match = _DURATION.match(text or "")
    if not match or int(match[1]) == 0:
        raise MaicroError(f"{text!r} is not a duration like 30m, 6h or 1d")
    return int(match[1]) * _UNIT_MS[match[2]]


@dataclass(frozen=True)
class Account:
    address: str
    strategy: str | None


def _section(
    name: str,
    description: str,
    default: Any = None,
    *,
    example: str | None = None,
    required: bool = False,
    **constraints: Any,
) -> Any:
    """A field with its documentation: the .env.example section, and `example` (a value shown
    commented out instead of the default) or `required` (written uncommented, empty)."""
    extra: dict[str, Any] = {"section": name}
    if example is not None:
        extra["example"] = example
    if required:
        extra["required"] = True
    return Field(default, description=description, json_schema_extra=extra, **constraints)


def _csv(value: Any) -> Any:
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return value


CommaList = Annotated[tuple[str, ...], NoDecode]
Port = Annotated[int, Field(ge=0, le=65535)]


class Settings(BaseSettings):
    """The configuration of one process. Sections are listed in the order .env.example shows."""

    model_config = SettingsConfigDict(
        case_sensitive=False, env_ignore_empty=True, extra="ignore", frozen=True
    )

    # --- Hyperliquid --------------------------------------------------------------------------
    hyperliquid_api_url: str = _section(
        "Hyperliquid",
        "API base URL: mainnet (default), testnet (https://api.hyperliquid-testnet.xyz) or the "
        "built-in simulator (`maicro simulate`, http://127.0.0.1:8899).",
        MAINNET_API_URL,
    )
    hyperliquid_api_url_secondary: str | None = _section(
        "Hyperliquid",
        "Secondary API base URL: ingestion switches to it (and logs so) when the primary fails its "
        "check or refuses connections; the data-feed probe measures both.",
        example="https://api.hyperliquid-testnet.xyz",
    )
    maicro_accounts: Annotated[tuple[Account, ...], NoDecode] = _section(
        "Hyperliquid",
        "Accounts to monitor, `0xADDRESS=strategy` comma-separated (strategy optional). Changing "
        "an account's strategy applies from the next ingest run on; its past stays tracked "
        "against the strategy it ran then.",
        (),
        example="0x0000000000000000000000000000000000000001=momentum_a,"
        "0x0000000000000000000000000000000000000002",
    )

    # --- ClickHouse ---------------------------------------------------------------------------
    maicro_local_clickhouse_url: str | None = _section(
        "ClickHouse",
        "The local store as http(s)://host:port (append ?native_port=N when the native port is "
        "not 9000/9440); unset = the embedded server started by `maicro clickhouse up`.",
        example="http://clickhouse-local:8123",
    )
    maicro_cloud_clickhouse_url: str | None = _section(
        "ClickHouse",
        "The cloud replica (analytics, dashboard, reports), same form; unset = embedded.",
        example="https://abc123.eu-west-1.aws.clickhouse.cloud:8443",
    )
    maicro_cloud_clickhouse_secondary_url: str | None = _section(
        "ClickHouse",
        "Secondary cloud, used by replication when the primary does not answer.",
        example="https://def456.eu-west-1.aws.clickhouse.cloud:8443?native_port=9440",
    )
    maicro_local_http_port: Port = _section(
        "ClickHouse", "HTTP port of the embedded local server (0 = pick a free one).", 18123
    )
    maicro_local_tcp_port: Port = _section(
        "ClickHouse", "Native port of the embedded local server (0 = pick a free one).", 19000
    )
    maicro_cloud_http_port: Port = _section(
        "ClickHouse", "HTTP port of the embedded cloud server (0 = pick a free one).", 18124
    )
    maicro_cloud_tcp_port: Port = _section(
        "ClickHouse", "Native port of the embedded cloud server (0 = pick a free one).", 19001
    )
    maicro_state_dir: Path | None = _section(
        "ClickHouse",
        "Where embedded servers and the demo keep data, pids and logs (default `.maicro/` in the "
        "checkout; git-ignored).",
        example=".maicro",
    )
    maicro_admin_password: SecretStr | None = _section(
        "ClickHouse passwords",
        "maicro_admin: migrations. The same values must be set on real servers: "
        "`maicro clickhouse users-sql --server local|cloud` prints the SQL.",
        required=True,
    )
    maicro_ingest_password: SecretStr | None = _section(
        "ClickHouse passwords",
        "maicro_ingest: insert/select on the local raw databases.",
        required=True,
    )
    maicro_replicator_password: SecretStr | None = _section(
        "ClickHouse passwords",
        "maicro_replicator: select on local raw; create/insert on cloud raw.",
        required=True,
    )
    maicro_transform_password: SecretStr | None = _section(
        "ClickHouse passwords",
        "maicro_transform: select on cloud raw; owns analytics (dbt).",
        required=True,
    )
    maicro_reader_password: SecretStr | None = _section(
        "ClickHouse passwords",
        "maicro_reader: select on analytics and maicro_monitors (dashboard, reports).",
        required=True,
    )
    maicro_notifier_password: SecretStr | None = _section(
        "ClickHouse passwords",
        "maicro_notifier: records report deliveries and alert state (insert on those tables only).",
        required=True,
    )
    maicro_monitor_password: SecretStr | None = _section(
        "ClickHouse passwords",
        "maicro_monitor: reads raw data and marts for the health checks; inserts health_checks "
        "and api_probes only.",
        required=True,
    )

    # --- Ingestion ----------------------------------------------------------------------------
    maicro_targets_url: str | None = _section(
        "Ingestion",
        "Strategy target weights as an HTTP CSV feed (strategy,ts,coin,target_weight) pulled for "
        "each ingest window; the simulator serves one at /strategy/targets.csv.",
        example="http://127.0.0.1:8899/strategy/targets.csv",
    )
    maicro_targets_table: str | None = _section(
        "Ingestion",
        "Strategy targets from a ClickHouse table (database.table on the local server) that the "
        "strategy writes itself; read for each ingest window and validated like a file.",
        example="maicro_logs.strategy_target_log",
    )
    maicro_targets_table_columns: CommaList = _section(
        "Ingestion",
        "Column mapping of MAICRO_TARGETS_TABLE as ours=theirs pairs: strategy, ts, coin and "
        "either target_weight or notional (signed USD, divided by the account value).",
        ("strategy=strategy", "ts=ts", "coin=coin", "target_weight=target_weight"),
        example="strategy=strategy,ts=logged_at,coin=symbol,notional=signed_usd",
    )
    maicro_strategies: CommaList | None = _section(
        "Ingestion",
        "Known strategies for `maicro targets load` (default: the strategies named in "
        "MAICRO_ACCOUNTS), comma-separated.",
        example="momentum_a,carry_b",
    )
    maicro_target_max_abs_weight: float = _section(
        "Ingestion", "A |target_weight| above this is rejected as absurd.", 10.0, gt=0
    )
    maicro_hl_weight_per_minute: int = _section(
        "Ingestion",
        "Client-side API weight budget per minute (the exchange allows 1200 per IP; 0 = off).",
        1200,
        ge=0,
    )
    maicro_hl_timeout_s: float = _section("Ingestion", "API request timeout, seconds.", 10.0)
    maicro_hl_max_attempts: int = _section(
        "Ingestion", "Attempts per API request on 429/5xx/timeouts.", 8
    )
    maicro_hl_backoff_s: float = _section(
        "Ingestion", "First retry delay, seconds (doubles each attempt).", 0.5
    )
    maicro_hl_backoff_max_s: float = _section("Ingestion", "Longest retry delay, seconds.", 30.0)
    maicro_ingest_schedule: str = _section(
        "Ingestion",
        "DAG schedule (cron; each run ingests [previous tick, this tick)).",
        "* * * * *",
    )
    maicro_ingest_start_date: str = _section(
        "Ingestion", "First data interval of the ingest DAG (ISO date).", "2025-01-01"
    )
    maicro_ingest_catchup: bool = _section(
        "Ingestion",
        "Whether Airflow schedules the missed intervals since the start date (default false: "
        "backfill explicitly instead).",
        False,
    )
    maicro_ingest_live_tolerance: str = _section(
        "Ingestion",
        "How close to the exchange's clock a window must end for 'now' snapshots to be taken "
        "(a duration: 30s, 5m, 1h).",
        "5m",
    )

    # --- Replication --------------------------------------------------------------------------
    maicro_replication_databases: CommaList = _section(
        "Replication",
        "Databases copied local -> cloud, comma-separated.",
        RAW_DATABASES,
    )

    # --- Analytics ----------------------------------------------------------------------------
    maicro_transform_select: str = _section(
        "Analytics",
        "dbt selectors (space-separated) the transform DAG renders; unset = every model.",
        "",
        example="fct_pnl_daily+",
    )
    maicro_transform_execution_mode: Literal["watcher", "local"] = _section(
        "Analytics",
        "How the transform DAG runs dbt: `watcher` (default) = one dbt build per run, then one "
        "task per model reporting the model's and its tests' status (cosmos "
        "ExecutionMode.WATCHER, see docs/analytics.md); `local` = one dbt process per model and "
        "per model's tests (slower).",
        "watcher",
    )
    maicro_dbt_target: Literal["cloud", "local"] = _section(
        "Analytics", "The server dbt builds on (profiles.yml target).", "cloud"
    )
    dbt_target_path: Path | None = _section(
        "Analytics",
        "dbt's own target directory override (default dbt_project/target).",
        example="/tmp/dbt-target",
    )

    # --- Reports and email ---------------------------------------------------------------------
    maicro_email_transport: Literal["resend", "smtp", "file"] = _section(
        "Reports",
        "How emails leave: `resend` (the Resend API, needs RESEND_API_KEY), `smtp` (the Airflow "
        "connection MAICRO_SMTP_CONN_ID) or `file` (written to MAICRO_EMAIL_OUTBOX, for the demo "
        "and previews).",
        "file",
    )
    maicro_email_from: str = _section(
        "Reports",
        "Sender of reports and alerts (a verified domain for Resend).",
        "maicro reports <reports@maicro.invalid>",
    )
    maicro_report_recipients: CommaList = _section(
        "Reports",
        "Who receives the daily PnL and weekly risk emails, comma-separated addresses.",
        (),
        example="ops@fund.example,quant@fund.example",
    )
    maicro_report_timezone_label: str = _section(
        "Reports",
        "How reports name their time zone (days are UTC dates; the label says so to readers).",
        "UTC",
    )
    maicro_email_outbox: Path | None = _section(
        "Reports",
        "Folder the `file` transport writes .eml and .html files to (default .maicro/outbox).",
        example=".maicro/outbox",
    )
    resend_api_key: SecretStr | None = _section(
        "Reports",
        "Resend API key (environment only; or the password of the Airflow connection "
        "MAICRO_RESEND_CONN_ID).",
        example="re_xxxxxxxx",
    )
    resend_api_url: str = _section(
        "Reports",
        "Resend API base URL (tests point it at a loopback fake).",
        "https://api.resend.com",
    )
    maicro_resend_conn_id: str = _section(
        "Reports",
        "Airflow connection holding the Resend API key as its password.",
        "resend_default",
    )
    maicro_smtp_conn_id: str = _section(
        "Reports", "Airflow SMTP connection used by the `smtp` transport.", "smtp_default"
    )
    maicro_email_timeout_s: float = _section(
        "Reports", "Timeout of one request to the email provider, seconds.", 30.0, gt=0
    )
    maicro_email_max_attempts: int = _section(
        "Reports", "Attempts per email on 429, 5xx and timeouts.", 5, ge=1
    )
    maicro_email_backoff_s: float = _section(
        "Reports", "First retry delay, seconds (doubles; Retry-After wins when longer).", 1.0, ge=0
    )
    maicro_report_daily_deadline: str = _section(
        "Reports",
        "Cron (UTC) at which the daily report is sent even if its day is incomplete (with a "
        "banner naming what is missing).",
        "0 6 * * *",
    )
    maicro_report_weekly_deadline: str = _section(
        "Reports", "Cron (UTC) of the same deadline for the weekly risk report.", "0 6 * * 1"
    )
    maicro_te_threshold: float = _section(
        "Reports",
        "Daily tracking error (1/2 L1 of weight differences) above which the report flags it.",
        0.05,
        gt=0,
    )

    # --- Health and alerts --------------------------------------------------------------------
    maicro_health_config: Path | None = _section(
        "Health",
        "YAML of the health checks' thresholds, alert reminder interval and recipients, with "
        "per-strategy and per-account overrides (default: include/maicro/health/health.yaml, "
        "which documents every key).",
        example="/etc/maicro/health.yaml",
    )

    # --- make demo ----------------------------------------------------------------------------
    maicro_simulator_port: Port = _section(
        "Demo", "Port of the simulator that `make demo` starts.", 8899
    )
    maicro_simulator_fills_per_day: float = _section(
        "Demo",
        "Trade rate of that simulator, fills per account per day (bench/freshness_bench.py "
        "raises it to have enough fills to time).",
        150.0,
    )
    maicro_simulator_rebalance_hours: float = _section(
        "Demo",
        "How often that simulator's strategies rebalance, hours (must divide 24); fills come in "
        "the first half of each period, so the freshness bench shortens it to trade all along.",
        4.0,
    )
    maicro_airflow_port: Port = _section(
        "Demo", "Port of the Airflow UI/API that `make demo` starts.", 8080
    )
    maicro_docs_port: Port = _section(
        "Demo", "Port of the dbt docs site that `make demo` serves.", 8081
    )

    # --- dashboard ---------------------------------------------------------------------------
    maicro_dashboard_port: Port = _section(
        "Dashboard", "Port `maicro dashboard` (and `make demo`) serves the Streamlit app on.", 8501
    )

    # --- validation -----------------------------------------------------------------------------
    @field_validator("hyperliquid_api_url", "hyperliquid_api_url_secondary")
    @classmethod
    def _api_url(cls, value: str | None) -> str | None:
        if value is None:
            return value
        if not re.match(r"^https?://[^/\s]+", value):
            raise ValueError("expected an http(s)://host[:port] URL")
        return value.rstrip("/")

    @field_validator(
        "maicro_local_clickhouse_url",
        "maicro_cloud_clickhouse_url",
        "maicro_cloud_clickhouse_secondary_url",
        "maicro_targets_url",
    )
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://[^/\s]+", value):
            raise ValueError("expected an http(s)://host:port URL")
        return value

    @field_validator("maicro_accounts", mode="before")
    @classmethod
    def _accounts(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        result = []
        for item in _csv(value):
            address, _, strategy = item.partition("=")
            address = address.strip().lower()
            if not (address.startswith("0x") and len(address) == 42):
                raise ValueError(f"{address!r} is not a 0x-prefixed 40-hex address")
            if not re.fullmatch(r"[0-9a-f]{40}", address[2:]):
                raise ValueError(f"{address!r} is not hexadecimal")
            result.append(Account(address, strategy.strip() or None))
        return tuple(result)

    @field_validator(
        "maicro_strategies",
        "maicro_replication_databases",
        "maicro_targets_table_columns",
        "maicro_report_recipients",
        mode="before",
    )
    @classmethod
    def _comma_list(cls, value: Any) -> Any:
        return _csv(value)

    @field_validator("maicro_ingest_live_tolerance")
    @classmethod
    def _duration(cls, value: str) -> str:
        match = _DURATION.match(value)
        if match is None or int(match[1]) == 0:
            raise ValueError("expected a duration like 30s, 5m, 6h or 1d")
        return value

    @field_validator(
        "maicro_ingest_schedule", "maicro_report_daily_deadline", "maicro_report_weekly_deadline"
    )
    @classmethod
    def _cron(cls, value: str) -> str:
        if len(value.split()) != 5 and not value.startswith("@"):
            raise ValueError("expected a 5-field cron expression or @hourly/@daily")
        return value

    # --- derived values -------------------------------------------------------------------------
    @property
    def api_urls(self) -> list[str]:
        """The Hyperliquid endpoints in order of preference: primary, then the secondary if set."""
        return [self.hyperliquid_api_url] + [
            u for u in [self.hyperliquid_api_url_secondary] if u and u != self.hyperliquid_api_url
        ]

    @property
    def accounts(self) -> list[Account]:
        return list(self.maicro_accounts)

    @property
    def state_dir(self) -> Path:
        return (self.maicro_state_dir or project_root() / ".maicro").resolve()

    @property
    def email_outbox(self) -> Path:
        return (self.maicro_email_outbox or self.state_dir / "outbox").resolve()

    @property
    def live_tolerance_ms(self) -> int:
        return parse_duration_ms(self.maicro_ingest_live_tolerance)

    def clickhouse_url(self, server: str) -> str | None:
        return {
            "local": self.maicro_local_clickhouse_url,
            "cloud": self.maicro_cloud_clickhouse_url,
        }[_known(server, SERVERS, "server")]

    def embedded_port(self, server: str, kind: str) -> int:
        ports = {
            ("local", "http"): self.maicro_local_http_port,
            ("local", "tcp"): self.maicro_local_tcp_port,
            ("cloud", "http"): self.maicro_cloud_http_port,
            ("cloud", "tcp"): self.maicro_cloud_tcp_port,
        }
        return ports[(_known(server, SERVERS, "server"), kind)]

    def password(self, role: str) -> str:
        """The password of a ClickHouse role (MAICRO_<ROLE>_PASSWORD)."""
        secrets = {
            "admin": self.maicro_admin_password,
            "ingest": self.maicro_ingest_password,
            "replicator": self.maicro_replicator_password,
            "transform": self.maicro_transform_password,
            "reader": self.maicro_reader_password,
            "notifier": self.maicro_notifier_password,
            "monitor": self.maicro_monitor_password,
        }
        value = secrets[_known(role, ROLES, "ClickHouse role")]
        if value is None:
            raise MaicroError(
                f"{password_variable(role)} is not set: run `make setup` (writes .env) or export it"
            )
        return value.get_secret_value()


def _known(value: str, allowed: tuple[str, ...], what: str) -> str:
    if value not in allowed:
        raise MaicroError(f"unknown {what} {value!r}; expected one of {', '.join(allowed)}")
    return value


def password_variable(role: str) -> str:
    return f"MAICRO_{_known(role, ROLES, 'ClickHouse role').upper()}_PASSWORD"


def user(role: str) -> str:
    """ClickHouse user name of a role (same on every server)."""
    return f"maicro_{_known(role, ROLES, 'ClickHouse role')}"


def env_file() -> Path:
    """The `.env` read under the environment (MAICRO_ENV_FILE moves it; tests point it away)."""
    return Path(os.environ.get("MAICRO_ENV_FILE") or project_root() / ".env")


@functools.lru_cache(maxsize=8)
def _dotenv(path: Path, mtime_ns: int) -> dict[str, str]:
    """`.env` parsed once per file version (python-dotenv: quoting and comments as usual)."""
    return {k: v for k, v in dotenv_values(path).items() if v}


def _relevant_environment() -> tuple[tuple[str, str], ...]:
    fields = {name.upper() for name in Settings.model_fields}
    return tuple(sorted((k, v) for k, v in os.environ.items() if k.upper() in fields and v != ""))


@functools.lru_cache(maxsize=32)
def _build(environment: tuple[tuple[str, str], ...], path: Path, mtime_ns: int) -> Settings:
    file_values = _dotenv(path, mtime_ns) if mtime_ns >= 0 else {}
    set_here = {k.upper() for k, _ in environment}
    # Strings, as in the environment: pydantic parses them into each field's type.
    defaults_from_file: dict[str, Any] = {
        k.lower(): v
        for k, v in file_values.items()
        if k.lower() in Settings.model_fields and k.upper() not in set_here
    }
    try:
        return Settings(**defaults_from_file)
    except ValidationError as exc:
        raise MaicroError(_one_line(exc)) from None


def get() -> Settings:
    """The validated settings of this process: the environment over `.env`.

    Cached per environment, so a test (or a CLI flag) that changes a variable sees its value at
    the next call, while the unchanged environment costs a dictionary lookup.
    """
    path = env_file()
    try:
        mtime_ns = path.stat().st_mtime_ns
    except OSError:
        mtime_ns = -1
    return _build(_relevant_environment(), path, mtime_ns)


def _one_line(exc: ValidationError) -> str:
    error = exc.errors()[0]
    name = str(error["loc"][0]).upper() if error["loc"] else "settings"
    value = error.get("input")
    shown = "(hidden)" if name.endswith("_PASSWORD") else repr(value)
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{name}={shown} is invalid: {message}"


# --- generated documentation ---------------------------------------------------------------------
ENV_EXAMPLE_HEADER = """\
# maicro-monitors configuration, generated from include/maicro/settings.py by
# `python -m maicro.settings --write` (a test keeps it in step). `make setup` writes .env
# (git-ignored) with random passwords on first use; copy lines from here into .env or export
# them to change anything. Nothing secret belongs in git.
"""


def _fields_by_section() -> dict[str, list[tuple[str, Any]]]:
    sections: dict[str, list[tuple[str, Any]]] = {}
    for name, field in Settings.model_fields.items():
        extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
        sections.setdefault(str(extra["section"]), []).append((name, field))
    return sections


def _shown_default(field: Any) -> str:
    extra = field.json_schema_extra
    if "example" in extra:
        return str(extra["example"])
    default = field.default
    if isinstance(default, tuple):
        return ",".join(map(str, default))
    if isinstance(default, bool):
        return str(default).lower()
    if isinstance(default, float) and default.is_integer():
        return str(int(default))
    return "" if default is None else str(default)


def render_env_example() -> str:
    out = [ENV_EXAMPLE_HEADER]
    for section, fields in _fields_by_section().items():
        out.append(f"\n# --- {section} " + "-" * (92 - len(section)) + "\n")
        for name, field in fields:
            for line in textwrap.wrap(field.description, 98):
                out.append(f"# {line}\n")
            if field.json_schema_extra.get("required"):
                out.append(f"{name.upper()}=\n")
            else:
                out.append(f"# {name.upper()}={_shown_default(field)}\n")
    return "".join(out)


README_START = "<!-- settings table: generated by `python -m maicro.settings --write` -->"
README_END = "<!-- end of settings table -->"


def render_readme_table() -> str:
    rows = ["| variable | default | what |", "| --- | --- | --- |"]
    for _, fields in _fields_by_section().items():
        for name, field in fields:
            extra = field.json_schema_extra
            default = "" if "example" in extra or extra.get("required") else _shown_default(field)
            shown = f"`{default}`" if default else ("required" if extra.get("required") else "—")
            description = field.description.replace("|", "\\|")
            rows.append(f"| `{name.upper()}` | {shown} | {description} |")
    return "\n".join([README_START, *rows, README_END])


def replace_readme_table(readme: str) -> str:
    start, end = readme.index(README_START), readme.index(README_END) + len(README_END)
    return readme[:start] + render_readme_table() + readme[end:]


def main(argv: list[str]) -> int:
    root = project_root()
    if argv != ["--write"]:
        print(render_env_example(), end="")
        return 0
    (root / ".env.example").write_text(render_env_example())
    readme = root / "README.md"
    readme.write_text(replace_readme_table(readme.read_text()))
    print("wrote .env.example and the README's settings table")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

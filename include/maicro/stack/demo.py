"""`maicro demo` / `maicro stop`: the whole pipeline on the embedded defaults, and its clean stop.

`make demo` runs this. It brings up, in order: the embedded ClickHouse pair (schema migrated), the
built-in Hyperliquid simulator in real time unless `HYPERLIQUID_API_URL` and `MAICRO_ACCOUNTS` name
a real exchange and accounts, a first backfill of the recent history through the same CLI steps
the DAGs run (ingest → replicate → verify → transform) so there is something to look at immediately, and
Airflow standalone (SQLite) whose DAGs then keep everything current. Ctrl-C (or `make stop` from
another shell) stops all of it, in reverse order, leaving no process behind.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

from maicro import processes, settings
from maicro.clickhouse import embedded
from maicro.errors import MaicroError
from maicro.stack import services
from maicro.stack.airflow_env import airflow_environment

BIN = Path(sys.executable).parent
DEFAULT_AIRFLOW_PORT = 8080
DEFAULT_SIMULATOR_PORT = 8899
SIMULATED_HISTORY_DAYS = 3  # stays within the 5,000 most recent 1m candles the API serves


def register(subparsers) -> None:
    demo = subparsers.add_parser("demo", help="run the whole pipeline on the embedded defaults")
    demo.add_argument(
        "--no-airflow",
        action="store_true",
        help="stop after the first backfill instead of starting Airflow",
    )
    demo.add_argument(
        "--exit", action="store_true", help="stop everything and exit once it is up (smoke test)"
    )
    demo.set_defaults(func=run_demo)
    stop = subparsers.add_parser("stop", help="stop everything `maicro demo` started")
    stop.set_defaults(func=run_stop)


def _say(text: str) -> None:
    print(f"demo: {text}", flush=True)


def _maicro(*args: str, env: dict[str, str]) -> None:
    """One pipeline step through the public CLI; its own progress output goes to the terminal."""
    _say("maicro " + " ".join(args))
    result = subprocess.run([str(BIN / "maicro"), *args], env=env)
    if result.returncode != 0:
        raise MaicroError(f"`maicro {' '.join(args)}` failed (exit {result.returncode})")


def _get_json(url: str, headers: dict[str, str] | None = None) -> dict | None:
    """The JSON body of an endpoint, or None while the service does not answer yet."""
    try:
        request = urllib.request.Request(url, headers=headers or {})
        with urllib.request.urlopen(request, timeout=3) as response:
            return json.loads(response.read())
    except (OSError, ValueError):
        return None


def _start_simulator(env: dict[str, str]) -> dict[str, str]:
    """Start `maicro simulate` in real time; returns the variables that point ingestion at it."""
    port = settings.get().maicro_simulator_port
    url = f"http://127.0.0.1:{port}"
    services.start(
        "simulator",
        [
            str(BIN / "maicro"),
            "simulate",
            "--port",
            str(port),
            "--speed",
            "1",
            "--days",
            str(SIMULATED_HISTORY_DAYS),
            "--fills-per-day",
            str(settings.get().maicro_simulator_fills_per_day),
            "--rebalance-hours",
            str(settings.get().maicro_simulator_rebalance_hours),
        ],
        env=env,
    )
    health: dict = {}

    def answered() -> bool:
        health.update(_get_json(f"{url}/health") or {})
        return bool(health)

    services.wait_until(answered, 60, "simulator /health", "simulator")
    accounts = ",".join(f"{a['address']}={a['strategy']}" for a in health["accounts"])
    _say(f"simulator at {url} (accounts {accounts})")
    return {
        "HYPERLIQUID_API_URL": url,
        "MAICRO_ACCOUNTS": accounts,
        "MAICRO_TARGETS_URL": f"{url}/strategy/targets.csv",
    }


def _airflow_password(home: Path) -> str:
    path = home / "simple_auth_manager_passwords.json.generated"
    try:
        return json.loads(path.read_text()).get("admin", "?")
    except (OSError, ValueError):
        return "?"


def _start_airflow(env: dict[str, str]) -> str:
    port = settings.get().maicro_airflow_port
    airflow = airflow_environment()
    home = Path(airflow["AIRFLOW_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    url = f"http://127.0.0.1:{port}"
    # Task processes reach the API server through the execution API: it must name our port.
    full_env = {
        **env,
        **airflow,
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{url}/execution/",
        "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}",
    }
    # The DAGs wait paused until the API server (which also serves the task execution API) is
    # up: standalone starts the scheduler first, and the tasks it ran meanwhile failed with
    # "connection refused" (then retried, and alerted on).
    full_env["AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION"] = "True"
    if (home / "airflow.db").exists():
        _airflow_cli(["dags", "pause", "--treat-dag-id-as-regex", "-y", ".*"], full_env)
    services.start("airflow", [str(BIN / "airflow"), "standalone"], env=full_env)

    def healthy() -> bool:
        body = _get_json(f"{url}/api/v2/monitor/health") or {}
        return all(
            body.get(part, {}).get("status") == "healthy"
            for part in ("metadatabase", "scheduler", "triggerer", "dag_processor")
        )

    services.wait_until(healthy, 600, "Airflow /api/v2/monitor/health all healthy", "airflow")
    _unpause_project_dags(url, _airflow_password(home))
    _say(f"Airflow UI at {url}  (user admin, password {_airflow_password(home)})")
    return url


def _airflow_cli(args: list[str], env: dict[str, str]) -> None:
    subprocess.run(
        [str(BIN / "airflow"), *args], env=env, check=True, capture_output=True, timeout=300
    )


def _unpause_project_dags(url: str, password: str, timeout_s: float = 600) -> None:
    """Unpause every DAG in dags/ once the DAG processor has registered it (REST API)."""
    wanted = {path.stem for path in (settings.project_root() / "dags").glob("*.py")}
    token = _post_json(f"{url}/auth/token", {"username": "admin", "password": password})
    headers = {"Authorization": f"Bearer {token['access_token']}"}

    def registered() -> bool:
        body = _get_json(f"{url}/api/v2/dags?limit=100", headers) or {}
        return wanted <= {dag["dag_id"] for dag in body.get("dags", [])}

    services.wait_until(registered, timeout_s, f"Airflow listing {sorted(wanted)}", "airflow")
    for dag_id in sorted(wanted):
        _post_json(f"{url}/api/v2/dags/{dag_id}", {"is_paused": False}, headers, method="PATCH")
    _say(f"Airflow: {len(wanted)} DAGs unpaused")


def _post_json(
    url: str, body: dict, headers: dict[str, str] | None = None, method: str = "POST"
) -> dict:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **(headers or {})},
        method=method,
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def _start_dashboard(env: dict[str, str]) -> str:
    """Serve the dashboard (`maicro dashboard`) in the background; returns its URL."""
    from maicro.dashboard.cli import streamlit_argv

    port = settings.get().maicro_dashboard_port
    url = f"http://127.0.0.1:{port}"
    services.start("dashboard", streamlit_argv(port), env=env)
    services.wait_until(
        lambda: _get_text(f"{url}/_stcore/health") == "ok",
        60,
        "dashboard /_stcore/health",
        "dashboard",
    )
    _say(f"dashboard at {url}")
    return url


def _get_text(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=3) as response:
            return response.read().decode().strip()
    except OSError:
        return None


def _start_docs(env: dict[str, str]) -> str:
    """Generate the dbt docs site from the built marts and serve it (`maicro docs`)."""
    _maicro("docs", "--no-serve", env=env)
    port = settings.get().maicro_docs_port
    url = f"http://127.0.0.1:{port}"
    services.start("docs", [str(BIN / "maicro"), "docs", "--port", str(port)], env=env)
    services.wait_until(lambda: _get_text(url) is not None, 60, "dbt docs answering", "docs")
    _say(f"dbt docs at {url}")
    return url


DEMO_RECIPIENTS = "operators@fund.example"


def _email_env(env: dict[str, str]) -> dict[str, str]:
    """Reports go to the file outbox unless a Resend key is given (and no transport was chosen);
    the outbox needs somebody on the To: line, so the demo names a placeholder if nobody is set."""
    chosen: dict[str, str] = {}
    if env.get("RESEND_API_KEY") and not env.get("MAICRO_EMAIL_TRANSPORT"):
        chosen["MAICRO_EMAIL_TRANSPORT"] = "resend"
    transport = chosen.get("MAICRO_EMAIL_TRANSPORT") or settings.get().maicro_email_transport
    if transport == "file" and not settings.get().maicro_report_recipients:
        chosen["MAICRO_REPORT_RECIPIENTS"] = DEMO_RECIPIENTS
    return chosen


def _demo_pid_file() -> Path:
    return services.service_dir() / "demo.pid"


def _stop_running_demo(timeout_s: float = 180) -> bool:
    """Ask a demo running in another shell to stop itself (SIGTERM: the same clean stop as
    Ctrl-C, so its shell returns and it reaps its own children); True if there was one."""
    path = _demo_pid_file()
    pid = int(path.read_text().strip() or 0) if path.exists() else 0
    if not pid or pid == os.getpid() or not processes.pid_alive(pid):
        return False
    _say(f"asking the demo (pid {pid}) to stop")
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    while processes.pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.5)
    return True


def stop_all() -> None:
    """Stop what the demo started, newest first; safe to call when nothing runs."""
    previous = signal.signal(
        signal.SIGINT, signal.SIG_IGN
    )  # a second Ctrl-C must not cut this short
    try:
        for name in ("docs", "dashboard", "airflow", "simulator"):
            services.stop(name, log=_say)
        embedded.down("local")
        embedded.down("cloud")
        processes.reap_children()  # orphans that ended up ours (run_demo is their subreaper)
    finally:
        signal.signal(signal.SIGINT, previous)


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def run_stop(args: argparse.Namespace) -> int:
    _stop_running_demo()
    stop_all()  # whatever a crashed demo left behind
    return 0


def run_demo(args: argparse.Namespace) -> int:
    # Ctrl-C and `kill` both end in the same clean stop, even when started in the background
    # (where a non-interactive shell would have set SIGINT to "ignore").
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    # The embedded servers outlive the `maicro clickhouse up` that starts them: as their
    # subreaper the demo is their parent, so stopping them leaves no zombie even where PID 1
    # does not reap.
    processes.become_subreaper()
    env = dict(os.environ)
    env.update(_email_env(env))
    _demo_pid_file().write_text(str(os.getpid()))
    urls: dict[str, str] = {}
    try:
        _maicro("clickhouse", "up", env=env)
        config = settings.get()
        if "hyperliquid_api_url" in config.model_fields_set and config.accounts:
            accounts = ", ".join(a.address for a in config.accounts)
            _say(f"using {config.hyperliquid_api_url} for {accounts}")
            days = 1
        else:
            env.update(_start_simulator(env))
            days = SIMULATED_HISTORY_DAYS
        end = datetime.now(UTC).replace(second=0, microsecond=0)
        start = (end - timedelta(days=days)).replace(hour=0, minute=0)
        _maicro("ingest", "--start", start.isoformat(), "--end", end.isoformat(), env=env)
        _maicro("replicate", env=env)
        # verified before the marts are built: what makes yesterday complete for its report
        _maicro("verify", env=env)
        _maicro("transform", env=env)
        urls["dashboard"] = _start_dashboard(env)
        urls["dbt docs"] = _start_docs(env)
        if not args.no_airflow:
            urls["Airflow"] = _start_airflow(env)
        home = Path(airflow_environment()["AIRFLOW_HOME"])
        for name, url in urls.items():
            _say(f"{name:<10} {url}")
        if "Airflow" in urls:
            _say(f"{'':<10} login admin / {_airflow_password(home)}")
        transport = env.get("MAICRO_EMAIL_TRANSPORT") or settings.get().maicro_email_transport
        outbox = (
            settings.get().email_outbox if transport == "file" else "(sent by " + transport + ")"
        )
        _say(f"{'reports':<10} {outbox}")
        _say("up. Press Ctrl-C to stop (or run 'make stop' from another shell).")
        if args.exit:
            return 0
        while True:
            time.sleep(5)
            processes.reap_children()
    except KeyboardInterrupt:
        return 0
    finally:
        _say("stopping")
        stop_all()
        _demo_pid_file().unlink(missing_ok=True)

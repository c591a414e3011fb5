"""The whole system on Airflow Assets alone, as `make demo` runs it.

`maicro demo` brings up the embedded pair, the simulator in real time, Airflow standalone with
every project DAG unpaused, the dashboard, the docs site and the file outbox. From then on nothing
but the scheduler moves data: ingest (every minute) → replicate (on the ingested Assets) →
transform (on the replicated Assets) → report_daily_pnl (on the mart Assets), with monitor_health
beside them. The test asserts what an operator would check:

* every DAG has succeeded, and replicate, transform and the report ran because an Asset changed;
* the cloud holds rows ingested after the demo came up, and the marts have today's numbers;
* exactly one daily report for yesterday was delivered (the ledger's one `sent` row, its file in
  the outbox with yesterday's date in the subject);
* the Airflow UI, logged in through its form, lists the DAGs, and the transform DAG's grid shows
  a task per model; every dashboard tab renders. Screenshots stay in tests/artifacts/
  (`system-*.png`).

How long the report took after start is printed, not asserted (the figure belongs to a bench).
"""

from __future__ import annotations

import email
import json
import os
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from datetime import UTC, datetime, timedelta
from email import policy
from pathlib import Path

import pytest
from maicro.devtools.demo_env import demo_environment

from tests.browser import airflow_login, browser_page, is_blank, page_screenshot, streamlit_tab
from tests.e2e.test_dashboard_browser import TABS

pytestmark = pytest.mark.slow  # one whole demo: ~4 min up, then minutes of scheduled runs

ROOT = Path(__file__).resolve().parents[2]
DAGS = (
    "ingest_hyperliquid",
    "replicate_to_cloud",
    "transform_analytics",
    "report_daily_pnl",
    "monitor_health",
)
ON_ASSETS = ("replicate_to_cloud", "transform_analytics", "report_daily_pnl")


class System:
    """The running demo, seen from outside: its log, ClickHouse over HTTP, Airflow's REST API."""

    def __init__(self, env: dict[str, str], log: Path):
        self.env, self.log = env, log
        self.state = Path(env["MAICRO_STATE_DIR"])
        self.airflow = f"http://127.0.0.1:{env['MAICRO_AIRFLOW_PORT']}"
        self._token = ""

    def wait(self, predicate, timeout: float, what: str):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(3)
        raise AssertionError(f"timed out waiting for {what}; demo log:\n{self.tail()}")

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-5000:]

    def sql(self, server: str, role: str, query: str) -> list[list[str]]:
        port = json.loads((self.state / "clickhouse" / server / "server.json").read_text())
        request = urllib.request.Request(
            f"http://127.0.0.1:{port['http_port']}/?query=" + urllib.parse.quote(query),
            headers={
                "X-ClickHouse-User": f"maicro_{role}",
                "X-ClickHouse-Key": self.env[f"MAICRO_{role.upper()}_PASSWORD"],
            },
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read().decode().strip()
        return [line.split("\t") for line in text.splitlines()]

    def airflow_password(self) -> str:
        path = self.state / "airflow" / "simple_auth_manager_passwords.json.generated"
        return json.loads(path.read_text())["admin"]

    def api(self, path: str) -> dict:
        if not self._token:
            request = urllib.request.Request(
                f"{self.airflow}/auth/token",
                data=json.dumps(
                    {"username": "admin", "password": self.airflow_password()}
                ).encode(),
                headers={"Content-Type": "application/json"},
            )
            with urllib.request.urlopen(request, timeout=30) as response:
                self._token = json.loads(response.read())["access_token"]
        request = urllib.request.Request(
            f"{self.airflow}/api/v2/{path}", headers={"Authorization": f"Bearer {self._token}"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    def successful_runs(self, dag_id: str) -> list[dict]:
        runs = self.api(f"dags/{dag_id}/dagRuns?state=success&limit=100")["dag_runs"]
        return runs

    def wait_every_dag_succeeded(self) -> None:
        waiting = list(DAGS)

        def all_succeeded() -> bool:
            waiting[:] = [d for d in waiting if not self.successful_runs(d)]
            return not waiting

        try:
            self.wait(all_succeeded, 1200, "a successful run of every DAG")
        except AssertionError as exc:
            raise AssertionError(
                f"no successful run of {self.run_states(waiting)}\n{exc}"
            ) from None

    def run_states(self, dag_ids: list[str]) -> dict[str, list[str]]:
        """The latest runs' states of these DAGs, newest first: what a failure message needs."""
        return {
            d: [
                f"{r['run_id']}: {r['state']}"
                for r in self.api(f"dags/{d}/dagRuns?order_by=-run_after&limit=5")["dag_runs"]
            ]
            for d in dag_ids
        }


@pytest.fixture(scope="module")
def system(tmp_path_factory):
    state = tmp_path_factory.mktemp("system") / "state"
    env = demo_environment(state)
    log = state.parent / "demo.log"
    started = time.monotonic()
    with open(log, "w") as out:
        demo = subprocess.Popen(
            [str(Path(sys.executable).parent / "maicro"), "demo"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    running = System(env, log)
    try:
        running.wait(
            lambda: "Press Ctrl-C" in log.read_text() or demo.poll() is not None,
            900,
            "the demo to come up",
        )
        assert demo.poll() is None, f"the demo exited:\n{running.tail()}"
        running.up_at = datetime.now(UTC)
        running.started = started
        yield running
    finally:
        os.killpg(demo.pid, signal.SIGINT)
        try:
            demo.wait(timeout=240)
        except subprocess.TimeoutExpired:
            os.killpg(demo.pid, signal.SIGKILL)
            raise


def test_assets_alone_carry_a_day_to_one_delivered_report(system):
    yesterday = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()

    def delivered() -> list[list[str]]:
        rows = system.sql(
            "local",
            "admin",
            "SELECT status, transport, provider_message_id, incomplete "
            "FROM maicro_monitors.report_deliveries "
            f"WHERE report = 'daily_pnl' AND period = '{yesterday}' AND status = 'sent'",
        )
        return rows

    sent = system.wait(delivered, 900, f"the daily report for {yesterday}")
    print(
        f"daily report for {yesterday} delivered {time.monotonic() - system.started:.0f} s "
        "after `maicro demo` started"
    )

    system.wait_every_dag_succeeded()
    # The report runs once a whole transform run has rebuilt every mart, so its first
    # Asset-triggered run may still be going when every DAG already has some success.
    kinds: dict[str, set[str]] = {}

    def ran_on_assets() -> bool:
        for dag_id in ON_ASSETS:
            kinds[dag_id] = {run["run_type"] for run in system.successful_runs(dag_id)}
        return all("asset_triggered" in k for k in kinds.values())

    try:
        system.wait(ran_on_assets, 600, "a successful Asset-triggered run of each DAG")
    except AssertionError as exc:
        raise AssertionError(f"successful run types: {kinds}\n{exc}") from None

    # data the scheduler moved after the demo's own backfill: replicated and in the marts
    up = system.up_at.strftime("%Y-%m-%d %H:%M:%S")
    newer = system.sql(
        "cloud",
        "admin",
        f"SELECT count() FROM hyperliquid.account_snapshots WHERE ingested_at > '{up}'",
    )
    assert int(newer[0][0]) > 0, "nothing ingested by Airflow reached the cloud"
    today = datetime.now(UTC).date().isoformat()
    marts = system.sql(
        "cloud", "reader", f"SELECT count() FROM analytics.fct_pnl_daily WHERE day = '{today}'"
    )
    assert int(marts[0][0]) > 0

    # once: one ledger row, one email in the outbox, and it is yesterday's
    assert len(sent) == 1, sent
    assert sent[0][1] == "file"
    assert sent[0][3] in ("0", "false"), "yesterday was reported incomplete"
    outbox = Path(sent[0][2])
    assert outbox.parent == system.state / "outbox"
    message = email.message_from_bytes(outbox.read_bytes(), policy=policy.default)
    assert yesterday in message["Subject"] and "INCOMPLETE" not in message["Subject"]
    dailies = [
        path
        for path in outbox.parent.glob("*.eml")
        if yesterday in str(email.message_from_bytes(path.read_bytes())["Subject"])
        and "daily" in path.name
    ]
    assert dailies == [outbox]


def test_airflow_ui_logged_in_shows_the_dags_and_a_task_per_model(system):
    system.wait_every_dag_succeeded()  # the list then shows successful runs
    with browser_page(width=1500, height=1100) as page:
        airflow_login(page, system.airflow, "admin", system.airflow_password())
        page.goto(f"{system.airflow}/dags", wait_until="networkidle")
        for dag_id in DAGS:
            page.get_by_text(dag_id, exact=True).first.wait_for(timeout=60000)
        listing = page_screenshot(page, "system-airflow-dags")
        # the grid draws only the rows in view: a page tall enough for every model's row
        page.set_viewport_size({"width": 1500, "height": 4200})
        page.goto(f"{system.airflow}/dags/transform_analytics", wait_until="networkidle")
        # the model tasks sit in the `dbt` task group: open it with the grid's own
        # "Expand all task groups" button (drawn once the grid knows its groups)
        expand = page.get_by_test_id("expand-all-button").first
        expand.wait_for(timeout=120000)
        expand.click()
        page.wait_for_load_state("networkidle")
        grid = page_screenshot(page, "system-airflow-transform-grid")
        # one row per model in the grid, named after the model
        for model in ("fct_pnl_daily", "fct_tracking_error_daily", "stg_hyperliquid__fills"):
            page.get_by_text(model, exact=True).first.wait_for(timeout=60000)
        grid = page_screenshot(page, "system-airflow-transform-grid")
    for png in (listing, grid):
        assert not is_blank(png), png


def test_every_dashboard_tab_renders(system):
    base = f"http://127.0.0.1:{system.env['MAICRO_DASHBOARD_PORT']}"
    with browser_page(width=1400, height=1800) as page:
        for tab, drawn in TABS.items():
            streamlit_tab(page, f"{base}/?tab={tab}", drawn)
            png = page_screenshot(page, f"system-dashboard-{tab}")
            assert not is_blank(png), png

"""Headless Chromium for the tests that look at a page as a person does (emails, dashboard,
Airflow UI): one way to find or install the browser and take a screenshot.

Chromium is a Debian package (browser downloads from elsewhere are unreachable here), installed
when missing by tests/debian.py. Screenshots are kept in tests/artifacts/ (git-ignored) to be looked at.
"""

from __future__ import annotations

import contextlib
import html
import re
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tests.debian import debian_tool

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
)


def chromium() -> str:
    """The chromium executable, installed from Debian's packages on first use (as root)."""
    return debian_tool("chromium", "chromium", "chromium-browser")


def screenshot(
    url: str,
    name: str,
    *,
    width: int = 1280,
    height: int = 1600,
    budget_ms: int = 20000,
    extra_flags: tuple[str, ...] = (),
) -> Path:
    """Render `url` (http:// or file://) and save tests/artifacts/<name>.png; returns the path.

    `--virtual-time-budget` lets scripts and images finish before the shot (without it the page
    is blank).
    """
    ARTIFACTS.mkdir(exist_ok=True)
    out = ARTIFACTS / f"{name}.png"
    out.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="chromium-") as profile:
        subprocess.run(
            [
                chromium(),
                *FLAGS,
                *extra_flags,
                f"--user-data-dir={profile}",
                f"--window-size={width},{height}",
                f"--virtual-time-budget={budget_ms}",
                f"--screenshot={out}",
                url,
            ],
            capture_output=True,
            timeout=180,
            check=False,
        )
    if not out.exists():
        raise AssertionError(f"chromium wrote no screenshot of {url}")
    return out


def is_blank(png: Path, *, min_colours: int = 8) -> bool:
    """True when the image is (nearly) one colour: a page that did not render."""
    from PIL import Image

    with Image.open(png) as image:
        colours = image.convert("RGB").resize((200, 200)).getcolors(maxcolors=200 * 200)
    return colours is None or len(colours) < min_colours


@contextlib.contextmanager
def browser_page(*, width: int = 1400, height: int = 1000) -> Iterator[Any]:
    """A Playwright page driving the same Debian chromium, for pages a person must log in to
    (the Airflow UI keeps its session in an http-only cookie, which a one-shot `--screenshot`
    run cannot hold). Playwright's own browser downloads are unreachable here and not needed."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        browser = driver.chromium.launch(
            executable_path=chromium(), args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            yield browser.new_page(viewport={"width": width, "height": height})
        finally:
            browser.close()


def airflow_login(page: Any, base_url: str, username: str, password: str) -> None:
    """Log in through the Airflow UI's own login form, as a person does."""
    page.goto(f"{base_url}/", wait_until="networkidle")
    page.fill("input[name='username']", username)
    page.fill("input[name='password']", password)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/auth/login" not in url and "/login" not in url, timeout=60000)
    page.wait_for_load_state("networkidle")


def streamlit_tab(page: Any, url: str, drawn: str, *, timeout_ms: int = 120000) -> str:
    """Open a dashboard page and wait, in real time, until `drawn` is on it and every chart
    placeholder is replaced; returns the page's text, one text node per line.

    Streamlit draws over a websocket after the page loads, and its first script run on a cold
    server can take tens of seconds. A one-shot `--virtual-time-budget` render races that (the
    budget is virtual time, spent while the browser waits on the socket), so dashboard pages are
    read through a Playwright page that waits for what a person waits for."""
    page.goto(url, wait_until="networkidle")
    page.get_by_text(drawn).first.wait_for(timeout=timeout_ms)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=stSkeleton]')", timeout=timeout_ms
    )
    page.wait_for_load_state("networkidle")
    return html.unescape(re.sub(r"<[^>]+>", "\n", page.content()))


def page_screenshot(page: Any, name: str) -> Path:
    """Save the page as tests/artifacts/<name>.png; returns the path."""
    ARTIFACTS.mkdir(exist_ok=True)
    out = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(out), full_page=True)
    return out

"""`dbt source freshness`, actually run: the sources' `loaded_at_field`/`freshness` (under
`config:` in the sources yml) judged by dbt itself, its sources.json kept for the health check.

It writes to a target path of its own so that it never overwrites the run_results.json of the
last `dbt build`, which the dbt-test check reads.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from maicro import settings
from maicro.errors import MaicroError


def freshness_dir() -> Path:
    return settings.get().state_dir / "dbt-freshness"


def run(*, target: str = "cloud", timeout: float = 120) -> Path:
    """Run it; a source past `error_after` makes dbt exit non-zero, which is a result here,
    not a failure (the check reports it), so only a missing sources.json is an error."""
    from maicro.transform.runner import run_dbt

    out = freshness_dir()
    sources = out / "sources.json"
    sources.unlink(missing_ok=True)  # never judge from a previous run's verdict
    with contextlib.suppress(MaicroError):
        run_dbt(["source", "freshness", "--target-path", str(out)], target=target, timeout=timeout)
    if not sources.exists():
        raise MaicroError(f"dbt source freshness wrote no {sources}")
    return sources

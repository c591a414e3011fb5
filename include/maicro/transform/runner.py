"""Run dbt (build, parse, docs) as a subprocess with the resolved environment.

A subprocess rather than dbt's Python API: the same command line runs from the CLI, from the
cosmos tasks and by hand, and a dbt crash can never take the caller down with it.
"""

from __future__ import annotations

import contextlib
import json
import re
import subprocess
from pathlib import Path

from maicro import settings
from maicro.errors import MaicroError
from maicro.transform.dbt_env import dbt_environment, dbt_executable, project_dir

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def run_dbt(
    args: list[str],
    *,
    target: str = "cloud",
    placeholder: bool = False,
    capture: bool = True,
    timeout: float | None = None,
) -> subprocess.CompletedProcess:
    """`dbt ARGS` in dbt_project/; raises MaicroError with the first error line on failure."""
    cmd = [str(dbt_executable()), *args]
    result = subprocess.run(
        cmd,
        cwd=project_dir(),
        env=dbt_environment(target, placeholder=placeholder),
        capture_output=capture,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        raise MaicroError(f"dbt {args[0]} failed: {_first_error(result)}")
    return result


def _first_error(result: subprocess.CompletedProcess) -> str:
    lines = [_ANSI.sub("", line).strip() for line in (result.stdout or "").splitlines()]
    lines += [_ANSI.sub("", line).strip() for line in (result.stderr or "").splitlines()]
    for marker in (
        "Database Error",
        "Compilation Error",
        "Runtime Error",
        "Failure in",
        "Error in",
        "Encountered an error",
        "ERROR",
    ):
        for i, line in enumerate(lines):
            if marker in line:
                detail = next((n for n in lines[i + 1 : i + 4] if n), "")
                return f"{line} {detail}".strip()[:400]
    tail = [line for line in lines if line]
    return tail[-1][:400] if tail else f"exit status {result.returncode}"


def build_args(
    *,
    full_refresh: bool = False,
    select: list[str] | None = None,
    exclude: list[str] | None = None,
    variables: dict | None = None,
    models_only: bool = False,
) -> list[str]:
    args = ["build"]
    if models_only:
        args += ["--resource-type", "model"]
    if full_refresh:
        args.append("--full-refresh")
    if select:
        args += ["--select", *select]
    if exclude:
        args += ["--exclude", *exclude]
    if variables:
        args += ["--vars", json.dumps(variables)]
    return args


def build(
    *,
    full_refresh: bool = False,
    select: list[str] | None = None,
    exclude: list[str] | None = None,
    target: str = "cloud",
    variables: dict | None = None,
    models_only: bool = False,
) -> subprocess.CompletedProcess:
    """`dbt build`: every model, then its tests, in dependency order (`models_only`: no tests,
    for backfills where the tests run once at the end)."""
    return run_dbt(
        build_args(
            full_refresh=full_refresh,
            select=select,
            exclude=exclude,
            variables=variables,
            models_only=models_only,
        ),
        target=target,
    )


def build_manifest() -> Path:
    """`dbt parse` without a database: writes target/manifest.json for cosmos' DBT_MANIFEST load
    mode. `make setup` calls this (`python -c 'from maicro.transform.runner import
    build_manifest; build_manifest()'`); the DAG file only reads the result."""
    run_dbt(["parse", "--target-path", str(project_dir() / "target")], placeholder=True)
    manifest = manifest_path()
    if not manifest.exists():
        raise MaicroError(f"dbt parse did not write {manifest}")
    return manifest


def manifest_path() -> Path:
    """Where cosmos reads the manifest (always dbt_project/target, whatever DBT_TARGET_PATH says)."""
    return project_dir() / "target" / "manifest.json"


def artifacts_dir() -> Path:
    """dbt's target path for this environment (DBT_TARGET_PATH, else dbt_project/target)."""
    return settings.get().dbt_target_path or project_dir() / "target"


def keep_build_results(build_project_dir: str, **_: object) -> Path | None:
    """Copy a build's run_results.json into artifacts_dir(), where the health monitor reads it.

    Cosmos runs the transform DAG's `dbt build` in a throwaway copy of the project, so unless
    DBT_TARGET_PATH sends dbt's artifacts elsewhere its results vanish with the copy, and the
    monitor's dbt_tests check would only ever see builds run from the CLI. Set as the producer's
    cosmos `callback`, this runs after the build, failed or not (cosmos calls it before raising
    the build's failure). Written to a temporary file and renamed, so a reader never sees half a
    file. Returns the destination, or None when the copy holds no results (dbt wrote them to
    DBT_TARGET_PATH itself, or failed before running anything)."""
    source = Path(build_project_dir) / "target" / "run_results.json"
    if not source.is_file():
        return None
    destination = artifacts_dir() / "run_results.json"
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(f".{destination.name}.partial")
    partial.write_bytes(source.read_bytes())
    partial.replace(destination)
    return destination


def generate_docs(*, target: str = "cloud") -> Path:
    """`dbt docs generate`: the static site (index.html, manifest, catalog) in the target path.

    dbt also writes a run_results.json there that lists every test as `success` without running
    it; the last build's results, which the health monitor reads, are put back afterwards."""
    results = artifacts_dir() / "run_results.json"
    kept = results.read_bytes() if results.exists() else None
    try:
        run_dbt(["docs", "generate"], target=target)
    finally:
        if kept is not None:
            results.write_bytes(kept)
    return artifacts_dir() / "index.html"


def serve_docs(*, port: int) -> int:
    """Serve the generated site (index.html, manifest.json, catalog.json in artifacts_dir()) on
    127.0.0.1 until interrupted: what `dbt docs serve` does, minus its one flaw. dbt's
    socketserver.TCPServer does not set SO_REUSEADDR, so the server side of every request it
    answered lingers in TIME_WAIT for a minute after a stop and a restarted demo could not bind
    its port; http.server's ThreadingHTTPServer sets it."""
    import functools
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    site = artifacts_dir()
    if not (site / "index.html").exists():
        raise MaicroError(f"no docs site in {site}: run `maicro docs --no-serve` first")
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(site))
    try:
        server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    except OSError as exc:
        raise MaicroError(f"cannot serve the docs on 127.0.0.1:{port}: {exc.strerror}") from exc
    with server, contextlib.suppress(KeyboardInterrupt):
        print(f"serving {site} on http://127.0.0.1:{port} (Ctrl-C to stop)", flush=True)
        server.serve_forever()
    return 0

"""DAG parse benchmark: seconds to parse each file of dags/, as the DAG processor does (target:
< 0.5 s per file), against an empty DAG file parsed the same way in the same run.

Airflow's DAG processor parses each file in a fresh child process that already has Airflow
imported, so every parse here is one new interpreter that imports DagBag and parses the empty DAG
untimed, then times `DagBag(dag_folder=FILE)`: the DAG file's own imports (maicro, cosmos,
pandas) count, Airflow's do not. Median of --repeat runs. Uses a throwaway SQLite Airflow home and an empty state dir: no
ClickHouse server is needed (parsing must not touch one, tests/dags/test_dagbag.py).

    .venv/bin/python bench/dag_parse_bench.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

TARGET_S = 0.5
BASELINE_DAG = '''"""An empty DAG: the baseline every airflow dag file pays."""
from airflow.sdk import DAG

with DAG("baseline_empty", schedule=None):
    pass
'''
# argv: the empty DAG (parsed untimed first: Airflow's own lazy imports on a first parse are
# already paid in the DAG processor's long-lived parent), then the file to time.
TIMED_PARSE = r"""
import json, sys, time
from airflow.dag_processing.dagbag import DagBag
DagBag(dag_folder=sys.argv[1])
start = time.perf_counter()
bag = DagBag(dag_folder=sys.argv[2])
seconds = time.perf_counter() - start
print("PARSE=" + json.dumps({"seconds": seconds, "dags": len(bag.dags), "errors": len(bag.import_errors)}))
"""


def parse_once(baseline: Path, path: Path, env: dict[str, str]) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", TIMED_PARSE, str(baseline), str(path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    for line in result.stdout.splitlines():
        if line.startswith("PARSE="):
            return json.loads(line.split("=", 1)[1])
    raise SystemExit(f"parsing {path} failed:\n{result.stderr[-2000:]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="parses per file (median reported)")
    args = parser.parse_args()

    from maicro import settings
    from maicro.stack.airflow_env import airflow_environment

    dags = sorted(p for p in (settings.project_root() / "dags").glob("*.py") if p.name[0] != "_")
    with tempfile.TemporaryDirectory(prefix="dag-parse-bench-") as tmp:
        root = Path(tmp)
        env = {
            **os.environ,
            **airflow_environment(root / "airflow"),
            "MAICRO_STATE_DIR": str(root / "state"),
        }
        migrate = subprocess.run(
            [str(Path(sys.executable).parent / "airflow"), "db", "migrate"],
            capture_output=True,
            text=True,
            env=env,
        )
        if migrate.returncode:
            raise SystemExit(f"airflow db migrate failed:\n{migrate.stderr[-2000:]}")
        baseline = root / "baseline_empty.py"
        baseline.write_text(BASELINE_DAG)

        rows = []
        for path in [baseline, *dags]:
            runs = [parse_once(baseline, path, env) for _ in range(args.repeat)]
            seconds = statistics.median(r["seconds"] for r in runs)
            rows.append((path.name, seconds, runs[0]["dags"], runs[0]["errors"]))

    base_s = rows[0][1]
    print(f"DAG parse time per file (median of {args.repeat}; target < {TARGET_S} s)")
    print(f"{'file':<28}{'seconds':>9}{'x empty':>9}{'dags':>6}{'errors':>8}  verdict")
    for name, seconds, n_dags, n_errors in rows:
        verdict = "baseline" if name == baseline.name else ("ok" if seconds < TARGET_S else "SLOW")
        if n_errors:
            verdict = "IMPORT ERROR"
        print(
            f"{name:<28}{seconds:>9.3f}{seconds / base_s:>9.1f}{n_dags:>6}{n_errors:>8}  {verdict}"
        )
    slowest = max(rows[1:], key=lambda row: row[1])
    print(
        f"slowest: {slowest[0]} {slowest[1]:.3f} s ({slowest[1] - base_s:.3f} s over the empty DAG)"
    )


if __name__ == "__main__":
    main()

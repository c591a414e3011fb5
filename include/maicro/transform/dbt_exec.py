"""`python -m maicro.transform.dbt_exec ARGS`: dbt with the endpoint resolved at run time.

Cosmos runs dbt as `<dbt_executable_path> build --select … --profiles-dir …`; pointing
`dbt_executable_path` at dbt_project/bin/dbt-maicro (which execs this module) means each Airflow
task resolves the cloud endpoint and the maicro_transform password when it runs, never when the
DAG file is parsed, and no secret ever sits in an Airflow connection or a rendered profile.
`MAICRO_DBT_TARGET` (default cloud) chooses the server.
"""

from __future__ import annotations

import os
import sys

from maicro import settings
from maicro.errors import MaicroError
from maicro.transform.dbt_env import dbt_environment, dbt_executable


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        env = dbt_environment(settings.get().maicro_dbt_target)
        dbt = str(dbt_executable())
    except MaicroError as exc:
        print(f"maicro: {exc}", file=sys.stderr)
        return 1
    os.execve(dbt, [dbt, *argv], env)
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())

"""The process that is one embedded ClickHouse server (run as `python -m maicro.clickhouse.embedded_server DIR`).

chdb's LocalServer becomes a network server when a config.xml in the current directory sets
listen_host and ports and the statement list starts the listeners (docs/architecture.md, "The embedded ClickHouse"). The server lives
as long as that statement list runs, so it ends with a query that never returns. SIGTERM ends
the process; the data directory survives any kind of stop.
"""

from __future__ import annotations

import os
import sys

# Sleeps one second per row, one row per block, forever: keeps the listeners up at ~0% CPU.
KEEP_ALIVE = "SELECT sleepEachRow(1) FROM system.numbers SETTINGS max_block_size = 1"
# Everything the in-process session (user `default`) ever runs. users.py caps `default` at this
# many queries per server lifetime, so once the server is up `default` is refused everywhere.
STATEMENTS = ("SYSTEM START LISTEN HTTP", "SYSTEM START LISTEN TCP", KEEP_ALIVE)


def main(server_dir: str) -> int:
    os.chdir(server_dir)  # config.xml is read from the current directory
    import chdb._chdb as chdb_core

    # chdb ships a stub for _chdb that omits query(), its core entry point (chdb 3.x).
    result = chdb_core.query(  # type: ignore[attr-defined]
        "; ".join(STATEMENTS),
        "TabSeparated",
        path=os.path.join(server_dir, "data"),
    )
    # Only reached when the server could not start (bad config, port taken): say why.
    print(f"embedded ClickHouse stopped: {result}", file=sys.stderr, flush=True)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))

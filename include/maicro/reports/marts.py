"""Reading the marts for a report: as `maicro_reader` on the cloud, every query recorded.

Reports read only `analytics` (the marts) and `maicro_monitors` (the pipeline's own run logs);
the recorded SQL lets the benchmark prove that no query touches a raw table.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from maicro.clickhouse.client import connect

ALLOWED_DATABASES = ("analytics", "maicro_monitors")
_TABLE = re.compile(r"\b(?:FROM|JOIN)\s+([a-z_][a-z0-9_]*)\.([a-z_][a-z0-9_]*)", re.IGNORECASE)


class MartReader:
    def __init__(self, client: Any = None) -> None:
        self.client = client or connect("cloud", "reader")
        self.queries: list[tuple[str, dict[str, Any]]] = []  # (sql, parameters), in order

    def df(self, sql: str, **parameters: Any) -> pd.DataFrame:
        self.queries.append((sql, parameters))
        frame = self.client.query_df(sql, parameters=parameters)
        if frame.columns.empty:
            # clickhouse-connect returns an empty result without its columns; the reports select
            # columns of empty results (a week before the first data), so name them.
            names = self.client.query(f"SELECT * FROM ({sql}) LIMIT 0", parameters=parameters)
            frame = pd.DataFrame(columns=list(names.column_names))
        return frame

    def tables_read(self) -> set[str]:
        return {f"{db}.{table}" for sql, _ in self.queries for db, table in _TABLE.findall(sql)}

    def close(self) -> None:
        self.client.close()

#!/usr/bin/env bash
# `make demo`: bring up the embedded ClickHouse pair with the schema, show how to connect, and
# keep running until Ctrl-C, which stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."
MAICRO=.venv/bin/maicro

cleanup() {
  trap - INT TERM EXIT
  echo
  echo "demo: stopping"
  "$MAICRO" clickhouse down || true
}
trap cleanup INT TERM EXIT

"$MAICRO" clickhouse up
"$MAICRO" clickhouse status
cat <<TXT

The embedded ClickHouse pair is up (passwords are in .env):
  clickhouse-connect: clickhouse_connect.get_client(host='127.0.0.1', port=<http port above>, username='maicro_reader', password=\$MAICRO_READER_PASSWORD)
  curl:               curl -u maicro_admin:\$MAICRO_ADMIN_PASSWORD 'http://127.0.0.1:18123/?query=SHOW+DATABASES'
Press Ctrl-C to stop (or run 'make stop' from another shell).
TXT
while true; do sleep 3600; done

#!/usr/bin/env bash
# Create .venv from requirements.lock with uv (installed from PyPI if missing), install the
# maicro package editable, write .env with random passwords if there is none.
# Called by `make setup`, which skips it when the lock file has not changed since the last run.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if command -v uv >/dev/null 2>&1; then
  UV=(uv)
elif "$PYTHON" -m uv --version >/dev/null 2>&1; then
  UV=("$PYTHON" -m uv)
else
  echo "setup: installing uv from PyPI"
  "$PYTHON" -m pip install --quiet --user uv 2>/dev/null || "$PYTHON" -m pip install --quiet uv
  UV=("$PYTHON" -m uv)
fi

if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  "${UV[@]}" venv --quiet --python "$(command -v "$PYTHON")" .venv
fi
echo "setup: installing the locked dependencies (requirements.lock)"
"${UV[@]}" pip sync --quiet --compile-bytecode --python .venv/bin/python requirements.lock
"${UV[@]}" pip install --quiet --python .venv/bin/python --no-deps -e .
.venv/bin/python -m maicro.stack.envfile
echo "setup: done ($(.venv/bin/python --version))"

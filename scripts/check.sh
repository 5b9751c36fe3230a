#!/usr/bin/env bash
# The project's checks, as CI runs them: lint, format, types, import layers, tests.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
ruff check .
ruff format --check .
mypy rlgan_bench
lint-imports  # the one-way layers in pyproject.toml's [tool.importlinter]
python -m pytest -q "$@"

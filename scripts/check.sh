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
# the reproducibility tests once more on another kernel path and thread count: the generic
# (non-SIMD) kernels and one thread, as on a machine unlike this one (a minute at most)
ATEN_CPU_CAPABILITY=default OMP_NUM_THREADS=1 python -m pytest -q -m reproducibility

#!/usr/bin/env bash
# Set up .venv in the checkout with rlgan-bench installed (editable).
#   scripts/setup.sh          the toolkit
#   scripts/setup.sh --test   plus the test tools (pytest, ruff, mypy, mkdocs, chromium)
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
pip() { .venv/bin/python -m pip --disable-pip-version-check -q "$@"; }
# clip-anytorch imports pkg_resources, which setuptools 81 removed
pip install "setuptools<81" wheel
# pinned torch pair: one CUDA build that also runs on CPU-only machines
pip install "torch==2.14.1" "torchvision==0.29.1"
if [ "${1:-}" = "--test" ]; then
  pip install --no-build-isolation -e ".[test]"
  # the HTML report test looks at the page in a real browser: Debian's chromium
  if ! command -v chromium >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    else
      echo "warning: chromium is not installed (apt-get install chromium); the browser test will be skipped" >&2
    fi
  fi
else
  pip install --no-build-isolation -e .
fi

#!/usr/bin/env bash
# Regenerate requirements.lock, the pinned runtime dependencies (with hashes) that the
# docker image installs, from the ranges in pyproject.toml.
#   scripts/lock.sh             keep today's pins, add/adjust only what pyproject now asks
#   scripts/lock.sh --upgrade   move every pin to the newest version the ranges allow
# Run it after any change to [project].dependencies (tests/unit/test_deploy_files.py fails
# while the lock and pyproject disagree). pip-tools runs in its own venv (var/lock-venv);
# resolution targets this machine's Python (3.11, like the image) on Linux x86-64.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
VENV=var/lock-venv
if [ ! -x "$VENV/bin/pip-compile" ]; then
  "$PY" -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --upgrade pip
  "$VENV/bin/python" -m pip install -q "pip-tools>=7.4,<8"
fi
"$VENV/bin/pip-compile" --quiet --generate-hashes --strip-extras --no-emit-index-url --no-emit-find-links \
  --output-file requirements.lock "$@" pyproject.toml
echo "requirements.lock: $(grep -c '^[a-z0-9]' requirements.lock) pinned packages"

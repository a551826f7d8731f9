#!/usr/bin/env bash
# The fault drill (scripts/fault_drill.py): database stopped under load, postmaster killed.
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/python scripts/fault_drill.py "$@"

#!/usr/bin/env bash
# Set everything up and run every check: lint, the layer contracts, the type check, the
# bundled data's check, all tests.
# Extra arguments go to pytest (e.g. scripts/test.sh tests/unit -x).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
.venv/bin/ruff check .
# the layers (.importlinter, docs/architecture.md) and the types ([tool.mypy] in pyproject)
.venv/bin/lint-imports --no-cache
.venv/bin/mypy
if [ -f data/rivers/reaches.geojson ]; then
  .venv/bin/webgis check-data data
fi
exec .venv/bin/python -m pytest -p no:cacheprovider "$@"

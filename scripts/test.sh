#!/usr/bin/env bash
# Set everything up and run every check: lint, the bundled data's check, all tests.
# Extra arguments go to pytest (e.g. scripts/test.sh tests/unit -x).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
.venv/bin/ruff check .
if [ -f data/rivers/reaches.geojson ]; then
  .venv/bin/webgis check-data data
fi
exec .venv/bin/python -m pytest -p no:cacheprovider "$@"

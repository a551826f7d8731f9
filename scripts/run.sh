#!/usr/bin/env bash
# Set everything up and serve the product at http://127.0.0.1:5000 (Ctrl-C stops it).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export WEBGIS_PUBLIC_READ=${WEBGIS_PUBLIC_READ:-true}
# each worker builds the analysis' cached transfers in the background when it starts
export WEBGIS_WARM_TRANSFERS=${WEBGIS_WARM_TRANSFERS:-true}
HOST=${WEBGIS_HOST:-127.0.0.1}
PORT=${WEBGIS_PORT:-5000}
echo "Serving http://$HOST:$PORT  (health: http://$HOST:$PORT/healthz)"
exec .venv/bin/gunicorn --config gunicorn.conf.py --bind "$HOST:$PORT" --workers "${WEBGIS_WORKERS:-2}" \
  --access-logfile - "webgis:create_app()"

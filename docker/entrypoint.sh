#!/bin/sh
# The same steps as the local path: migrate, load the bundled data, then serve.
set -e
webgis db upgrade
webgis load-data /app/data
webgis scenarios refresh-paths || echo "warning: some scenario paths could not be computed" >&2
exec "$@"

#!/bin/sh
# The same steps as the local path: migrate, load the bundled data, then serve.
set -e
webgis db upgrade
webgis load-data /app/data
exec "$@"

#!/usr/bin/env bash
# Fetch the map's front-end libraries from the npm registry into static/vendor/.
# The files are committed, so running the app needs no network; run this only to
# upgrade a version (then update static/vendor/README.md and re-run the e2e tests).
set -euo pipefail
cd "$(dirname "$0")/.."
DEST=static/vendor
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

PACKAGES=(
  leaflet@1.9.4
  leaflet.markercluster@1.5.3
  leaflet.fullscreen@3.0.0
  leaflet-measure@3.1.0
  leaflet-mouse-position@1.2.0
  chart.js@4.4.9
  swagger-ui-dist@5.36.0
)

for spec in "${PACKAGES[@]}"; do
  name=${spec%@*}
  mkdir -p "$TMP/$name"
  (cd "$TMP/$name" && npm pack --silent "$spec" >/dev/null && tar xzf ./*.tgz)
done

copy() {  # copy SRC... DIR (relative to the unpacked package)
  local pkg=$1 dir=$2; shift 2
  mkdir -p "$DEST/$dir"
  for f in "$@"; do cp -r "$TMP/$pkg/package/$f" "$DEST/$dir/"; done
}

rm -rf "$DEST/leaflet" "$DEST/markercluster" "$DEST/fullscreen" "$DEST/measure" \
  "$DEST/mouseposition" "$DEST/chartjs" "$DEST/swagger-ui"
copy leaflet leaflet dist/leaflet.js dist/leaflet.css dist/images LICENSE
copy leaflet.markercluster markercluster dist/leaflet.markercluster.js \
  dist/MarkerCluster.css dist/MarkerCluster.Default.css MIT-LICENCE.txt
copy leaflet.fullscreen fullscreen Control.FullScreen.js Control.FullScreen.css \
  icon-fullscreen.svg LICENSE
copy leaflet-measure measure dist/leaflet-measure.cn.js dist/leaflet-measure.en.js \
  dist/leaflet-measure.css dist/assets LICENSE
copy leaflet-mouse-position mouseposition src/L.Control.MousePosition.js \
  src/L.Control.MousePosition.css MIT-LICENCE.txt
copy chart.js chartjs dist/chart.umd.js LICENSE.md
# the API documentation page /api/docs (webgis/api/docs.py)
copy swagger-ui-dist swagger-ui swagger-ui-bundle.js swagger-ui.css LICENSE
echo "vendored into $DEST:"
du -sh "$DEST"/*/

#!/usr/bin/env bash
# Set everything up, idempotently: OS packages (when missing and we may install them),
# the virtual environment, the local PostGIS, migrations and the bundled data.
#   scripts/setup.sh          for running the product
#   scripts/setup.sh --test   also what the tests need (Chromium, poppler, CJK fonts)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
WITH_TEST=0
[ "${1:-}" = "--test" ] && WITH_TEST=1

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo"; else SUDO="none"; fi
fi
APT_UPDATED=0
apt_install() {
  # apt_install PKG...: install the Debian/Ubuntu packages that are not installed yet.
  local missing=()
  for p in "$@"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$SUDO" = "none" ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "Missing system packages: ${missing[*]}" >&2
    echo "Install them with: sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  say "Installing system packages: ${missing[*]}"
  if [ $APT_UPDATED -eq 0 ]; then $SUDO apt-get update -qq; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# --- Python >= 3.11 with venv ----------------------------------------------------------------
PY=${PYTHON:-python3}
if ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "Python >= 3.11 is required (found: $("$PY" --version 2>&1 || echo none))." >&2
  echo "On Debian 12 / Ubuntu 24.04: sudo apt-get install -y python3 python3-venv" >&2
  exit 1
fi
if ! "$PY" -c 'import venv, ensurepip' 2>/dev/null; then
  apt_install "python3-venv"
fi

# --- PostgreSQL + PostGIS (skipped when DATABASE_URL points elsewhere) -------------------------
if [ -z "${DATABASE_URL:-}" ]; then
  if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    apt_install postgresql
  fi
  PGV=$(ls -d /usr/lib/postgresql/*/bin/initdb | sed -E 's#/usr/lib/postgresql/([0-9]+)/.*#\1#' | sort -n | tail -1)
  if [ ! -f "/usr/share/postgresql/$PGV/extension/postgis.control" ]; then
    apt_install "postgresql-$PGV-postgis-3"
  fi
fi

# CJK font for the PDF response sheets (embedded into each PDF).
apt_install fonts-noto-cjk
if [ $WITH_TEST -eq 1 ]; then
  # caddy: tests/integration/test_caddy_proxy.py runs docker/Caddyfile with it;
  # gdal-bin: tests/integration/test_ogc.py reads /ogc with GDAL's OAPIF driver (ogrinfo)
  apt_install chromium chromium-driver poppler-utils caddy gdal-bin
fi

# --- virtual environment -----------------------------------------------------------------------
if [ ! -x .venv/bin/python ]; then
  say "Creating the virtual environment .venv"
  "$PY" -m venv .venv
fi
STAMP=.venv/.webgis-installed
WANT=$(cat pyproject.toml | sha256sum | cut -d' ' -f1)
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$WANT" ]; then
  say "Installing Python packages"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".[dev]"
  echo "$WANT" > "$STAMP"
fi
WEBGIS=.venv/bin/webgis

# --- database ------------------------------------------------------------------------------------
if [ -z "${DATABASE_URL:-}" ]; then
  say "Starting the local PostGIS"
  $WEBGIS localdb start
fi
say "Migrating the database"
$WEBGIS db upgrade 2>&1 | grep -v '^INFO' || true
$WEBGIS db current 2>/dev/null | grep -q head || { echo "migration failed" >&2; exit 1; }
if [ -d data ] && [ -n "$(ls -A data 2>/dev/null | grep -v README)" ]; then
  say "Loading the bundled data (data/)"
  $WEBGIS load-data data
fi
# Saved scenarios' paths for /ogc (scenario_paths): missing ones (after an upgrade) and
# stale ones (after new data) are computed again; a scenario that fails is reported, not fatal.
$WEBGIS scenarios refresh-paths || echo "warning: some scenario paths could not be computed (webgis scenarios refresh-paths --json)" >&2
# The sheets' CJK font, converted once per machine (not by the first sheet a user asks for).
$WEBGIS warm-sheets --fonts-only
say "Setup done ($ROOT)"

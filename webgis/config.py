"""Settings from the environment, so one build runs on a laptop, a server or in compose.

Every setting is documented in `.env.example`. `DATABASE_URL` unset means the
project-local PostGIS started by `webgis localdb start`.
"""

from __future__ import annotations

import os
from pathlib import Path

#: Where migrations/, static/, data/ and var/ are: the checkout, or WEBGIS_ROOT for an
#: installed (non-editable) package, as in the docker image.
PROJECT_ROOT = Path(os.environ.get("WEBGIS_ROOT") or Path(__file__).resolve().parent.parent)

#: Settings that must never keep a default in production.
SECRET_DEFAULT = "dev-only-not-secret"


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    return float(raw) if raw not in (None, "") else default


def local_database_url(dbname: str = "webgis") -> str:
    """URL of the project-local cluster (see `webgis.localdb`)."""
    port = int(os.environ.get("WEBGIS_PGPORT", "5433"))
    return f"postgresql+psycopg://webgis@127.0.0.1:{port}/{dbname}"


def from_environment() -> dict:
    """Read every setting from the environment (after `.env`, if present)."""
    env = os.environ.get("WEBGIS_ENV", "development")
    production = env == "production"
    database_url = os.environ.get("DATABASE_URL") or local_database_url()
    if database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://") :]
    return {
        "ENV": env,
        "SECRET_KEY": os.environ.get("SECRET_KEY") or (None if production else SECRET_DEFAULT),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        # Reading layers and running analyses (which store nothing) without signing in.
        "PUBLIC_READ": _bool(os.environ.get("WEBGIS_PUBLIC_READ"), not production),
        # Optional online base map, e.g. https://tile.example.org/{z}/{x}/{y}.png
        "TILE_URL": os.environ.get("WEBGIS_TILE_URL", ""),
        "TILE_ATTRIBUTION": os.environ.get("WEBGIS_TILE_ATTRIBUTION", ""),
        "DATA_DIR": os.environ.get("WEBGIS_DATA_DIR", str(PROJECT_ROOT / "data")),
        # Public address of the app, for links and QR codes on response sheets
        # (default: the address the request came to).
        "PUBLIC_URL": os.environ.get("WEBGIS_PUBLIC_URL", ""),
        "SNAP_MAX_M": _float("WEBGIS_SNAP_MAX_M", 5000.0),
        "ROAD_CIRCUITY": _float("WEBGIS_ROAD_CIRCUITY", 1.4),
        "ROAD_SPEED_KMH": _float("WEBGIS_ROAD_SPEED_KMH", 50.0),
        # Memory for cached pulse responses below reservoirs, per process (MB), and
        # whether each worker builds them in the background when it starts.
        "TRANSFER_CACHE_MB": _float("WEBGIS_TRANSFER_CACHE_MB", 256.0),
        "WARM_TRANSFERS": _bool(os.environ.get("WEBGIS_WARM_TRANSFERS"), False),
        "BABEL_DEFAULT_LOCALE": os.environ.get("WEBGIS_DEFAULT_LOCALE", "zh"),
        "SESSION_COOKIE_SECURE": _bool(os.environ.get("WEBGIS_SECURE_COOKIES"), production),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": _bool(os.environ.get("WEBGIS_SECURE_COOKIES"), production),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "WTF_CSRF_TIME_LIMIT": None,
        "JSON_SORT_KEYS": False,
        # Reverse proxies in front of the app whose X-Forwarded-* headers are believed
        # (webgis.proxy); 0 = none, the default outside docker compose.
        "TRUSTED_PROXIES": int(os.environ.get("WEBGIS_TRUSTED_PROXIES") or 0),
    }

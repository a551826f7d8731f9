"""Settings from the environment, so one build runs on a laptop, a server or in compose.

Every setting is documented in `.env.example`. `DATABASE_URL` unset means the
project-local PostGIS started by `webgis localdb start`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Where migrations/, static/, data/ and var/ are: the checkout, or WEBGIS_ROOT for an
#: installed (non-editable) package, as in the docker image.
PROJECT_ROOT = Path(os.environ.get("WEBGIS_ROOT") or Path(__file__).resolve().parent.parent)

#: Request limits' defaults (webgis/edge.py enforces them; README "Errors, limits and
#: headers"): body bytes (413), URL characters (414), one header line and all headers in
#: bytes, header count (431), JSON nesting (400).
REQUEST_LIMITS = {
    "MAX_CONTENT_LENGTH": 1024 * 1024,
    "MAX_URL_LENGTH": 6000,
    "MAX_HEADER_BYTES": 8190,
    "MAX_HEADERS_TOTAL": 32 * 1024,
    "MAX_HEADER_COUNT": 100,
    "MAX_JSON_DEPTH": 32,
    # File uploads (paths ending in one of `UPLOAD_SUFFIXES`: evidence, survey files) may
    # be this large; every other body keeps MAX_CONTENT_LENGTH.
    "UPLOAD_MAX_BYTES": 20 * 1024 * 1024,
}
#: Request paths that receive files (`UPLOAD_MAX_BYTES` instead of MAX_CONTENT_LENGTH).
UPLOAD_SUFFIXES = ("/evidence", "/upload")


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    return float(raw) if raw not in (None, "") else default


def _str(name: str, default: str) -> str:
    raw = os.environ.get(name)
    return raw if raw not in (None, "") else default


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw not in (None, "") else default


def local_database_url(dbname: str = "webgis") -> str:
    """URL of the project-local cluster (see `webgis.localdb`)."""
    port = int(os.environ.get("WEBGIS_PGPORT", "5433"))
    return f"postgresql+psycopg://webgis@127.0.0.1:{port}/{dbname}"


def from_environment() -> dict[str, Any]:
    """Read every setting from the environment (after `.env`, if present)."""
    env = os.environ.get("WEBGIS_ENV", "development")
    production = env == "production"
    database_url = os.environ.get("DATABASE_URL") or local_database_url()
    if database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://") :]
    return {
        "ENV": env,
        # Unset: generated once into SECRET_KEY_FILE (outside production; see webgis.secret_key).
        "SECRET_KEY": os.environ.get("SECRET_KEY") or None,
        # Default: `secret_key` in the instance folder (app.instance_path).
        "SECRET_KEY_FILE": os.environ.get("WEBGIS_SECRET_KEY_FILE", ""),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        # Reading layers, saved incidents and sheets and running analyses without signing in.
        # Off unless set explicitly (scripts/run.sh sets it); see README "Security".
        "PUBLIC_READ": _bool(os.environ.get("WEBGIS_PUBLIC_READ"), False),
        # API tokens expire this many days after `webgis users token` issued them.
        "TOKEN_TTL_DAYS": _float("WEBGIS_TOKEN_TTL_DAYS", 90.0),
        # Rate limits (Flask-Limiter notation, ";" between several). Storage: memory, per
        # worker process, unless WEBGIS_RATELIMIT_STORAGE_URI names a shared one (redis://...).
        "RATELIMIT_STORAGE_URI": _str("WEBGIS_RATELIMIT_STORAGE_URI", "memory://"),
        "LIMIT_LOGIN_ACCOUNT": _str("WEBGIS_LIMIT_LOGIN_ACCOUNT", "5 per minute;20 per hour"),
        "LIMIT_LOGIN_ADDRESS": _str("WEBGIS_LIMIT_LOGIN_ADDRESS", "20 per minute;100 per hour"),
        "LIMIT_ANALYSIS": _str("WEBGIS_LIMIT_ANALYSIS", "600 per minute"),
        "LIMIT_ANALYSIS_ANONYMOUS": _str("WEBGIS_LIMIT_ANALYSIS_ANONYMOUS", "120 per minute"),
        "LIMIT_SHEETS": _str("WEBGIS_LIMIT_SHEETS", "60 per minute"),
        "LIMIT_SHEETS_ANONYMOUS": _str("WEBGIS_LIMIT_SHEETS_ANONYMOUS", "10 per minute"),
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
        # Request limits (webgis/edge.py): body bytes (413), URL characters (414), one
        # header line and all headers in bytes, header count (431), JSON nesting (400).
        **{key: _int(f"WEBGIS_{key}", default) for key, default in REQUEST_LIMITS.items()},
        # Build the sheets' CJK font and load the PDF libraries when a worker starts.
        "WARM_SHEETS": _bool(os.environ.get("WEBGIS_WARM_SHEETS"), True),
        # Reverse proxies in front of the app whose X-Forwarded-* headers are believed
        # (webgis.proxy); 0 = none, the default outside docker compose.
        "TRUSTED_PROXIES": _int("WEBGIS_TRUSTED_PROXIES", 0),
        # Issuing reports and ending alerts is the leader's; on: duty officers may too
        # (a small department with no leader on duty at night).
        "DUTY_OFFICER_MAY_ISSUE": _bool(os.environ.get("WEBGIS_DUTY_OFFICER_MAY_ISSUE"),
                                        False),
        # The reporting clock (webgis.services.report_clock): a follow-up report (续报) is
        # asked for this many hours after the last report issued, and the final report
        # (处理结果报告) this many days after closing. The 2011 measures set neither (Art. 12:
        # "随时上报", "处理完毕后上报"); these are common local rules.
        "REPORT_FOLLOWUP_H": _float("WEBGIS_REPORT_FOLLOWUP_H", 24.0),
        "REPORT_FINAL_DAYS": _float("WEBGIS_REPORT_FINAL_DAYS", 30.0),
        # Downstream alerts (issue 14): acknowledgement links expire after this many hours;
        # an alert unacknowledged this many minutes after it was sent is highlighted.
        "ALERT_LINK_TTL_HOURS": _float("WEBGIS_ALERT_LINK_TTL_HOURS", 72.0),
        "ALERT_ACK_MINUTES": _float("WEBGIS_ALERT_ACK_MINUTES", 30.0),
        # E-mail of alerts over SMTP; no host = alerts are printable and visible only.
        "SMTP_HOST": os.environ.get("WEBGIS_SMTP_HOST", ""),
        "SMTP_PORT": _int("WEBGIS_SMTP_PORT", 25),
        "SMTP_USER": os.environ.get("WEBGIS_SMTP_USER", ""),
        "SMTP_PASSWORD": os.environ.get("WEBGIS_SMTP_PASSWORD", ""),
        "SMTP_FROM": os.environ.get("WEBGIS_SMTP_FROM", ""),
        "SMTP_STARTTLS": _bool(os.environ.get("WEBGIS_SMTP_STARTTLS"), False),
        # CA bundle that signs the SMTP server's certificate (a department's own CA);
        # empty: the system's trusted CAs.
        "SMTP_CAFILE": os.environ.get("WEBGIS_SMTP_CAFILE", ""),
        "SMTP_TIMEOUT_S": _float("WEBGIS_SMTP_TIMEOUT_S", 10.0),
        # Survey import (`webgis import`, /import): the largest file (MB), the snap
        # distance above which a feature is flagged (m), the department's profiles folder.
        "IMPORT_MAX_MB": _float("WEBGIS_IMPORT_MAX_MB", 50.0),
        "IMPORT_FLAG_M": _float("WEBGIS_IMPORT_FLAG_M", 500.0),
        "IMPORT_PROFILES": os.environ.get("WEBGIS_IMPORT_PROFILES", ""),
    }


@dataclass(frozen=True, slots=True)
class Settings:
    """The settings the services use, typed; built once from the app's config at the edge
    (`Settings.from_mapping(app.config)`), so a service never reads `current_app` and runs
    the same in a request, a CLI command, a worker thread or a script without Flask."""

    snap_max_m: float = 5000.0
    road_circuity: float = 1.4
    road_speed_kmh: float = 50.0
    transfer_cache_mb: float = 256.0
    token_ttl_days: float = 90.0
    public_url: str = ""
    data_dir: str = str(PROJECT_ROOT / "data")
    duty_officer_may_issue: bool = False
    report_followup_h: float = 24.0
    report_final_days: float = 30.0
    alert_link_ttl_hours: float = 72.0
    alert_ack_minutes: float = 30.0
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = field(default="", repr=False)
    smtp_from: str = ""
    smtp_starttls: bool = False
    smtp_cafile: str = ""
    smtp_timeout_s: float = 10.0
    #: Signs acknowledgement links (the app's SECRET_KEY; empty: links cannot be made).
    secret_key: str = field(default="", repr=False)
    import_max_mb: float = 50.0
    import_flag_m: float = 500.0
    import_profiles: str = ""

    @classmethod
    def from_mapping(cls, cfg: Mapping[str, Any]) -> Settings:
        """From a Flask config (or `from_environment()`): the keys the services need."""
        return cls(
            snap_max_m=float(cfg["SNAP_MAX_M"]),
            road_circuity=float(cfg["ROAD_CIRCUITY"]),
            road_speed_kmh=float(cfg["ROAD_SPEED_KMH"]),
            transfer_cache_mb=float(cfg["TRANSFER_CACHE_MB"]),
            token_ttl_days=float(cfg["TOKEN_TTL_DAYS"]),
            public_url=str(cfg.get("PUBLIC_URL") or ""),
            data_dir=str(cfg["DATA_DIR"]),
            duty_officer_may_issue=bool(cfg.get("DUTY_OFFICER_MAY_ISSUE", False)),
            report_followup_h=float(cfg.get("REPORT_FOLLOWUP_H", 24.0)),
            report_final_days=float(cfg.get("REPORT_FINAL_DAYS", 30.0)),
            alert_link_ttl_hours=float(cfg.get("ALERT_LINK_TTL_HOURS", 72.0)),
            alert_ack_minutes=float(cfg.get("ALERT_ACK_MINUTES", 30.0)),
            smtp_host=str(cfg.get("SMTP_HOST") or ""),
            smtp_port=int(cfg.get("SMTP_PORT") or 25),
            smtp_user=str(cfg.get("SMTP_USER") or ""),
            smtp_password=str(cfg.get("SMTP_PASSWORD") or ""),
            smtp_from=str(cfg.get("SMTP_FROM") or ""),
            smtp_starttls=bool(cfg.get("SMTP_STARTTLS", False)),
            smtp_cafile=str(cfg.get("SMTP_CAFILE") or ""),
            smtp_timeout_s=float(cfg.get("SMTP_TIMEOUT_S") or 10.0),
            secret_key=str(cfg.get("SECRET_KEY") or ""),
            import_max_mb=float(cfg.get("IMPORT_MAX_MB", 50.0)),
            import_flag_m=float(cfg.get("IMPORT_FLAG_M", 500.0)),
            import_profiles=str(cfg.get("IMPORT_PROFILES") or ""),
        )

    @classmethod
    def from_environment(cls) -> Settings:
        """The environment's settings: what a service uses when its caller gives none (a
        script or test outside the app; inside the app the edge passes the app's)."""
        return cls.from_mapping(from_environment())

    @property
    def transfer_cache_bytes(self) -> int:
        return int(self.transfer_cache_mb * 2**20)

    def __getitem__(self, key: str) -> Any:
        """The app-config name of a setting (`settings["SNAP_MAX_M"]`), so code written
        against the config mapping reads the typed settings unchanged."""
        try:
            return getattr(self, _SETTING_OF_KEY[key])
        except KeyError:
            raise KeyError(key) from None

    def get(self, key: str, default: Any = None) -> Any:
        """`settings[key]`, or `default` for a key that is not a service setting."""
        return getattr(self, _SETTING_OF_KEY[key]) if key in _SETTING_OF_KEY else default


#: App-config key -> `Settings` field.
_SETTING_OF_KEY = {
    "SNAP_MAX_M": "snap_max_m",
    "ROAD_CIRCUITY": "road_circuity",
    "ROAD_SPEED_KMH": "road_speed_kmh",
    "TRANSFER_CACHE_MB": "transfer_cache_mb",
    "TOKEN_TTL_DAYS": "token_ttl_days",
    "PUBLIC_URL": "public_url",
    "DATA_DIR": "data_dir",
    "DUTY_OFFICER_MAY_ISSUE": "duty_officer_may_issue",
    "REPORT_FOLLOWUP_H": "report_followup_h",
    "REPORT_FINAL_DAYS": "report_final_days",
    "ALERT_LINK_TTL_HOURS": "alert_link_ttl_hours",
    "ALERT_ACK_MINUTES": "alert_ack_minutes",
    "SMTP_HOST": "smtp_host",
    "SMTP_PORT": "smtp_port",
    "SMTP_FROM": "smtp_from",
    "SMTP_STARTTLS": "smtp_starttls",
    "IMPORT_MAX_MB": "import_max_mb",
    "IMPORT_FLAG_M": "import_flag_m",
    "IMPORT_PROFILES": "import_profiles",
}

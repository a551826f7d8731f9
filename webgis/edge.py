"""The edge of the app: limits, input hygiene and response headers, in one place.

Everything a request could use to get a 5xx or an HTML error page out of the app, or that
a browser needs to be told about the page, is settled here before a view runs:

* `EdgeMiddleware` (WSGI) answers an over-long URL (414), over-large headers (431) and a
  declared body above `MAX_CONTENT_LENGTH` (413) with the product's JSON error, and turns
  any exception that escapes Flask (a failing teardown) into a JSON 500 — or 503 with
  ``Retry-After`` when the database is unreachable. gunicorn's own limits
  (`gunicorn.conf.py`) are set a little above these, so the app's answer is the one seen.
* `WebgisRequest` parses JSON bodies with a nesting limit (400) and refuses strings with
  lone surrogates or control characters (422 naming the field), so no view sees them.
* `init_app` adds an integer converter bounded to PostgreSQL's ``integer`` (an id above
  2³¹ is a 404, not an out-of-range query), checks query/path/form values for control
  characters, and sets the security headers (CSP with a per-response nonce, nosniff,
  frame-ancestors, Referrer-Policy).
"""

from __future__ import annotations

import json
import logging
import re
import secrets
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Request, current_app, g, request
from werkzeug.routing import IntegerConverter, ValidationError

from webgis.config import REQUEST_LIMITS, UPLOAD_SUFFIXES, Settings
from webgis.errors import BadRequest, NotFound, Unprocessable
from webgis.services.actor import Actor

log = logging.getLogger(__name__)

#: PostgreSQL ``integer`` (every id column): a larger id cannot exist.
MAX_ID = 2**31 - 1
#: Defaults of the limits (each configurable: webgis.config.REQUEST_LIMITS, the README).
MAX_URL_LENGTH = REQUEST_LIMITS["MAX_URL_LENGTH"]
MAX_HEADER_BYTES = REQUEST_LIMITS["MAX_HEADER_BYTES"]  # one header line (name and value)
MAX_HEADERS_TOTAL = REQUEST_LIMITS["MAX_HEADERS_TOTAL"]
MAX_HEADER_COUNT = REQUEST_LIMITS["MAX_HEADER_COUNT"]
MAX_JSON_DEPTH = REQUEST_LIMITS["MAX_JSON_DEPTH"]
RETRY_AFTER_S = 5

# C0 controls except tab, newline and carriage return; DEL; C1 controls.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


# --- JSON errors outside Flask ------------------------------------------------------------------

def error_body(message: str, fields: dict[str, Any] | None = None) -> bytes:
    """The product's error body, ``{"error": ..., "fields": {...}}``, as bytes."""
    return json.dumps({"error": message, "fields": fields or {}}, ensure_ascii=False).encode()


def _status_line(code: int) -> str:
    from http import HTTPStatus

    try:
        return f"{code} {HTTPStatus(code).phrase}"
    except ValueError:
        return str(code)


def raw_error(code: int, message: str, fields: dict[str, Any] | None = None
              ) -> tuple[str, list[tuple[str, str]], bytes]:
    """Status line, headers and body of a JSON error made without Flask."""
    body = error_body(message, fields)
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body))),
               ("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"),
               *SECURITY_HEADERS.items()]
    if code == 503:
        headers.append(("Retry-After", str(RETRY_AFTER_S)))
    return _status_line(code), headers, body


def is_database_down(exc: BaseException) -> bool:
    """Whether `exc` says the database cannot be reached (not that a query was wrong)."""
    import psycopg
    from sqlalchemy import exc as sa_exc

    if isinstance(exc, sa_exc.TimeoutError | psycopg.OperationalError):
        return True
    if isinstance(exc, sa_exc.DBAPIError):
        return bool(exc.connection_invalidated) or isinstance(
            exc.orig, psycopg.OperationalError | psycopg.InterfaceError)
    return False


def body_limit(config: Any, path: str) -> int | None:
    """The largest body a request to `path` may send: `UPLOAD_MAX_BYTES` for the routes
    that receive files, `MAX_CONTENT_LENGTH` for every other."""
    key = "UPLOAD_MAX_BYTES" if path.endswith(UPLOAD_SUFFIXES) else "MAX_CONTENT_LENGTH"
    value = config.get(key)
    return int(value) if value else None


class EdgeMiddleware:
    """WSGI limits and the last safety net; see the module docstring."""

    def __init__(self, app: Callable, config: dict[str, Any]) -> None:
        self.app = app
        self.config = config

    def _limit(self, key: str, default: int) -> int:
        value = self.config.get(key)
        return int(value) if value else default

    def _check(self, environ: dict[str, Any]) -> tuple[int, str, dict[str, Any]] | None:
        url = environ.get("RAW_URI") or environ.get("REQUEST_URI") or (
            environ.get("PATH_INFO", "") + "?" + environ.get("QUERY_STRING", ""))
        max_url = self._limit("MAX_URL_LENGTH", MAX_URL_LENGTH)
        if len(url) > max_url:
            return 414, f"the URL is longer than {max_url} characters", {"url": len(url)}
        per_line = self._limit("MAX_HEADER_BYTES", MAX_HEADER_BYTES)
        total_max = self._limit("MAX_HEADERS_TOTAL", MAX_HEADERS_TOTAL)
        count_max = self._limit("MAX_HEADER_COUNT", MAX_HEADER_COUNT)
        total = count = 0
        for key, value in environ.items():
            if not key.startswith("HTTP_") and key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                continue
            size = len(key) + len(str(value))
            total += size
            count += 1
            if size > per_line:
                name = key[5:] if key.startswith("HTTP_") else key
                name = name.replace("_", "-").lower()
                return 431, f"the header {name} is longer than {per_line} bytes", {name: size}
        if total > total_max or count > count_max:
            return 431, (f"the request headers exceed {total_max} bytes or {count_max} "
                         "fields"), {"headers": total}
        raw_length = environ.get("CONTENT_LENGTH") or ""
        if raw_length:
            if not (raw_length.isascii() and raw_length.isdigit()) or len(raw_length) > 18:
                return 400, "Content-Length must be a whole number", {
                    "content-length": raw_length[:40]}
            max_body = body_limit(self.config, environ.get("PATH_INFO", ""))
            if max_body and int(raw_length) > int(max_body):
                return 413, f"the body is larger than {max_body} bytes", {
                    "content-length": int(raw_length)}
        return None

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        refused = self._check(environ)
        if refused is not None:
            status, headers, body = raw_error(*refused)
            start_response(status, headers)
            return [body]
        # The app's start_response is held until the app returns: Flask runs the teardown
        # after it, and a teardown that fails must still be able to answer instead.
        pending: list[tuple[Any, ...]] = []

        def hold(status: str, headers: list, exc_info: Any = None) -> Callable:
            pending[:] = [(status, headers)]

            def write(data: bytes) -> None:  # the legacy write(); Flask never uses it
                raise RuntimeError("write() is not supported behind EdgeMiddleware")

            return write

        try:
            body_iter = self.app(environ, hold)
        except Exception as exc:  # a teardown (or anything after the handlers) failed
            down = is_database_down(exc)
            log.exception("error outside the request handlers")
            status, headers, body = raw_error(
                503 if down else 500,
                "the database is unavailable, try again shortly" if down else "internal error")
            start_response(status, headers)
            return [body]
        start_response(*pending[0])
        return body_iter


# --- JSON bodies --------------------------------------------------------------------------------

def json_too_deep(text: str, limit: int) -> bool:
    """Whether the arrays/objects in `text` nest deeper than `limit` (strings ignored)."""
    depth = 0
    for m in _BRACKET.finditer(_JSON_STRING.sub('""', text)):
        if m.group() in "[{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def _field_path(path: str, key: Any) -> str:
    key = str(key)
    if bad_text(key):
        key = key.encode("unicode_escape", "backslashreplace").decode("ascii")
    return f"{path}.{key}" if path else key


def bad_text(value: str) -> str | None:
    """Why `value` cannot be stored as text (a lone surrogate, a control character)."""
    if _SURROGATE.search(value):
        return "contains an invalid character (a lone UTF-16 surrogate)"
    if _CONTROL.search(value):
        return "contains a control character"
    return None


def check_strings(obj: Any, path: str = "") -> None:
    """Raise a 422 naming the first key or string in `obj` that is not clean text."""
    stack: list[tuple[Any, str]] = [(obj, path)]
    while stack:
        value, where = stack.pop()
        if isinstance(value, str):
            why = bad_text(value)
            if why:
                name = where or "body"
                raise Unprocessable(f"{name} {why}", fields={name: why})
        elif isinstance(value, dict):
            for key, item in value.items():
                sub = _field_path(where, key)
                why = bad_text(key)
                if why:
                    raise Unprocessable(f"the key {sub} {why}", fields={sub: why})
                stack.append((item, sub))
        elif isinstance(value, list):
            stack.extend((item, f"{where}[{i}]") for i, item in enumerate(value))


class _GuardedJson:
    """What `WebgisRequest` parses bodies with: a depth limit, then clean text only."""

    @staticmethod
    def loads(data: str | bytes, **kwargs: Any) -> Any:
        if isinstance(data, bytes | bytearray):
            data = bytes(data).decode("utf-8")  # a UnicodeDecodeError is a ValueError
        limit = int(current_app.config.get("MAX_JSON_DEPTH") or MAX_JSON_DEPTH)
        if json_too_deep(data, limit):
            raise BadRequest(f"the JSON body nests deeper than {limit} levels",
                             fields={"body": f"nested deeper than {limit}"})
        value = current_app.json.loads(data, **kwargs)
        check_strings(value)
        return value

    @staticmethod
    def dumps(obj: Any, **kwargs: Any) -> str:
        return current_app.json.dumps(obj, **kwargs)


class WebgisRequest(Request):
    """Flask's request with the guarded JSON parser."""

    @property
    def json_module(self) -> Any:
        return _GuardedJson

    @json_module.setter
    def json_module(self, value: Any) -> None:
        """Flask sets the app's provider here per request; `_GuardedJson` delegates to it."""


# --- routing, values, headers -------------------------------------------------------------------

class IdConverter(IntegerConverter):
    """``<int:...>`` limited to ASCII digits and PostgreSQL ``integer``: a larger id is a
    404 here, not an out-of-range error from the database."""

    regex = r"[0-9]{1,12}"

    def __init__(self, map: Any, fixed_digits: int = 0, min: int | None = None,
                 max: int | None = MAX_ID, signed: bool = False) -> None:
        super().__init__(map, fixed_digits, min, max, signed)

    def to_python(self, value: str) -> Any:
        if len(value) > 12:
            raise ValidationError()
        return super().to_python(value)


def csp_nonce() -> str:
    """This response's script nonce (made on first use; the CSP header names it)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return g.csp_nonce


def page_policy(nonce: str | None, tile_url: str = "") -> str:
    """The CSP of an HTML page: scripts from this origin or carrying the nonce only."""
    scripts = "'self'" + (f" 'nonce-{nonce}'" if nonce else "")
    images = "'self' data: blob:"
    if tile_url:
        parts = urlsplit(tile_url.replace("{s}", "a"))
        if parts.scheme in ("http", "https") and parts.netloc:
            host = parts.netloc.replace("a.", "*.", 1) if "{s}" in tile_url else parts.netloc
            images += f" {parts.scheme}://{host}"
    return (f"default-src 'self'; script-src {scripts}; style-src 'self' 'unsafe-inline'; "
            f"img-src {images}; font-src 'self' data:; connect-src 'self'; "
            "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def _check_values(items: Iterable[tuple[str, Any]], error: type = BadRequest) -> None:
    for name, value in items:
        if isinstance(value, str):
            why = bad_text(value)
            if why:
                raise error(f"{name} {why}", fields={name: why})


def init_app(app: Flask) -> None:
    """Install the converter, the value checks, the headers and the WSGI middleware."""
    app.url_map.converters["int"] = IdConverter

    @app.before_request
    def _clean_values() -> None:
        # Flask's own limit (a chunked body has no Content-Length for the middleware)
        request.max_content_length = body_limit(app.config, request.path)
        # nothing is named with a control character: a 404 for the path
        _check_values((request.view_args or {}).items(), NotFound)
        _check_values(request.args.items(multi=True))
        if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            _check_values(request.form.items(multi=True))
        elif request.is_json and request.content_length:
            # every route that reads JSON wants an object (the sign-in form reads one too)
            body = request.get_json(silent=True)
            if body is not None and not isinstance(body, dict):
                raise BadRequest("the body must be a JSON object",
                                 fields={"body": type(body).__name__})

    @app.after_request
    def _headers(response):
        for key, value in SECURITY_HEADERS.items():
            response.headers.setdefault(key, value)
        if "Content-Security-Policy" not in response.headers:
            if response.mimetype == "text/html":
                policy = page_policy(g.get("csp_nonce"), app.config.get("TILE_URL", ""))
            elif response.mimetype == "application/json":
                policy = "default-src 'none'; frame-ancestors 'none'"
            else:
                policy = "frame-ancestors 'none'"
            response.headers["Content-Security-Policy"] = policy
        return response

    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.wsgi_app = EdgeMiddleware(app.wsgi_app, app.config)  # type: ignore[method-assign]


def current_settings() -> Settings:
    """The typed settings services take (`webgis.config.Settings`), from this app's config;
    built per call (a few microseconds), so a test that changes the config is seen."""
    return Settings.from_mapping(current_app.config)


def current_actor() -> Actor:
    """The signed-in user (session or token) as the services' `Actor`; the system when
    nobody is signed in (an acknowledgement link, a station's post by its own token is
    signed in as its account)."""
    from flask_login import current_user

    if not current_user.is_authenticated:
        return Actor.system("anonymous")
    return Actor(current_user.id, current_user.username, current_user.role)

"""One place that turns errors into JSON (API and the map's JSON routes) or plain pages.

Every error under ``/api``, ``/ogc``, ``/healthz`` and any ``*.json`` route is
``{"error", "fields"}`` with its status: domain errors, every werkzeug HTTP error (404,
405, 413, 429, ...), a database that cannot be reached (503 with ``Retry-After``; the
pool pings connections before use, so the next request after the database is back
succeeds) and anything else (500, logged).
"""

from __future__ import annotations

import contextlib

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from webgis.edge import RETRY_AFTER_S, is_database_down
from webgis.errors import WebgisError

_DB_DOWN = "the database is unavailable, try again shortly"


#: Routes that answer data or files, not pages: their errors are JSON too.
_DATA_SUFFIXES = (".json", ".pdf", ".zip", ".geojson", ".kml", ".gpx", ".xlsx")


def _wants_json() -> bool:
    path = request.path
    return (path.startswith(("/api/", "/map/", "/ogc/")) or path in ("/api", "/ogc", "/healthz")
            or path.endswith(_DATA_SUFFIXES)
            or request.accept_mimetypes.best == "application/json")


def _rollback() -> None:
    from webgis.services.uow import discard

    with contextlib.suppress(Exception):  # the connection may be gone; the pool drops it
        discard()


def _json(message: str, status: int, fields: dict | None = None) -> tuple[Response, int]:
    return jsonify({"error": message, "fields": fields or {}}), status


def register_error_handlers(app: Flask) -> None:
    """JSON `{"error", "fields"}` for the API, never an HTML page or a bare 500."""

    @app.errorhandler(WebgisError)
    def _domain(err: WebgisError):
        return jsonify(err.to_dict()), err.http_status

    @app.errorhandler(HTTPException)
    def _http(err: HTTPException):
        if not _wants_json():
            return err
        code = err.code or 500
        resp, _ = _json(err.description or err.name, code)
        for key, value in err.get_headers():
            if key.lower() not in ("content-type", "content-length"):
                resp.headers[key] = value
        if code == 503:
            resp.headers.setdefault("Retry-After", str(RETRY_AFTER_S))
        return resp, code

    @app.errorhandler(Exception)
    def _unexpected(err: Exception):
        _rollback()
        if is_database_down(err):
            app.logger.warning("database unavailable: %s", err.__class__.__name__)
            if _wants_json():
                resp, status = _json(_DB_DOWN, 503)
            else:
                resp, status = Response(_DB_DOWN, mimetype="text/plain"), 503
            resp.headers["Retry-After"] = str(RETRY_AFTER_S)
            return resp, status
        app.logger.exception("unhandled error")
        if not _wants_json():
            return Response("Internal error", status=500, mimetype="text/plain")
        return _json("internal error", 500)

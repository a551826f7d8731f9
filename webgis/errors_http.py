"""One place that turns errors into JSON (API and the map's JSON routes) or plain pages.

Errors know no HTTP: `STATUS` maps each `WebgisError.code` to its status, here at the edge
only, and the message is translated through the Flask-Babel catalogue (Chinese in Chinese
mode). Every error under ``/api``, ``/ogc``, ``/healthz`` and any ``*.json`` route is
``{"error", "fields"}`` with its status: domain errors, every werkzeug HTTP error (404,
405, 413, 429, ...), a database that cannot be reached (503 with ``Retry-After``; the
pool pings connections before use, so the next request after the database is back
succeeds) and anything else (500, logged).
"""

from __future__ import annotations

import contextlib

from flask import Flask, Response, jsonify, request
from flask_babel import gettext
from werkzeug.exceptions import HTTPException

from webgis.edge import RETRY_AFTER_S, is_database_down
from webgis.errors import WebgisError

_DB_DOWN = "the database is unavailable, try again shortly"

#: HTTP status of each error code (webgis.errors lists the codes). An invalid value is 422
#: wherever it arrives (body, query or path); 400 only for a request that cannot be read.
STATUS: dict[str, int] = {
    "bad_request": 400,
    "unauthorized": 401,
    "forbidden": 403,
    "not_found": 404,
    "conflict": 409,
    "invalid": 422,
    "hydro_invalid": 422,
    "too_far_from_river": 422,
    "network_cycle": 422,
    "network_data": 422,
    # acknowledgement links of downstream alerts (webgis.services.alert_links)
    "link_invalid": 403,
    "link_expired": 410,
    # issue 15: DASK_SCHEDULER_ADDRESS does not answer (named in `fields`; never a 5xx)
    "scheduler_unreachable": 422,
    "import_invalid": 422,
}


def status_of(err: WebgisError) -> int:
    """The HTTP status of a domain error; 500 for a code no request should meet."""
    return STATUS.get(err.code, 500)


def error_body(err: WebgisError) -> dict:
    """`err.to_dict()` with the message in the request's language (catalogue lookup of the
    English template, then filled with the error's parameters)."""
    body = err.to_dict()
    try:
        body["error"] = gettext(err.template, **err.params) if err.params else gettext(
            err.template)
    except (KeyError, ValueError, TypeError):  # a translation with other placeholders
        body["error"] = err.message
    return body


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
        status = status_of(err)
        if status >= 500:
            return _unexpected(err)
        return jsonify(error_body(err)), status

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

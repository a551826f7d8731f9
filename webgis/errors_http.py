"""One place that turns errors into JSON (API) or plain pages (web)."""

from __future__ import annotations

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException

from webgis.errors import WebgisError


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz" or (
        request.accept_mimetypes.best == "application/json"
    )


def register_error_handlers(app: Flask) -> None:
    """JSON `{"error", "fields"}` for the API, never an HTML page or a bare 500."""

    @app.errorhandler(WebgisError)
    def _domain(err: WebgisError):
        return jsonify(err.to_dict()), err.http_status

    @app.errorhandler(HTTPException)
    def _http(err: HTTPException):
        if not _wants_json():
            return err
        return jsonify({"error": err.description or err.name, "fields": {}}), err.code

    @app.errorhandler(Exception)
    def _unexpected(err: Exception):
        app.logger.exception("unhandled error")
        if not _wants_json():
            return "Internal error", 500
        return jsonify({"error": "internal error", "fields": {}}), 500

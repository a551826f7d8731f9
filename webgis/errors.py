"""Domain errors that carry an HTTP status and a user-safe message.

One handler (registered in `create_app`) turns them into JSON
`{"error": ..., "fields": {...}}`; handlers never build error responses themselves.
"""

from __future__ import annotations

from typing import Any


class WebgisError(Exception):
    """Base class: `http_status`, a user-safe `message` and the offending `fields`."""

    http_status = 400

    def __init__(self, message: str, fields: dict[str, Any] | None = None, **extra: Any):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        self.extra = extra

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.message, "fields": self.fields}
        body.update(self.extra)
        return body


class BadRequest(WebgisError):
    """Malformed input (bad JSON, bad query parameter)."""

    http_status = 400


class NotFound(WebgisError):
    """An unknown layer or code."""

    http_status = 404


class Unprocessable(WebgisError):
    """Well-formed but invalid input (out-of-range coordinates, unknown pollutant, ...)."""

    http_status = 422


class Unauthorized(WebgisError):
    """Not signed in (or a bad token)."""

    http_status = 401


class Forbidden(WebgisError):
    """Signed in without the role this action needs."""

    http_status = 403


class DataError(Exception):
    """A data file failed validation; names the file, the feature and the field."""

    def __init__(self, file: str, feature: str | int | None, field: str | None, message: str):
        self.file, self.feature, self.field, self.message = file, feature, field, message
        where = file
        if feature is not None:
            where += f" feature {feature!r}"
        if field:
            where += f" field {field!r}"
        super().__init__(f"{where}: {message}")

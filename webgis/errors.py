"""The app's errors: one base class (`WebgisError`), a stable code each, no HTTP.

Each carries a machine `code`, a user-safe `message` and the offending `fields`. The edge
(`webgis.errors_http`) maps the code to an HTTP status and writes the JSON body
``{"error": ..., "fields": {...}}`` (the message translated in Chinese mode); handlers never
build error responses themselves. The CLI prints the same body.

Codes and what they mean (the README's "API contract" lists their statuses):

* ``bad_request`` — the request cannot be read at all (malformed JSON, a body nested too
  deep): nothing was validated.
* ``invalid`` — a value is invalid: a body field, a query parameter or a path value such as
  an unknown season, format or language (always the same status, whatever the route).
* ``not_found`` — an unknown resource: incident id, layer name, feature or reach code.
* ``conflict`` — the write was based on an old version (``current`` in the body holds the
  state now) or the current state does not allow it; nothing was changed.
* ``unauthorized`` / ``forbidden`` — not signed in / signed in without the role.
* ``hydro_invalid``, ``too_far_from_river``, ``network_cycle``, ``network_data`` — the
  hydro core cannot model the input (`webgis.hydro.errors`).
* ``data_invalid`` — a data file failed validation (loader and CLI, never an HTTP answer).
* ``import_invalid`` — a survey file cannot be imported (size, zip, format, encoding, CRS,
  geometry) or its rows failed validation (the body's ``report`` names each row and
  field); nothing was stored (`webgis.services.survey_import`).
"""

from __future__ import annotations

from webgis.hydro.errors import HydroError, WebgisError

__all__ = ["BadRequest", "Conflict", "DataError", "Forbidden", "HydroError", "NotFound",
           "Unauthorized", "Unprocessable", "WebgisError"]


class BadRequest(WebgisError):
    """The request cannot be read (malformed JSON, too deep, not JSON at all)."""

    code = "bad_request"


class NotFound(WebgisError):
    """An unknown layer, code or id."""

    code = "not_found"


class Unprocessable(WebgisError):
    """A readable request with an invalid value (out-of-range number, unknown season, ...)."""

    code = "invalid"


class Conflict(WebgisError):
    """A write based on an old version of what it changes (another officer wrote first), or
    one the current state does not allow (a quantity above the stock left, a transition
    from a status that does not permit it). The body carries ``current``: what the writer
    must look at before trying again."""

    code = "conflict"


class Unauthorized(WebgisError):
    """Not signed in (or a bad token)."""

    code = "unauthorized"


class Forbidden(WebgisError):
    """Signed in without the role this action needs."""

    code = "forbidden"


class DataError(WebgisError):
    """A data file failed validation; names the file, the feature and the field."""

    code = "data_invalid"

    def __init__(self, file: str, feature: str | int | None, field: str | None, message: str):
        self.file, self.feature, self.field = file, feature, field
        where = file
        if feature is not None:
            where += f" feature {feature!r}"
        if field:
            where += f" field {field!r}"
        super().__init__(f"{where}: {message}", {field: message} if field else None)
        self.message = message  # the loader prints file, feature and field itself

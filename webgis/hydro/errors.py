"""The one error base class of the app, and the hydro core's own errors.

`WebgisError` lives here, at the bottom of the layers, so that the pure core can derive
its errors from it without importing anything else of the app. An error carries a stable
machine `code`, a user-safe `message` (an English template and its `params`, so the edge
can translate it) and the offending `fields`; it knows no HTTP: `webgis.errors_http` maps
codes to statuses. Every other layer imports it from `webgis.errors`.
"""

from __future__ import annotations

from typing import Any


class WebgisError(Exception):
    """Base class: a `code`, a user-safe `message` and the offending `fields`.

    `message` may be a ``%(name)s`` template filled from `params`; the edge looks the
    template up in the translation catalogue before filling it. Extra keyword arguments are
    extra keys of the JSON body (e.g. the list of valid values).
    """

    code = "error"

    def __init__(self, message: str, fields: dict[str, Any] | None = None, *,
                 params: dict[str, Any] | None = None, code: str | None = None,
                 **extra: Any):
        self.template = message
        self.params = params or {}
        self.message = message % self.params if self.params else message
        super().__init__(self.message)
        if code is not None:
            self.code = code
        self.fields = fields or {}
        self.extra = extra

    def to_dict(self) -> dict[str, Any]:
        """The JSON body, ``{"error", "fields", ...extra}``, in English."""
        body: dict[str, Any] = {"error": self.message, "fields": self.fields}
        body.update(self.extra)
        return body


class HydroError(WebgisError, ValueError):
    """Base class for invalid hydro inputs (the input cannot be modelled)."""

    code = "hydro_invalid"


class TooFarFromRiver(HydroError):
    """The clicked point is farther than the allowed offset from every reach."""

    code = "too_far_from_river"

    def __init__(self, nearest_river_code: str | None, distance_m: float, max_offset_m: float):
        self.nearest_river_code = nearest_river_code
        self.distance_m = float(distance_m)
        self.max_offset_m = float(max_offset_m)
        if nearest_river_code is not None:
            template = ("point is too far from any river: nearest river %(river)s is "
                        "%(distance).0f m away (max %(max).0f m)")
        else:
            template = "point is too far from any river: no river in the network (max %(max).0f m)"
        super().__init__(
            template, {"location": "too far from any river"},
            params={"river": nearest_river_code, "distance": self.distance_m,
                    "max": max_offset_m},
            nearest_river_code=nearest_river_code, distance_m=round(self.distance_m, 1),
            max_offset_m=self.max_offset_m)


class NetworkCycleError(HydroError):
    """Downstream links form a loop: the data is broken, a trace would never end."""

    code = "network_cycle"

    def __init__(self, reach_code: str):
        self.reach_code = reach_code
        super().__init__("downstream links form a cycle through reach %(reach)s",
                         params={"reach": reach_code})


class NetworkDataError(HydroError):
    """Reach inputs are inconsistent (unknown downstream code, bad geometry, ...)."""

    code = "network_data"

"""Domain exceptions of the hydro core.

They carry `http_status` and a `to_dict()` body so the service layer can map them to a
JSON error without this package importing Flask or `webgis.errors`.
"""

from __future__ import annotations

from typing import Any


class HydroError(ValueError):
    """Base class for invalid hydro inputs (a 422 for the API)."""

    http_status = 422

    def to_dict(self) -> dict[str, Any]:
        """User-safe body: the message plus the fields of the subclass."""
        return {"error": str(self), "fields": {}}


class TooFarFromRiver(HydroError):
    """The clicked point is farther than the allowed offset from every reach."""

    def __init__(self, nearest_river_code: str | None, distance_m: float, max_offset_m: float):
        self.nearest_river_code = nearest_river_code
        self.distance_m = float(distance_m)
        self.max_offset_m = float(max_offset_m)
        where = (
            f"nearest river {nearest_river_code} is {self.distance_m:.0f} m away"
            if nearest_river_code is not None
            else "no river in the network"
        )
        super().__init__(f"point is too far from any river: {where} (max {max_offset_m:.0f} m)")

    def to_dict(self) -> dict[str, Any]:
        """Name the nearest river and its distance, as the API contract asks."""
        return {
            "error": str(self),
            "fields": {"location": "too far from any river"},
            "nearest_river_code": self.nearest_river_code,
            "distance_m": round(self.distance_m, 1),
            "max_offset_m": self.max_offset_m,
        }


class NetworkCycleError(HydroError):
    """Downstream links form a loop: the data is broken, a trace would never end."""

    def __init__(self, reach_code: str):
        self.reach_code = reach_code
        super().__init__(f"downstream links form a cycle through reach {reach_code}")


class NetworkDataError(HydroError):
    """Reach inputs are inconsistent (unknown downstream code, bad geometry, ...)."""

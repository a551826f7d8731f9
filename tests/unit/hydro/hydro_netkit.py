"""Hand-made river networks for the hydro unit tests (geodesic, in flow direction)."""

from __future__ import annotations

from pyproj import Geod

from webgis.hydro.network import ReachInput

GEOD = Geod(ellps="WGS84")


def line(start: tuple[float, float], azimuth_deg: float, length_m: float, nvert: int = 5):
    """Vertices of a geodesic line from ``start`` along ``azimuth_deg``."""
    lon, lat = start
    pts = [(lon, lat)]
    step = length_m / (nvert - 1)
    az = azimuth_deg
    for _ in range(nvert - 1):
        lon, lat, back = GEOD.fwd(lon, lat, az, step)
        az = back + 180.0
        pts.append((lon, lat))
    return pts


def chain(
    river: str,
    start: tuple[float, float],
    azimuth_deg: float,
    lengths_m: list[float],
    discharge_m3s: list[float],
    downstream_code: str | None = None,
    prefix: str | None = None,
    **kw,
) -> list[ReachInput]:
    """A river made of consecutive reaches; the last flows into ``downstream_code``."""
    prefix = prefix or river
    out = []
    pos = start
    codes = [f"{prefix}-{i + 1}" for i in range(len(lengths_m))]
    for i, (length, q) in enumerate(zip(lengths_m, discharge_m3s, strict=True)):
        pts = line(pos, azimuth_deg, length)
        down = codes[i + 1] if i + 1 < len(codes) else downstream_code
        extra = {k: (v[i] if isinstance(v, list) else v) for k, v in kw.items()}
        out.append(
            ReachInput(
                code=codes[i],
                river_code=river,
                downstream_code=down,
                coords=pts,
                discharge_m3s=q,
                **extra,
            )
        )
        pos = pts[-1]
    return out


def end_of(reaches: list[ReachInput]) -> tuple[float, float]:
    """Last vertex of the last reach."""
    return tuple(reaches[-1].coords[-1])

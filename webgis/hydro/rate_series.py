"""A release given as a rate series: piecewise-constant kg/h over hours since the start.

``[(t_h, rate_kg_h), ...]``: the rate from each time to the next; times start at 0 and
increase strictly, rates are ≥ 0 and the last one is 0 (the release has ended). Its mass
is the integral of the rates. The transport superposes one constant-rate box per piece
(:meth:`webgis.hydro.transport.release.Release.of_series`); this module checks a series,
converts it to the transport's units and bounds it by what the water can dissolve.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from webgis.hydro.errors import HydroError

#: (hours since the start, kg/h from then to the next time), the last rate 0
RateSeries = tuple[tuple[float, float], ...]
#: the same in the transport's units: (s, kg/s)
RateSeriesS = tuple[tuple[float, float], ...]

MAX_POINTS = 500
MAX_SERIES_H = 24 * 365
FIELD = "release.rate_series"


def series_mass_kg(series: Sequence[Sequence[float]]) -> float:
    """The mass (kg) of a rate series, after checking it; a :class:`HydroError` naming
    ``release.rate_series`` (and the first bad row) otherwise."""
    if not 2 <= len(series) <= MAX_POINTS:
        raise HydroError("a rate series needs 2 to %(max)d rows (the last one ends it)",
                         {FIELD: f"{len(series)} rows"}, params={"max": MAX_POINTS})
    prev_t = -math.inf
    for i, row in enumerate(series):
        where = f"{FIELD}[{i}]"
        if len(row) != 2 or not all(isinstance(v, int | float) and math.isfinite(v)
                                    for v in row):
            raise HydroError("each row of a rate series is [hours, kg/h]", {where: list(row)})
        t, r = float(row[0]), float(row[1])
        if i == 0 and t != 0.0:
            raise HydroError("a rate series starts at hour 0", {where: t})
        if t <= prev_t:
            raise HydroError("the times of a rate series must increase strictly "
                             "(no duplicates, in order)", {where: t})
        if r < 0:
            raise HydroError("a release rate must not be negative", {where: r})
        prev_t = t
    if float(series[-1][1]) != 0.0:
        raise HydroError("the last rate of a rate series must be 0 (the release ends)",
                         {f"{FIELD}[{len(series) - 1}]": float(series[-1][1])})
    if prev_t > MAX_SERIES_H:
        raise HydroError("a rate series must end within %(max)d h",
                         {FIELD: prev_t}, params={"max": MAX_SERIES_H})
    mass = sum((float(b[0]) - float(a[0])) * float(a[1])
               for a, b in zip(series[:-1], series[1:], strict=True))
    if not mass > 0:
        raise HydroError("a rate series must release some mass", {FIELD: mass})
    return mass


def as_tuple(series: Sequence[Sequence[float]]) -> RateSeries:
    """A series as the immutable (hashable) tuple the model takes."""
    return tuple((float(t), float(r)) for t, r in series)


def to_transport(series: RateSeries, factor: float = 1.0) -> RateSeriesS:
    """(h, kg/h) → (s, kg/s), the rates × ``factor`` (the regulated species' share)."""
    return tuple((t * 3600.0, r * factor / 3600.0) for t, r in series)


def dissolved(series_s: RateSeriesS, cap_kg_s: float | None) -> RateSeriesS:
    """The series as the water can take it into solution: never more than ``cap_kg_s``
    (Q·S at the spill); what a piece releases above it stays undissolved at the spill and
    dissolves at the cap as soon as the rate falls below it (carried over, mass kept).

    This is the series form of :func:`webgis.hydro.losses.dissolution_duration_s` (a
    constant release lasts at least M/(Q·S)): the near-source concentration stays at
    saturation as long as undissolved product is left, the latest and highest the
    physics allows (the safe side) — never a value above the solubility.
    """
    if cap_kg_s is None or not (cap_kg_s > 0 and math.isfinite(cap_kg_s)):
        return series_s
    if all(r <= cap_kg_s for _, r in series_s):
        return series_s
    out: list[tuple[float, float]] = []
    backlog = 0.0  # kg not yet dissolved
    for (a, r), (b, _) in zip(series_s[:-1], series_s[1:], strict=True):
        if r >= cap_kg_s:
            out.append((a, cap_kg_s))
            backlog += (r - cap_kg_s) * (b - a)
            continue
        if backlog > 0:
            clear_s = backlog / (cap_kg_s - r)
            if clear_s >= b - a:
                out.append((a, cap_kg_s))
                backlog -= (cap_kg_s - r) * (b - a)
                continue
            out.append((a, cap_kg_s))
            a, backlog = a + clear_s, 0.0
        out.append((a, r))
    end = series_s[-1][0]
    if backlog > 0:
        out.append((end, cap_kg_s))
        end += backlog / cap_kg_s
    out.append((end, 0.0))
    merged: list[tuple[float, float]] = []
    for t, r in out:  # consecutive equal rates are one piece
        if merged and merged[-1][1] == r:
            continue
        if merged and t <= merged[-1][0]:
            merged[-1] = (merged[-1][0], r)
            continue
        merged.append((t, r))
    if merged[-1][1] != 0.0:
        merged.append((end, 0.0))
    return tuple(merged)

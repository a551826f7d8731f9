"""What every writer of a response sheet reads: one plain object, no database, no Flask.

The service (``webgis.services.sheet``) fills it from a saved incident or a scenario:
the analysis result dict (issue 5's contract), the request, incident metadata, and the
few layer features the map and the tables need. Writers only read it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from webgis.exports.labels import label

RECEPTOR_KINDS = ("water_source", "section", "interception", "confluence", "boundary")
# what the sheet shows of a depot's or team's site (the result's rows carry it)
_SITE_KEYS = ("code", "name", "name_en", "lon", "lat", "contact_name", "contact_phone",
              "fictitious_contact")


@dataclass
class MapLayers:
    """Base-map features in lon/lat: plain GeoJSON geometries with a few properties."""

    admin: list[dict[str, Any]] = field(default_factory=list)  # name, level, geometry
    rivers: list[dict[str, Any]] = field(default_factory=list)  # name, discharge_m3s, geometry
    places: list[dict[str, Any]] = field(default_factory=list)  # name, kind, lon, lat


@dataclass
class SheetContext:
    """Everything a sheet shows. ``result`` is the analysis result as the API sends it
    (:class:`webgis.contract.result.AnalysisResult`; a result saved before schema 1.1 may
    lack the keys added since)."""

    result: dict[str, Any]
    request: dict[str, Any] = field(default_factory=dict)
    incident_id: int | None = None
    title: str = ""
    kind: str = "incident"  # incident | drill | scenario
    created_at: datetime | None = None
    officer: str = ""
    link: str = ""
    lang: str = "zh"
    generated_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    layers: MapLayers = field(default_factory=MapLayers)
    # code -> {lon, lat, name, name_en, contact_name, contact_phone, ...}
    depot_sites: dict[str, dict[str, Any]] = field(default_factory=dict)
    team_sites: dict[str, dict[str, Any]] = field(default_factory=dict)
    # interception code -> {type, techniques, access, access_road_km, capacity_m3, holding_h}
    interception_details: dict[str, dict[str, Any]] = field(default_factory=dict)
    contacts: list[dict[str, Any]] = field(default_factory=list)
    sensitive_notes: dict[str, str] = field(default_factory=dict)  # receptor code -> note
    #: The incident's timeline (`webgis.services.incident_write.event_row` rows), oldest
    #: first; empty for a scenario (issue 14: exported with the incident).
    events: list[dict[str, Any]] = field(default_factory=list)

    def from_result(self) -> SheetContext:
        """Fill the sites, interception details, contacts and notes from the result itself
        (results of schema version 1.1 and later carry them: no query needed)."""
        res = self.result
        for rows, sites in ((res.get("depots"), self.depot_sites),
                            (res.get("teams"), self.team_sites)):
            for row in rows or []:
                sites.setdefault(row["code"], {k: row.get(k) for k in _SITE_KEYS})
        for r in res.get("receptors") or []:
            if r.get("kind") == "interception":
                self.interception_details.setdefault(
                    r["code"], {**(r.get("details") or {}), "name_en": r.get("name_en")})
        plan = res.get("plan") or {}
        if not self.contacts:
            self.contacts = list(plan.get("contacts") or [])
        for code, note in (plan.get("sensitive_notes") or {}).items():
            self.sensitive_notes.setdefault(code, note)
        return self

    # --- small readers --------------------------------------------------------------------

    def t(self, key: str, **kw: Any) -> str:
        """The label ``key`` in this sheet's language."""
        return label(key, self.lang, **kw)

    def limit_basis(self, r: dict[str, Any]) -> str:
        """Which GB 3838-2002 table and class a receptor's limit comes from."""
        return str((r.get("limit_basis_en") if self.en else r.get("limit_basis")) or "")

    def limit_basis_short(self, r: dict[str, Any]) -> str:
        """The same, short enough for a table cell ("表1 II类", "Table 3")."""
        zh = str(r.get("limit_basis") or "")
        for mark, short_zh, short_en in (("表1 II类", "表1 II类", "T1 Cl. II"),
                                         ("表1 III类", "表1 III类", "T1 Cl. III"),
                                         ("表2", "表2", "Table 2"), ("表3", "表3", "Table 3")):
            if mark in zh:
                return short_en if self.en else short_zh
        return ""

    @property
    def en(self) -> bool:
        return self.lang == "en"

    def name(self, row: dict[str, Any] | None, key: str = "name") -> str:
        """A row's name in the sheet's language (``name_en`` when English and present)."""
        if not row:
            return ""
        if self.en and row.get(f"{key}_en"):
            return str(row[f"{key}_en"])
        return str(row.get(key) or row.get(f"{key}_zh") or row.get("code") or "")

    @property
    def snap(self) -> dict[str, Any]:
        return self.result.get("snap") or {}

    @property
    def river_name(self) -> str:
        s = self.snap
        return self.name(s, "river_name") or s.get("river_code", "")

    @property
    def pollutant(self) -> dict[str, Any]:
        p = self.result.get("pollutant")
        if isinstance(p, dict):
            return p
        code = self.req.get("pollutant", "")
        return {"code": code, "name": code}

    @property
    def req(self) -> dict[str, Any]:
        return self.request or self.result.get("request") or {}

    @property
    def location(self) -> tuple[float, float]:
        loc = self.req.get("location") or {}
        if "lon" in loc and "lat" in loc:
            return float(loc["lon"]), float(loc["lat"])
        return float(self.snap.get("lon", math.nan)), float(self.snap.get("lat", math.nan))

    @property
    def release(self) -> dict[str, Any]:
        """The release as the analysis understood it (its echo: a rate series' mass and
        duration filled in), else as requested."""
        return ((self.result.get("request") or {}).get("release")
                or self.req.get("release") or {})

    @property
    def mass_kg(self) -> float:
        return float(self.release.get("mass_kg", math.nan))

    @property
    def duration_h(self) -> float:
        return float(self.release.get("duration_h", 0) or 0)

    @property
    def rate_series(self) -> list[list[float]]:
        """[[t_h, kg/h], ...] when the release was given as a rate series, else []."""
        return list(self.release.get("rate_series") or [])

    @property
    def flow_today(self) -> dict[str, Any] | None:
        """Today's discharge as the model used it (``model.flow_today``), or None."""
        return (self.result.get("model") or {}).get("flow_today")

    def series_text(self) -> str:
        """The rate series on one line ("from 0 h: 500 kg/h; from 4 h: 0 kg/h")."""
        return "; ".join(self.t("rate_series_value", t=fmt_num(p[0], 4), r=fmt_num(p[1], 4))
                         for p in self.rate_series)

    def flow_text(self) -> str:
        """Today's discharge in one sentence, or ""."""
        f = self.flow_today
        if not f:
            return ""
        return self.t("flow_today_value", q=fmt_num(f.get("discharge_m3s"), 4),
                      where=f.get("station_code") or f.get("reach_code") or "—",
                      qs=fmt_num(f.get("season_discharge_m3s"), 4),
                      ratio=fmt_num(f.get("ratio"), 3))

    @property
    def started_at(self) -> datetime | None:
        raw = self.req.get("started_at") or (self.result.get("request") or {}).get("started_at")
        if isinstance(raw, datetime):
            return raw
        if isinstance(raw, str):
            try:
                dt = datetime.fromisoformat(raw)
            except ValueError:
                return self.created_at
            return dt if dt.tzinfo else dt.replace(tzinfo=UTC)
        return self.created_at

    @property
    def discovered_at(self) -> datetime | None:
        """When the spill was discovered: the reporting clock starts here (Art. 3 of the 2011
        measures); the start of the release for results made before it was recorded."""
        for raw in ((self.result.get("level") or {}).get("discovered_at"),
                    self.req.get("discovered_at"),
                    (self.result.get("request") or {}).get("discovered_at")):
            if isinstance(raw, datetime):
                return raw
            if isinstance(raw, str):
                try:
                    dt = datetime.fromisoformat(raw)
                except ValueError:
                    continue
                return dt if dt.tzinfo else dt.replace(tzinfo=UTC)
        return self.started_at

    def due_clock(self, minutes: float | None) -> str:
        """Wall-clock time ``minutes`` after discovery (a reporting or plan deadline), or ''."""
        found, start = self.discovered_at, self.started_at
        if found is None or minutes is None or not math.isfinite(minutes):
            return ""
        at = found + timedelta(minutes=minutes)
        if start is not None:
            at = at.astimezone(start.tzinfo)
        same_day = start is not None and at.date() == start.date()
        return at.strftime("%H:%M") if same_day else at.strftime("%m-%d %H:%M")

    def clock(self, hours: float | None) -> str:
        """Wall-clock time ``hours`` after the release (local time of the start), or ''."""
        start = self.started_at
        if start is None or hours is None or not math.isfinite(hours):
            return ""
        at = start + timedelta(hours=hours)
        same_day = at.date() == start.date()
        return at.strftime("%H:%M") if same_day else at.strftime("%m-%d %H:%M")

    def receptors(self, kinds: Iterable[str] | None = None) -> list[dict[str, Any]]:
        """Receptors in downstream order, optionally of some kinds."""
        rows = sorted(self.result.get("receptors") or [], key=lambda r: r.get("river_km", 0))
        if kinds is None:
            return rows
        want = set(kinds)
        return [r for r in rows if r.get("kind") in want]

    @property
    def slick(self) -> dict[str, Any] | None:
        """The slick model's constants when the pollutant is a floating oil, else None."""
        s = self.result.get("slick")
        return s if isinstance(s, dict) else None

    def peak_label(self, key: str = "col_peak") -> str:
        """The peak column's label: for a floating oil, dissolved petroleum (石油类)."""
        return self.t(key + "_oil") if self.slick else self.t(key)

    def slick_text(self, r: dict[str, Any]) -> str:
        """A receptor's slick in one line (arrival, passage end, length, evaporated), or ''."""
        s = r.get("slick")
        if not isinstance(s, dict):
            return ""
        w = s.get("worst") or {}
        return self.t(
            "slick_line",
            arr=self.clock(s.get("arrival_h")) or fmt_hours(s.get("arrival_h")),
            warr=self.clock(w.get("arrival_h")) or fmt_hours(w.get("arrival_h")),
            end=self.clock(s.get("passage_end_h")) or fmt_hours(s.get("passage_end_h")),
            wend=self.clock(w.get("passage_end_h")) or fmt_hours(w.get("passage_end_h")),
            len=fmt_num(s.get("length_km")), wlen=fmt_num(w.get("length_km")),
            ev=fmt_num(s.get("evaporated_pct"), 2),
        )

    def details(self, receptor: dict[str, Any]) -> dict[str, Any]:
        """Receptor details from the result (``details``), completed from the layers."""
        out = dict(self.interception_details.get(receptor.get("code", ""), {}))
        out.update({k: v for k, v in (receptor.get("details") or {}).items() if v is not None})
        return out

    @property
    def level(self) -> dict[str, Any]:
        return self.result.get("level") or {}

    @property
    def plan(self) -> dict[str, Any]:
        return self.result.get("plan") or {}

    @property
    def depots(self) -> list[dict[str, Any]]:
        return list(self.result.get("depots") or [])

    @property
    def teams(self) -> list[dict[str, Any]]:
        return list(self.result.get("teams") or [])

    def site(self, row: dict[str, Any], team: bool = False) -> tuple[float, float] | None:
        """Where a depot or team is (from the row, else from the layers)."""
        for lon_key, lat_key in (("lon", "lat"), ("origin_lon", "origin_lat")):
            if row.get(lon_key) is not None and row.get(lat_key) is not None:
                return float(row[lon_key]), float(row[lat_key])
        site = (self.team_sites if team else self.depot_sites).get(row.get("code", ""))
        if site and site.get("lon") is not None:
            return float(site["lon"]), float(site["lat"])
        return None

    def target(self, row: dict[str, Any]) -> dict[str, Any] | None:
        """The interception receptor a depot or team is sent to."""
        code = row.get("target_code")
        return next((r for r in self.receptors() if r.get("code") == code), None)

    @property
    def sheet_title(self) -> str:
        if self.title:
            return self.title
        return self.t(
            "default_title",
            river=self.river_name,
            pollutant=self.name(self.pollutant),
        )

    @property
    def reference(self) -> str:
        """A short identifier printed on every page."""
        if self.incident_id is not None:
            return f"#{self.incident_id}"
        return self.t("scenario")

    @property
    def file_stem(self) -> str:
        if self.incident_id is not None:
            return f"incident-{self.incident_id}"
        code = self.snap.get("river_code") or "scenario"
        stamp = (self.started_at or self.generated_at).strftime("%Y%m%d-%H%M")
        return f"scenario-{code}-{stamp}".lower()


def reach_code(row: Mapping[str, Any]) -> str | None:
    """A row's reach code: ``reach_code`` (schema 1.1), else the deprecated ``reach_id`` of
    results saved before it."""
    return row.get("reach_code") or row.get("reach_id")


def fmt_num(value: Any, digits: int = 3) -> str:
    """Numbers for people: significant digits, no scientific notation for ordinary sizes."""
    if value is None:
        return "—"
    try:
        x = float(value)
    except (TypeError, ValueError):
        return str(value)
    if not math.isfinite(x):
        return "—"
    if x == 0:
        return "0"
    mag = abs(x)
    if mag >= 10 ** digits:
        return f"{x:,.0f}"
    if mag >= 1e-4:
        decimals = max(digits - 1 - math.floor(math.log10(mag)), 0)
        text = f"{x:.{decimals}f}"
        return text.rstrip("0").rstrip(".") if "." in text else text
    return f"{x:.{digits - 1}e}"


# ratios to the limit printed up to this (webgis.hydro.analysis.RATIO_PRINT_CAP); beyond it
# the sheet says "> 1000×": a ratio of millions is a near-source 1D number, not a reading
RATIO_PRINT_CAP = 1000.0


def fmt_ratio(peak: Any, limit: Any) -> str:
    """``×N`` (peak / limit), bounded: ``>1000×`` beyond :data:`RATIO_PRINT_CAP`."""
    try:
        ratio = float(peak) / float(limit)
    except (TypeError, ValueError, ZeroDivisionError):
        return "—"
    if not math.isfinite(ratio):
        return "—"
    if ratio > RATIO_PRINT_CAP:
        return f">{RATIO_PRINT_CAP:,.0f}×"
    return f"×{fmt_num(ratio, 3)}"


def fmt_peak(ctx: Any, r: dict[str, Any]) -> str:
    """A receptor's expected peak (mg/L), or "exceeds solubility: undissolved product"
    (with the solubility it is capped at) where the computed value reached it."""
    text = fmt_num(r.get("peak_conc_mgl"))
    if r.get("undissolved"):
        return f"≥{text} {ctx.t('undissolved')}"
    return text


def fmt_hours(h: Any) -> str:
    """``3.4 h`` as ``3 h 24 min`` style (short), or —."""
    try:
        x = float(h)
    except (TypeError, ValueError):
        return "—"
    if not math.isfinite(x):
        return "—"
    total = round(x * 60)
    hh, mm = divmod(total, 60)
    return f"{hh}:{mm:02d}"

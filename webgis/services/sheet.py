"""Response sheets: gather what the writers need (``webgis.exports``) and run them.

From a saved incident (table ``incident``: ``request`` and ``result`` as they were) or a
scenario (an analysis request run now and not stored): the analysis result, incident
metadata, and from the database the base map around the path (admin boundaries, rivers,
places), where depots and teams are, interception point details, plan contacts and notes.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from webgis import models as m
from webgis.config import Settings
from webgis.errors import NotFound, Unprocessable
from webgis.exports.context import MapLayers, SheetContext
from webgis.exports.writers import FORMATS, render
from webgis.services.incident_timeline import timeline_rows
from webgis.services.uow import reading

LANGS = ("zh", "en")


@dataclass(frozen=True)
class Rendered:
    """One export: bytes, MIME type and a file name."""

    data: bytes
    mimetype: str
    filename: str


def check_lang(lang: str | None) -> str:
    """``zh`` (default) or ``en``; anything else is a 422."""
    lang = lang or "zh"
    if lang not in LANGS:
        raise Unprocessable("lang must be zh or en", fields={"lang": lang})
    return lang


def check_format(fmt: str | None) -> str:
    """One of :data:`webgis.exports.FORMATS` (422 otherwise)."""
    if fmt not in FORMATS:
        raise Unprocessable(f"format must be one of {', '.join(FORMATS)}",
                            fields={"format": fmt})
    return fmt


def incident_link(base_url: str, incident_id: int | None) -> str:
    """The URL of the live incident in the web app (what the QR code opens)."""
    base = (base_url or "").rstrip("/")
    if incident_id is None:
        return f"{base}/" if base else ""
    return f"{base}/incidents/{incident_id}"


def context_for_incident(session: Session, incident_id: int, *, lang: str = "zh",
                         base_url: str = "", with_officer: bool = True) -> SheetContext:
    """The sheet of a saved incident (404 when there is none); `with_officer=False` leaves out
    who saved it (anonymous readers do not learn account names)."""
    inc = session.get(m.Incident, incident_id)
    if inc is None:
        raise NotFound(f"no incident {incident_id}", fields={"id": incident_id})
    officer = ""
    if with_officer and inc.created_by_id is not None:
        user = session.get(m.User, inc.created_by_id)
        if user is not None:
            officer = getattr(user, "display_name", "") or user.username
    result = inc.result if isinstance(inc.result, dict) else json.loads(inc.result)
    request = inc.request if isinstance(inc.request, dict) else json.loads(inc.request)
    ctx = SheetContext(
        result=result, request=request, incident_id=inc.id, title=inc.title or "",
        kind=inc.kind, created_at=inc.created_at, officer=officer,
        link=incident_link(base_url, inc.id), lang=check_lang(lang),
        events=timeline_rows(session, inc.id, with_officer),
    )
    return enrich(session, ctx)


def context_for_request(session: Session, body: Any, *, lang: str = "zh", base_url: str = "",
                        officer: str = "", title: str = "",
                        settings: Settings | None = None) -> SheetContext:
    """The sheet of a scenario: the analysis is run now and nothing is stored."""
    from webgis.services.analysis import analyze

    lang = check_lang(lang)
    # the context also reads results saved under older schema versions: a plain dict
    result: dict[str, Any] = dict(analyze(session, body, settings))
    request = result.get("request") or (body if isinstance(body, dict) else {})
    ctx = SheetContext(
        result=result, request=request, kind="scenario", title=title, officer=officer,
        link=incident_link(base_url, None), lang=lang,
    )
    return enrich(session, ctx)


def context_for_result(session: Session | None, result: dict[str, Any], *, lang: str = "zh",
                       **meta: Any) -> SheetContext:
    """A sheet for a result computed elsewhere (tests, benchmarks, batch drills)."""
    ctx = SheetContext(result=result, request=result.get("request") or {},
                       lang=check_lang(lang), **meta)
    return enrich(session, ctx) if session is not None else ctx


# --- reading the layers ------------------------------------------------------------------


def _bbox(ctx: SheetContext, depots: list[tuple[float, float]]) -> tuple[float, ...]:
    pts: list[tuple[float, float]] = list(depots)
    for f in (ctx.result.get("path") or {}).get("features") or []:
        pts += [tuple(c[:2]) for c in (f.get("geometry") or {}).get("coordinates") or []]
    pts += [(r["lon"], r["lat"]) for r in ctx.receptors() if r.get("lon") is not None]
    lon, lat = ctx.location
    if math.isfinite(lon) and math.isfinite(lat):
        pts.append((lon, lat))
    pts = [p for p in pts if all(isinstance(v, int | float) and math.isfinite(v) for v in p)]
    if not pts:
        return (92.0, 32.0, 109.0, 43.0)
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    w, h = max(xs) - min(xs), max(ys) - min(ys)
    pad = max(w, h, 0.2) * 0.5
    return (min(xs) - pad, min(ys) - pad, max(xs) + pad, max(ys) + pad)


def _geo(text: str | None) -> dict[str, Any] | None:
    return json.loads(text) if text else None


def _sites(session: Session, model) -> dict[str, dict[str, Any]]:
    rows = session.execute(select(model, func.ST_X(model.geom), func.ST_Y(model.geom)))
    out = {}
    for rec, x, y in rows:
        out[rec.code] = {
            "code": rec.code, "name": rec.name_zh, "name_en": rec.name_en, "lon": x, "lat": y,
            "contact_name": rec.contact_name, "contact_phone": rec.contact_phone,
            "fictitious_contact": rec.fictitious_contact,
        }
    return out


def read_layers(session: Session, bbox: tuple[float, ...], lang: str = "zh") -> MapLayers:
    """Admin boundaries, rivers and places inside ``bbox``, simplified for a printed map."""
    env = func.ST_MakeEnvelope(*bbox, 4326)
    tol = max(bbox[2] - bbox[0], bbox[3] - bbox[1]) / 1500.0
    name = (lambda mdl: mdl.name_en) if lang == "en" else (lambda mdl: mdl.name_zh)
    admin = [
        {"code": code, "name": nm, "level": level, "geometry": _geo(g)}
        for code, nm, level, g in session.execute(
            select(m.AdminArea.code, name(m.AdminArea), m.AdminArea.level,
                   func.ST_AsGeoJSON(func.ST_SimplifyPreserveTopology(
                       func.ST_Intersection(m.AdminArea.geom, env), tol), 5))
            .where(m.AdminArea.geom.op("&&")(env))
            .where(m.AdminArea.level.in_(("province", "prefecture")))
        )
    ]
    rivers = [
        {"code": code, "river_code": rcode, "name": nm, "discharge_m3s": q,
         "geometry": _geo(g)}
        for code, rcode, nm, q, g in session.execute(
            select(m.Reach.code, m.River.code, name(m.River), m.Reach.discharge_m3s,
                   func.ST_AsGeoJSON(func.ST_SimplifyPreserveTopology(m.Reach.geom, tol), 5))
            .join(m.River, m.River.id == m.Reach.river_id)
            .where(m.Reach.geom.op("&&")(env))
        )
    ]
    places = [
        {"code": code, "name": nm, "kind": kind, "lon": x, "lat": y}
        for code, nm, kind, x, y in session.execute(
            select(m.Place.code, name(m.Place), m.Place.kind, func.ST_X(m.Place.geom),
                   func.ST_Y(m.Place.geom))
            .where(m.Place.geom.op("&&")(env))
            .where(m.Place.kind.in_(("capital", "prefecture_seat", "county_seat")))
        )
    ]
    return MapLayers(admin=[a for a in admin if a["geometry"]],
                     rivers=[r for r in rivers if r["geometry"]], places=places)


def enrich(session: Session, ctx: SheetContext) -> SheetContext:
    """Fill the context's base-map layers (the only query) and, from the result, its sites,
    interception details, contacts and notes; a result saved before it carried them
    (no ``schema_version``) has them read from the database."""
    if "schema_version" in ctx.result:
        ctx.from_result()
    else:
        _enrich_legacy(session, ctx)
    shown = [ctx.site(d) for d in ctx.depots[:4]] + [ctx.site(t, True) for t in ctx.teams[:3]]
    ctx.layers = read_layers(session, _bbox(ctx, [s for s in shown if s]), ctx.lang)
    if ctx.created_at is None:
        ctx.created_at = datetime.now(UTC)
    return ctx


def _enrich_legacy(session: Session, ctx: SheetContext) -> None:
    """Sites, interception details, contacts and notes of a result saved before schema
    version 1.1, read from the database."""
    ctx.depot_sites = _sites(session, m.Depot)
    ctx.team_sites = _sites(session, m.RescueTeam)
    codes = [r["code"] for r in ctx.receptors(("interception",))]
    if codes:
        for ip in session.scalars(select(m.InterceptionPoint)
                                  .where(m.InterceptionPoint.code.in_(codes))):
            ctx.interception_details[ip.code] = {
                "type": ip.kind, "capacity_m3": ip.capacity_m3, "holding_h": ip.holding_h,
                "techniques": list(ip.techniques or []), "access": ip.access,
                "access_road_km": ip.access_road_km, "name_en": ip.name_en,
            }

    found = [ctx.plan.get("river_code") or ctx.snap.get("river_code")]
    found += [(f.get("properties") or {}).get("river_code")
              for f in (ctx.result.get("path") or {}).get("features") or []]
    river_codes = [str(c) for c in dict.fromkeys(found) if c]
    plans = {p.code: p for p in session.scalars(select(m.RiverPlan)
                                                .where(m.RiverPlan.code.in_(river_codes)))}
    for code in river_codes:
        plan = plans.get(code)
        if plan is None:
            continue
        for sp in plan.sensitive_points or []:
            if sp.get("code") and sp.get("note_zh"):
                ctx.sensitive_notes.setdefault(sp["code"], sp["note_zh"])
    contacts = list(ctx.plan.get("contacts") or [])
    if not contacts and river_codes and river_codes[0] in plans:
        contacts = list(plans[river_codes[0]].contacts or [])
    ctx.contacts = contacts


def build(ctx: SheetContext, fmt: str) -> Rendered:
    """Render one format of the sheet."""
    data, mimetype, suffix = render(ctx, check_format(fmt))
    return Rendered(data, mimetype, f"{ctx.file_stem}{suffix}")


# --- use cases (each reads in its own unit of work, webgis.services.uow) -------------------


def incident_sheet(incident_id: int, fmt: str, *, lang: str | None = "zh",
                   base_url: str = "", with_officer: bool = True) -> Rendered:
    """One format of a saved incident's sheet (404 when there is none)."""
    lang = check_lang(lang)
    with reading() as session:
        ctx = context_for_incident(session, incident_id, lang=lang, base_url=base_url,
                                   with_officer=with_officer)
    return build(ctx, fmt)


def scenario_sheet(body: Any, fmt: str | None, *, lang: str | None = "zh", base_url: str = "",
                   officer: str = "", title: str = "",
                   settings: Settings | None = None) -> Rendered:
    """One format of a scenario's sheet: analysed now, stored nowhere. The format and the
    language are checked before the analysis runs."""
    fmt, lang = check_format(fmt), check_lang(lang)
    with reading() as session:
        ctx = context_for_request(session, body, lang=lang, base_url=base_url,
                                  officer=officer, title=title, settings=settings)
    return build(ctx, fmt)

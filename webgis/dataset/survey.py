"""A department's survey as clean records: field mapping by profile, the CRS to WGS84, and
the same field rules as the bundled dataset (`webgis.dataset.read.SPECS`), every problem
naming its row and field (no database: snapping and references are the service's).

Profiles are YAML files mapping the department's column names (often Chinese) to ours;
they live in `webgis/dataset/import_profiles/` (shipped) and in the folder named by
`WEBGIS_IMPORT_PROFILES` (the department's own), looked up by name, or given as a path.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from webgis.dataset import fields as f
from webgis.dataset import gcj02
from webgis.dataset.fields import Field, FieldError
from webgis.dataset.read import INVENTORY, SPECS, SUBSTANCE
from webgis.dataset.survey_files import ImportRejected, Limits, RawTable, opened, read_raw

PROFILE_DIR = Path(__file__).with_name("import_profiles")
#: Import layer names (and the words a department uses for them) → dataset layers.
LAYERS = {"enterprises": "enterprises", "water_sources": "water_sources",
          "intakes": "water_sources", "sections": "sections",
          "interception_points": "interception_points", "spaces": "interception_points",
          "depots": "depots", "teams": "teams"}
#: Fields the service fills by snapping to the nearest reach when the file has none.
SNAPPED = {"reach": "measure", "outfall_reach": "outfall_measure"}
CHINA_BOX = (73.4, 18.0, 135.1, 53.6)  # lon/lat box of mainland China, Hainan included
CRS_ALIASES = {"wgs84": "EPSG:4326", "cgcs2000": "EPSG:4490"}
WGS84_LIKE = (4326, 4490)  # CGCS2000 differs from WGS84 by centimetres: taken as is
LIST_SPLIT = re.compile(r"[;；,，、|]\s*")
TRUE = {"true", "yes", "y", "1", "是", "有", "已备案", "t"}
FALSE = {"false", "no", "n", "0", "否", "无", "未备案", "f"}


@dataclass
class Problem:
    """One error or warning: the row users see (None: the whole file) and the field."""

    row: int | None
    field: str | None
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "field": self.field, "message": self.message}


@dataclass
class SurveyRow:
    row: int
    record: dict[str, Any]
    lon: float
    lat: float
    crs_lonlat: tuple[float, float]  # as in the file once in degrees (before any GCJ fix)


@dataclass
class Survey:
    layer: str
    fmt: str
    encoding: str | None
    crs: str
    rows: list[SurveyRow] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Profile:
    name: str
    columns: dict[str, str]
    values: dict[str, dict[str, Any]]
    crs: str | None = None


def load_profile(spec: str | None, extra_dir: Path | None = None) -> Profile:
    """A profile by name (shipped or in `extra_dir`) or by path; None: identity mapping."""
    if not spec:
        return Profile("none", {}, {})
    candidates = [Path(spec)] + [d / f"{spec}.yaml" for d in (extra_dir, PROFILE_DIR) if d]
    path = next((p for p in candidates if p.suffix in (".yaml", ".yml") and p.is_file()),
                None)
    if path is None:
        raise ImportRejected("unknown profile %(name)s; saved profiles: %(saved)s",
                             field="profile", name=spec,
                             saved=", ".join(list_profiles(extra_dir)) or "none")
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict) or not isinstance(data.get("columns", {}), dict):
        raise ImportRejected("profile %(name)s must map columns: {their name: our name}",
                             field="profile", name=spec)
    return Profile(str(data.get("name") or path.stem), dict(data.get("columns") or {}),
                   dict(data.get("values") or {}), data.get("crs"))


def list_profiles(extra_dir: Path | None = None) -> list[str]:
    dirs = [d for d in (PROFILE_DIR, extra_dir) if d and d.is_dir()]
    return sorted({p.stem for d in dirs for p in d.glob("*.yaml")})


def resolve_layer(name: str) -> str:
    if name not in LAYERS:
        raise ImportRejected("unknown layer %(name)s; use one of %(known)s", field="layer",
                             name=name, known=", ".join(LAYERS))
    return LAYERS[name]


def _crs_of(raw: RawTable, option: str | None) -> tuple[CRS | None, bool]:
    """(the source CRS, whether coordinates are GCJ-02). An option overrides the file."""
    text = (option or "").strip().lower()
    if text == "gcj02":
        return CRS.from_epsg(4326), True
    if text:
        try:
            return CRS.from_user_input(CRS_ALIASES.get(text, option)), False
        except CRSError:
            raise ImportRejected("unknown CRS %(crs)s", field="crs", crs=option) from None
    if raw.geoms is None:
        return CRS.from_epsg(4326), False  # a table: WGS84 / CGCS2000 unless told
    if raw.crs is None:
        raise ImportRejected("the file has no CRS (a Shapefile without its .prj?); give it "
                             "with --crs EPSG:4490 / EPSG:4326 / gcj02", field="crs")
    return CRS.from_user_input(raw.crs), False


def _points(raw: RawTable, columns: dict[str, str], survey: Survey) -> list[Any]:
    """(x, y) per row in the source CRS, or None where the row has no usable point."""
    if raw.geoms is None:
        lon_col = next((c for c, ours in columns.items() if ours == "lon"), "lon")
        lat_col = next((c for c, ours in columns.items() if ours == "lat"), "lat")
        if lon_col not in raw.frame or lat_col not in raw.frame:
            raise ImportRejected("no geometry: the table needs coordinate columns mapped to "
                                 "lon and lat (looked for %(lon)s, %(lat)s; the file has "
                                 "%(columns)s): name them lon and lat, or map them with a "
                                 "profile (zh_standard maps 经度 and 纬度)", field="geometry",
                                 lon=lon_col, lat=lat_col,
                                 columns=", ".join(str(c) for c in raw.frame.columns[:12]))
        out: list[Any] = []
        for i, (x, y) in enumerate(zip(raw.frame[lon_col], raw.frame[lat_col], strict=True)):
            try:
                pt = (float(x), float(y))
                out.append(pt if all(math.isfinite(v) for v in pt) else None)
            except (TypeError, ValueError):
                out.append(None)
            if out[-1] is None:
                survey.errors.append(Problem(i + raw.first_row, "lon/lat",
                                             f"coordinates must be numbers, got {x!r}, {y!r}"))
        return out
    kinds = {g.geom_type for g in raw.geoms if g is not None and not g.is_empty}
    if not kinds:
        raise ImportRejected("the file has no geometry", field="geometry")
    if len(kinds) > 1:
        raise ImportRejected("mixed geometry types (%(kinds)s): a layer holds points only",
                             field="geometry", kinds=", ".join(sorted(kinds)))
    kind = kinds.pop()
    if kind not in ("Point", "MultiPoint"):
        raise ImportRejected("the geometries are %(kind)s; this layer holds points",
                             field="geometry", kind=kind)
    pts: list[Any] = []
    for i, g in enumerate(raw.geoms):
        if g is None or g.is_empty or (kind == "MultiPoint" and len(g.geoms) != 1):
            survey.errors.append(Problem(i + raw.first_row, "geometry",
                                         "must be one point"))
            pts.append(None)
        else:
            p = g if kind == "Point" else g.geoms[0]
            pts.append((p.x, p.y))
    return pts


def _to_wgs84(pts: list[Any], crs: CRS, gcj: bool) -> tuple[list[Any], list[Any]]:
    """(WGS84 points, the points in degrees as the file holds them)."""
    if crs.to_epsg() in WGS84_LIKE:
        deg = list(pts)
    else:
        tr = Transformer.from_crs(crs, CRS.from_epsg(4326), always_xy=True)
        deg = [tr.transform(*p) if p else None for p in pts]
    fixed = [gcj02.to_wgs84(*p) if (p and gcj) else p for p in deg]
    return [(round(p[0], 7), round(p[1], 7)) if p else None for p in fixed], deg


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or (
        isinstance(v, str) and not v.strip())


def _coerce(value: Any, fld: Field) -> Any:
    """A spreadsheet's text or number as the type the validator wants: the validator
    itself is tried first, then the value read as a number, a whole number, a yes/no, a
    list or a code — so the rules stay those of `webgis.dataset.fields`."""
    try:
        fld.check(value)
        return value
    except ValueError:
        pass
    s = str(value).strip()
    tries: list[Any] = [s]
    if isinstance(value, float) and value.is_integer():
        tries.append(str(int(value)))
    try:
        num = float(s)
        tries += [num, int(num)] if num.is_integer() else [num]
    except ValueError:
        pass
    if s.lower() in TRUE or s.lower() in FALSE:
        tries.append(s.lower() in TRUE)
    tries.append([p for p in LIST_SPLIT.split(s) if p])
    for candidate in tries:
        try:
            fld.check(candidate)
            return candidate
        except ValueError:
            continue
    return value  # the validator's own message names the problem


def _children(text: Any, key: str) -> list[dict[str, Any]]:
    """'CR6:2.5; PB:1' → [{'pollutant': 'CR6', 'max_t': 2.5}, ...] (or materials)."""
    if isinstance(text, list):
        return text
    names = ("pollutant", "max_t") if key == "substances" else ("material", "quantity")
    out = []
    for part in LIST_SPLIT.split(str(text).strip()):
        if not part:
            continue
        code, _, qty = part.replace("：", ":").partition(":")
        try:
            amount: Any = float(qty)
        except ValueError:
            amount = qty or None
        out.append({names[0]: code.strip(), names[1]: amount})
    return out


def _specs(layer: str) -> list[Field]:
    """The layer's SPECS with every field but the code optional here: a file may update
    some fields of stored rows; what a new row needs is checked once it is known to be new
    (`required_missing`). The snapped fields are filled later; the English name and the
    source are defaulted (a department's file rarely has them)."""
    return [fld if fld.name == "code" or fld.optional else Field(fld.name, fld.check,
                                                                   optional=True)
            for fld in SPECS[layer]]


def required_missing(layer: str, rec: dict[str, Any]) -> list[str]:
    """The fields a new row of `layer` needs that `rec` lacks (the snapped ones excepted)."""
    return [fld.name for fld in SPECS[layer] if not fld.optional and rec.get(fld.name) is None
            and fld.name not in SNAPPED and fld.name not in SNAPPED.values()
            and fld.name != "source"
            and not (fld.name == "name_en" and rec.get("name_zh") is None)]  # one is enough


def _record(props: dict[str, Any], layer: str, rowno: int, profile: Profile,
            default_source: str, survey: Survey) -> dict[str, Any] | None:
    spec = _specs(layer)
    by_name = {fld.name: fld for fld in spec}
    rec: dict[str, Any] = {}
    for key, value in props.items():
        if _blank(value) or key not in by_name:
            continue
        value = profile.values.get(key, {}).get(value if not isinstance(value, str) else
                                                value.strip(), value)
        if key in ("substances", "inventory"):
            rec[key] = _children(value, key)
        else:
            rec[key] = _coerce(value, by_name[key])
    given = sorted(rec)
    if "name_zh" in rec:
        rec.setdefault("name_en", rec["name_zh"])
    rec["_default_source"] = default_source
    try:
        clean = f.clean(rec, spec)
    except FieldError as exc:
        survey.errors.append(Problem(rowno, exc.field, exc.message))
        return None
    clean["_default_source"] = rec["_default_source"]
    for key, child_spec in (("substances", SUBSTANCE), ("inventory", INVENTORY)):
        if key in clean:
            kids = []
            for j, kid in enumerate(clean[key]):
                try:
                    kids.append(f.clean(kid, child_spec))
                except FieldError as exc:
                    survey.errors.append(Problem(rowno, f"{key}[{j}].{exc.field}",
                                                 exc.message))
            names = [next(iter(k.values())) for k in kids]
            for dup in sorted({n for n in names if names.count(n) > 1}):
                survey.errors.append(Problem(rowno, key, f"{dup} is listed twice"))
            clean[key] = kids
    if layer == "interception_points" and clean["capacity_m3"] is None and (
            clean["holding_h"] is None) and {"capacity_m3", "holding_h"} & set(given):
        survey.errors.append(Problem(rowno, "capacity_m3", "capacity_m3 or holding_h is "
                                     "required"))
    clean["_given"] = given  # the fields the file holds (others keep their stored values)
    return clean


def read_survey(path: Path, layer: str, profile: Profile, *, crs: str | None = None,
                limits: Limits | None = None, label: str | None = None) -> Survey:
    """Read, map and validate a survey file (raises `ImportRejected` for a file that cannot
    be imported at all; row problems are collected in `Survey.errors`)."""
    layer = resolve_layer(layer)
    with opened(path, limits or Limits()) as inner:
        raw = read_raw(inner, prefer=[k for k, v in LAYERS.items() if v == layer])
    src_crs, gcj = _crs_of(raw, crs or profile.crs)
    assert src_crs is not None
    name = "GCJ-02 (converted to WGS84)" if gcj else (
        f"EPSG:{src_crs.to_epsg()}" if src_crs.to_epsg() else src_crs.name)
    survey = Survey(layer, raw.fmt, raw.encoding, name)
    columns = {str(k): v for k, v in profile.columns.items()}
    frame = raw.frame.rename(columns=lambda c: columns.get(str(c), str(c)))
    known = {fld.name for fld in SPECS[layer]} | {"lon", "lat"}
    survey.ignored_columns = [str(c) for c in frame.columns if c not in known]
    pts, deg = _to_wgs84(_points(raw, columns, survey), src_crs, gcj)
    seen: dict[str, int] = {}
    lo_x, lo_y, hi_x, hi_y = CHINA_BOX
    for i, props in enumerate(frame.to_dict("records")):
        rowno = i + raw.first_row
        if pts[i] is None:
            continue
        lon, lat = pts[i]
        if not (lo_x <= lon <= hi_x and lo_y <= lat <= hi_y):
            survey.errors.append(Problem(rowno, "geometry", f"({lon:.5f}, {lat:.5f}) is "
                                         "outside China: wrong CRS or swapped lon/lat?"))
            continue
        rec = _record(props, layer, rowno, profile, f"import: {label or path.name}", survey)
        if rec is None:
            continue
        if rec["code"] in seen:
            survey.errors.append(Problem(rowno, "code", f"duplicate code {rec['code']!r} "
                                         f"(also row {seen[rec['code']]})"))
            continue
        seen[rec["code"]] = rowno
        survey.rows.append(SurveyRow(rowno, rec, lon, lat, deg[i]))
    return survey

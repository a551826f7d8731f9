"""Read and validate a dataset directory into plain records, before any database write.

`read_dataset(dir)` returns a `Dataset` with one list of clean records per layer present,
or raises `DatasetInvalid` listing every problem as (file, feature, field, message).
References between layers are checked here too; codes of layers absent from the directory
can be supplied by the caller (the database's current codes).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pyproj import Geod
from shapely.geometry import MultiPolygon, shape
from shapely.geometry.base import BaseGeometry

from webgis.dataset import fields as f
from webgis.dataset.fields import Field, FieldError
from webgis.errors import DataError, WebgisError

GEOD = Geod(ellps="WGS84")
MAX_ERRORS = 50

POLLUTANT_CLASSES = (
    "heavy_metal", "metalloid", "oil", "volatile_organic", "organic", "acid_alkali",
    "cyanide", "nutrient", "oxygen_demand", "other",
)
PHASES = ("report", "assess", "contain", "treat", "monitor", "recover")
LEVELS = ("I", "II", "III", "IV")
TECHNIQUES = ("intercept", "divert", "dose", "boom", "absorb", "store", "dilute", "cofferdam")

NAMES = [Field("name_zh", f.text), Field("name_en", f.text)]
SOURCE = Field("source", f.text)
ON_REACH = [Field("reach", f.code), Field("measure", f.fraction)]

SPECS: dict[str, list[Field]] = {
    "pollutants": [
        Field("code", f.code), *NAMES, Field("cas", f.any_text, optional=True),
        Field("pclass", f.one_of(POLLUTANT_CLASSES)),
        Field("limit_class2_mgl", f.positive, optional=True),
        Field("limit_class3_mgl", f.positive, optional=True),
        Field("limit_source_mgl", f.positive, optional=True),
        Field("limit_source_table", f.one_of((2, 3)), optional=True),
        Field("limit_basis", f.any_text, optional=True, default=""),
        Field("behaviour", f.one_of(("dissolves", "floats", "sinks", "volatile"))),
        Field("decay_per_day", f.non_negative, optional=True, default=0.0),
        Field("volatilisation_m_per_day", f.non_negative, optional=True, default=0.0),
        Field("solubility_mgl", f.positive, optional=True),
        Field("species_zh", f.any_text, optional=True),
        Field("species_en", f.any_text, optional=True),
        Field("species_factor", f.positive, optional=True, default=1.0),
        Field("techniques_zh", f.any_text, optional=True),
        Field("techniques_en", f.any_text, optional=True),
        SOURCE,
    ],
    "materials": [
        Field("code", f.code), *NAMES, Field("unit", f.text),
        Field("serves", f.list_of(f.one_of(POLLUTANT_CLASSES)), optional=True, default=[]),
        Field("source", f.any_text, optional=True, default=""),
    ],
    "admin_areas": [
        Field("adcode", f.code), *NAMES,
        Field("level", f.one_of(("province", "prefecture", "new_district"))),
        Field("parent_adcode", f.code, optional=True), SOURCE,
    ],
    "places": [
        Field("code", f.code), *NAMES,
        Field("kind", f.one_of(("capital", "prefecture_seat", "county_seat", "town"))),
        Field("adcode", f.code, optional=True), Field("note", f.any_text, optional=True),
        SOURCE,
    ],
    "rivers": [
        Field("code", f.code), *NAMES, Field("basin", f.one_of(("yellow", "yangtze", "inland"))),
        Field("receiving_code", f.code, optional=True),
        Field("receiving_name_zh", f.any_text, optional=True),
        Field("is_key", f.boolean),
        Field("plan_batch", f.number(1, 2, integer=True), optional=True),
        Field("length_km", f.positive, optional=True),
        # published length of the modelled course (check-data holds the reaches to it)
        Field("modelled_length_km", f.positive, optional=True),
        Field("length_source", f.any_text, optional=True), SOURCE,
    ],
    "reaches": [
        Field("code", f.code), Field("river_code", f.code),
        Field("downstream_code", f.code, optional=True),
        Field("end_kind", f.one_of(("outlet", "terminal_lake")), optional=True),
        Field("discharge_m3s", f.positive),
        Field("factor_dry", f.positive), Field("factor_normal", f.positive),
        Field("factor_flood", f.positive),
        Field("velocity_mps", f.number(0, 10, lo_open=True), optional=True),
        Field("width_m", f.number(0, 10000, lo_open=True), optional=True),
        Field("depth_m", f.number(0, 500, lo_open=True), optional=True),
        Field("slope", f.number(0, 1, lo_open=True), optional=True),
        # hydraulic length (the real river's, longer than a schematic line); default: drawn
        Field("length_m", f.positive, optional=True),
        Field("is_reservoir", f.boolean, optional=True, default=False),
        Field("reservoir_name_zh", f.any_text, optional=True),
        Field("volume_m3", f.non_negative, optional=True),
        Field("province", f.code, optional=True), SOURCE,
    ],
    "depots": [
        Field("code", f.code), *NAMES, Field("kind", f.one_of(("provincial", "basin"))),
        Field("status", f.one_of(("operational", "planned", "under_construction"))),
        Field("operator", f.any_text, optional=True, default=""),
        Field("address", f.any_text, optional=True, default=""),
        Field("adcode", f.code, optional=True),
        Field("contact_name", f.any_text, optional=True, default=""),
        Field("contact_phone", f.any_text, optional=True, default=""),
        Field("fictitious_contact", f.boolean, optional=True, default=True), SOURCE,
        Field("inventory", f.list_of(lambda v: v), optional=True, default=[]),
    ],
    "teams": [
        Field("code", f.code), *NAMES, Field("base", f.any_text, optional=True, default=""),
        Field("adcode", f.code, optional=True),
        Field("headcount", f.number(0, 100000, integer=True)),
        Field("specialities", f.list_of(f.text), optional=True, default=[]),
        Field("equipment", f.list_of(f.text), optional=True, default=[]),
        Field("contact_name", f.any_text, optional=True, default=""),
        Field("contact_phone", f.any_text, optional=True, default=""),
        Field("fictitious_contact", f.boolean, optional=True, default=True), SOURCE,
    ],
    "enterprises": [
        Field("code", f.code), *NAMES, Field("industry", f.text),
        Field("risk_level", f.one_of(("major", "larger", "general"))),
        Field("plan_filed", f.boolean), Field("fictitious", f.boolean, optional=True,
                                              default=True),
        Field("adcode", f.code, optional=True),
        Field("outfall_reach", f.code), Field("outfall_measure", f.fraction), SOURCE,
        Field("substances", f.list_of(lambda v: v), optional=True, default=[]),
    ],
    "water_sources": [
        Field("code", f.code), *NAMES, *ON_REACH,
        Field("population_served", f.number(0, 1e8, integer=True)),
        Field("serves", f.one_of(("city", "county", "township"))),
        Field("serves_name_zh", f.any_text, optional=True, default=""),
        Field("bank", f.one_of(("left", "right")), optional=True), SOURCE,
    ],
    "sections": [
        Field("code", f.code), *NAMES, *ON_REACH,
        Field("level", f.one_of(("state", "province"))),
        Field("target_class", f.number(1, 5, integer=True)),
        Field("is_exit", f.boolean, optional=True, default=False),
        Field("boundary", f.any_text, optional=True), SOURCE,
    ],
    "interception_points": [
        Field("code", f.code), *NAMES, *ON_REACH,
        Field("kind", f.one_of(("dam", "hydropower", "sluice", "reservoir", "bridge", "pond",
                                "shoal", "weir", "cofferdam_site"))),
        Field("capacity_m3", f.non_negative, optional=True),
        Field("holding_h", f.non_negative, optional=True),
        Field("techniques", f.list_of(f.one_of(TECHNIQUES)), optional=True, default=[]),
        Field("access", f.any_text, optional=True, default=""),
        Field("access_road_km", f.non_negative, optional=True), SOURCE,
    ],
}

INVENTORY = [Field("material", f.code), Field("quantity", f.non_negative)]
SUBSTANCE = [Field("pollutant", f.code), Field("max_t", f.non_negative)]
PLAN = [
    Field("river_code", f.code), Field("title_zh", f.text), Field("title_en", f.text),
    Field("version", f.any_text, optional=True, default=""), SOURCE,
    Field("risk_summary_zh", f.any_text, optional=True, default=""),
    Field("risk_summary_en", f.any_text, optional=True, default=""),
    Field("sensitive_points", f.list_of(lambda v: v), optional=True, default=[]),
    Field("interception_points", f.list_of(f.code), optional=True, default=[]),
    Field("contacts", f.list_of(lambda v: v), optional=True, default=[]),
    Field("steps", f.list_of(lambda v: v)),
]
STEP = [
    Field("phase", f.one_of(PHASES)), Field("order", f.number(1, 10000, integer=True)),
    Field("text_zh", f.text), Field("text_en", f.any_text, optional=True, default=""),
    Field("responsible", f.any_text, optional=True, default=""),
    Field("due_min", f.number(0, 525600, integer=True), optional=True),
    Field("classes", f.list_of(f.one_of(POLLUTANT_CLASSES)), optional=True, default=[]),
    Field("min_level", f.one_of(LEVELS), optional=True),
]

# file (relative to the dataset dir), layer, geometry types allowed (None: no geometry)
FILES: list[tuple[str, str, tuple[str, ...] | None]] = [
    ("pollutants.yaml", "pollutants", None),
    ("materials.yaml", "materials", None),
    ("admin/admin_areas.geojson", "admin_areas", ("Polygon", "MultiPolygon")),
    ("admin/places.geojson", "places", ("Point",)),
    ("rivers/rivers.yaml", "rivers", None),
    ("rivers/reaches.geojson", "reaches", ("LineString",)),
    ("depots/depots.geojson", "depots", ("Point",)),
    ("teams/teams.geojson", "teams", ("Point",)),
    ("enterprises/enterprises.geojson", "enterprises", ("Point",)),
    ("receptors/water_sources.geojson", "water_sources", ("Point",)),
    ("receptors/sections.geojson", "sections", ("Point",)),
    ("receptors/interception_points.geojson", "interception_points", ("Point",)),
]
PLANS_DIR = "plans"
LAYER_ORDER = [layer for _, layer, _ in FILES] + ["plans"]
RECEPTOR_LAYERS = ("water_sources", "sections", "interception_points")


@dataclass
class Dataset:
    """Clean records per layer present, and a content hash per layer."""

    root: Path
    layers: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    hashes: dict[str, str] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)

    def codes(self, layer: str) -> set[str]:
        key = "adcode" if layer == "admin_areas" else (
            "river_code" if layer == "plans" else "code")
        return {r[key] for r in self.layers.get(layer, [])}


class DatasetInvalid(WebgisError):
    """Every problem found, each naming the file, the feature and the field."""

    code = "data_invalid"

    def __init__(self, errors: list[DataError]):
        self.errors = errors
        more = "" if len(errors) < MAX_ERRORS else f"\n(stopped after {MAX_ERRORS} errors)"
        super().__init__("\n".join(str(e) for e in errors) + more)


class _Collector:
    def __init__(self) -> None:
        self.errors: list[DataError] = []

    def add(self, file: str, feature: Any, fld: str | None, message: str) -> None:
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(DataError(file, feature, fld, message))

    @property
    def full(self) -> bool:
        return len(self.errors) >= MAX_ERRORS


def _sha256(paths: Iterable[Path]) -> str:
    h = hashlib.sha256()
    for p in paths:
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def _load_file(path: Path, rel: str, errors: _Collector) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        errors.add(rel, None, None, f"cannot read: {exc}")
        return None
    try:
        return json.loads(text) if path.suffix == ".geojson" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        errors.add(rel, None, None, f"not valid {'JSON' if path.suffix == '.geojson' else 'YAML'}:"
                   f" {exc}")
        return None


def _geometry(raw: Any, allowed: tuple[str, ...]) -> BaseGeometry:
    if not isinstance(raw, dict) or raw.get("type") not in allowed:
        got = raw.get("type") if isinstance(raw, dict) else raw
        raise ValueError(f"must be a {' or '.join(allowed)}, got {got!r}")
    try:
        geom = shape(raw)
    except Exception as exc:  # shapely raises several types for malformed coordinates
        raise ValueError(f"malformed coordinates: {exc}") from None
    if geom.is_empty:
        raise ValueError("is empty")
    minx, miny, maxx, maxy = geom.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise ValueError(f"coordinates out of lon/lat range: bounds {geom.bounds}")
    if not geom.is_valid:
        from shapely.validation import explain_validity

        raise ValueError(f"invalid geometry: {explain_validity(geom)}")
    if geom.geom_type == "LineString" and geom.length == 0:
        raise ValueError("line has zero length")
    if geom.geom_type == "Polygon":
        geom = MultiPolygon([geom])
    return geom


def _records(data: Any, rel: str, allowed: tuple[str, ...] | None, errors: _Collector):
    """(feature label, properties, geometry) for each record of a file."""
    if allowed is None:
        if not isinstance(data, list):
            errors.add(rel, None, None, "must be a YAML list of records")
            return
        for i, rec in enumerate(data):
            label = rec.get("code", i) if isinstance(rec, dict) else i
            yield label, rec, None
        return
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection" or not isinstance(
            data.get("features"), list):
        errors.add(rel, None, None, "must be a GeoJSON FeatureCollection with a features list")
        return
    for i, feat in enumerate(data["features"]):
        props = feat.get("properties") if isinstance(feat, dict) else None
        if not isinstance(props, dict):
            errors.add(rel, i, "properties", "feature must be an object with properties")
            continue
        label = props.get("code") or props.get("adcode") or i
        try:
            geom = _geometry(feat.get("geometry"), allowed)
        except ValueError as exc:
            errors.add(rel, label, "geometry", str(exc))
            continue
        yield label, props, geom


def _clean_children(rel, label, rec, key, spec, errors) -> list[dict[str, Any]]:
    out = []
    for j, child in enumerate(rec.get(key) or []):
        try:
            out.append(f.clean(child, spec))
        except FieldError as exc:
            errors.add(rel, label, f"{key}[{j}].{exc.field}", exc.message)
        except ValueError as exc:
            errors.add(rel, label, f"{key}[{j}]", str(exc))
    return out


def _read_layer(root: Path, rel: str, layer: str, allowed, errors: _Collector):
    data = _load_file(root / rel, rel, errors)
    if data is None:
        return None
    records: list[dict[str, Any]] = []
    seen: set[str] = set()
    key = "adcode" if layer == "admin_areas" else "code"
    for label, props, geom in _records(data, rel, allowed, errors):
        try:
            rec = f.clean(props, SPECS[layer])
        except FieldError as exc:
            errors.add(rel, label, exc.field, exc.message)
            continue
        except ValueError as exc:
            errors.add(rel, label, None, str(exc))
            continue
        if rec[key] in seen:
            errors.add(rel, label, key, f"duplicate code {rec[key]!r}")
            continue
        seen.add(rec[key])
        if layer == "depots":
            rec["inventory"] = _clean_children(rel, label, rec, "inventory", INVENTORY, errors)
        if layer == "enterprises":
            rec["substances"] = _clean_children(rel, label, rec, "substances", SUBSTANCE, errors)
        if geom is not None:
            rec["geom"] = geom
        if layer == "reaches":
            drawn = GEOD.geometry_length(geom)
            rec["drawn_length_m"] = drawn
            if rec["length_m"] is None:
                rec["length_m"] = drawn
            elif rec["length_m"] < 0.99 * drawn:
                errors.add(rel, label, "length_m", f"hydraulic length {rec['length_m']:.0f} m is "
                           f"shorter than the drawn line ({drawn:.0f} m)")
            if rec["is_reservoir"] and rec["volume_m3"] is None:
                errors.add(rel, label, "volume_m3", "is required when is_reservoir is true")
            if rec["end_kind"] and rec["downstream_code"]:
                errors.add(rel, label, "end_kind", "only a reach without downstream_code ends")
        if layer == "interception_points" and rec["capacity_m3"] is None and (
                rec["holding_h"] is None):
            errors.add(rel, label, "capacity_m3", "capacity_m3 or holding_h is required")
        records.append(rec)
    return records


def _read_plans(root: Path, errors: _Collector) -> list[dict[str, Any]] | None:
    plan_dir = root / PLANS_DIR
    if not plan_dir.is_dir():
        return None
    plans = []
    for path in sorted(plan_dir.glob("*.yaml")):
        rel = f"{PLANS_DIR}/{path.name}"
        data = _load_file(path, rel, errors)
        if data is None:
            continue
        try:
            plan = f.clean(data, PLAN)
        except FieldError as exc:
            errors.add(rel, path.stem, exc.field, exc.message)
            continue
        except ValueError as exc:
            errors.add(rel, path.stem, None, str(exc))
            continue
        if plan["river_code"] != path.stem:
            errors.add(rel, path.stem, "river_code",
                       f"must match the file name ({path.stem}), got {plan['river_code']!r}")
        plan["steps"] = _clean_children(rel, path.stem, data, "steps", STEP, errors)
        keys = [(s["phase"], s["order"]) for s in plan["steps"]]
        if len(keys) != len(set(keys)):
            errors.add(rel, path.stem, "steps", "two steps share a phase and order")
        plan["file"] = rel
        plans.append(plan)
    return plans


def _check_references(ds: Dataset, known: dict[str, set[str]], errors: _Collector) -> None:
    def codes(layer: str) -> set[str]:
        return ds.codes(layer) if layer in ds.layers else known.get(layer, set())

    def need(layer_of_record, rec_label, fld, value, target_layer):
        if value is not None and value not in codes(target_layer):
            errors.add(ds.files[layer_of_record], rec_label, fld,
                       f"refers to unknown {target_layer} code {value!r}")

    for rec in ds.layers.get("rivers", []):
        need("rivers", rec["code"], "receiving_code", rec["receiving_code"], "rivers")
    for rec in ds.layers.get("reaches", []):
        need("reaches", rec["code"], "river_code", rec["river_code"], "rivers")
        need("reaches", rec["code"], "downstream_code", rec["downstream_code"], "reaches")
        if rec["downstream_code"] == rec["code"]:
            errors.add(ds.files["reaches"], rec["code"], "downstream_code", "points to itself")
    for rec in ds.layers.get("depots", []):
        for j, row in enumerate(rec["inventory"]):
            need("depots", rec["code"], f"inventory[{j}].material", row["material"], "materials")
    for rec in ds.layers.get("enterprises", []):
        need("enterprises", rec["code"], "outfall_reach", rec["outfall_reach"], "reaches")
        for j, row in enumerate(rec["substances"]):
            need("enterprises", rec["code"], f"substances[{j}].pollutant", row["pollutant"],
                 "pollutants")
    for layer in RECEPTOR_LAYERS:
        for rec in ds.layers.get(layer, []):
            need(layer, rec["code"], "reach", rec["reach"], "reaches")
    receptor_codes = set().union(*(codes(layer) for layer in RECEPTOR_LAYERS))
    for plan in ds.layers.get("plans", []):
        rel = plan["file"]
        if plan["river_code"] not in codes("rivers"):
            errors.add(rel, plan["river_code"], "river_code",
                       f"refers to unknown rivers code {plan['river_code']!r}")
        for j, ip in enumerate(plan["interception_points"]):
            if ip not in codes("interception_points"):
                errors.add(rel, plan["river_code"], f"interception_points[{j}]",
                           f"refers to unknown interception_points code {ip!r}")
        for j, sp in enumerate(plan["sensitive_points"]):
            sp_code = sp.get("code") if isinstance(sp, dict) else None
            if sp_code not in receptor_codes:
                errors.add(rel, plan["river_code"], f"sensitive_points[{j}].code",
                           f"refers to unknown receptor code {sp_code!r}")


def read_dataset(root: Path | str, known: dict[str, set[str]] | None = None) -> Dataset:
    """Read and validate every layer file present under `root`; all-or-nothing."""
    root = Path(root)
    errors = _Collector()
    if not root.is_dir():
        raise DatasetInvalid([DataError(str(root), None, None, "is not a directory")])
    ds = Dataset(root)
    for rel, layer, allowed in FILES:
        path = root / rel
        if not path.exists():
            continue
        records = _read_layer(root, rel, layer, allowed, errors)
        if records is not None:
            ds.layers[layer] = records
            ds.hashes[layer] = _sha256([path])
            ds.files[layer] = rel
    plans = _read_plans(root, errors)
    if plans is not None:
        ds.layers["plans"] = plans
        ds.hashes["plans"] = _sha256(sorted((root / PLANS_DIR).glob("*.yaml")))
        ds.files["plans"] = PLANS_DIR
    if not ds.layers and not errors.errors:
        errors.add(str(root), None, None, "holds no dataset file (see docs/data-format.md)")
    if not errors.full:
        _check_references(ds, known or {}, errors)
    if errors.errors:
        raise DatasetInvalid(errors.errors)
    return ds

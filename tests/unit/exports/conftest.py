"""A sheet context from the sample analysis (tests/fixtures/analysis_sample.json) and the
bundled dataset files — no database."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from webgis.exports.context import MapLayers, SheetContext

ROOT = Path(__file__).resolve().parents[3]
SAMPLE = ROOT / "tests" / "fixtures" / "analysis_sample.json"
DATA = ROOT / "data"


def _features(rel: str) -> list[dict]:
    return json.loads((DATA / rel).read_text(encoding="utf-8"))["features"]


def _sites(rel: str) -> dict[str, dict]:
    out = {}
    for f in _features(rel):
        p = f["properties"]
        lon, lat = f["geometry"]["coordinates"]
        out[p["code"]] = {"code": p["code"], "name": p["name_zh"], "name_en": p["name_en"],
                          "lon": lon, "lat": lat, "contact_name": p.get("contact_name", ""),
                          "contact_phone": p.get("contact_phone", ""),
                          "fictitious_contact": p.get("fictitious_contact", True)}
    return out


@pytest.fixture(scope="session")
def sample() -> dict:
    return json.loads(SAMPLE.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def base_layers() -> MapLayers:
    box = (104.0, 32.0, 107.5, 35.5)

    def near(geom) -> bool:
        coords = json.dumps(geom["coordinates"])
        nums = [float(x) for x in coords.replace("[", " ").replace("]", " ").split(",")
                if x.strip()]
        xs, ys = nums[0::2], nums[1::2]
        return min(xs) < box[2] and max(xs) > box[0] and min(ys) < box[3] and max(ys) > box[1]

    admin = [{"name": f["properties"]["name_zh"], "level": f["properties"]["level"],
              "geometry": f["geometry"]} for f in _features("admin/admin_areas.geojson")
             if f["properties"]["level"] in ("province", "prefecture") and near(f["geometry"])]
    rivers = [{"name": f["properties"].get("name_zh"), "discharge_m3s":
               f["properties"].get("discharge_m3s"), "geometry": f["geometry"]}
              for f in _features("rivers/reaches.geojson") if near(f["geometry"])]
    places = [{"name": f["properties"]["name_zh"], "kind": f["properties"]["kind"],
               "lon": f["geometry"]["coordinates"][0], "lat": f["geometry"]["coordinates"][1]}
              for f in _features("admin/places.geojson")
              if f["properties"]["kind"] != "town"]
    return MapLayers(admin=admin, rivers=rivers, places=places)


@pytest.fixture(scope="session")
def interception_details() -> dict:
    out = {}
    for f in _features("receptors/interception_points.geojson"):
        p = f["properties"]
        out[p["code"]] = {"type": p["kind"], "techniques": p["techniques"],
                          "access": p["access"], "access_road_km": p.get("access_road_km"),
                          "capacity_m3": p.get("capacity_m3"), "holding_h": p.get("holding_h"),
                          "name_en": p["name_en"]}
    return out


def make_ctx(sample, layers, details, lang="zh", **kw) -> SheetContext:
    return SheetContext(
        result=sample, request=sample["request"], incident_id=kw.pop("incident_id", 42),
        officer=kw.pop("officer", "王值班"), link="http://127.0.0.1:5000/incidents/42",
        lang=lang, generated_at=datetime(2026, 3, 14, 2, 0, tzinfo=UTC), layers=layers,
        depot_sites=_sites("depots/depots.geojson"), team_sites=_sites("teams/teams.geojson"),
        interception_details=details, contacts=sample["plan"].get("contacts", []),
        sensitive_notes={"WS-JL-LUEYANG": "下游：略阳县集中式饮用水水源取水口"}, **kw,
    )


@pytest.fixture(scope="session")
def ctx(sample, base_layers, interception_details) -> SheetContext:
    return make_ctx(sample, base_layers, interception_details)


@pytest.fixture(scope="session")
def ctx_en(sample, base_layers, interception_details) -> SheetContext:
    return make_ctx(sample, base_layers, interception_details, lang="en")


@pytest.fixture(scope="session")
def pdf_zh(ctx) -> bytes:
    from webgis.exports.pdf import build_pdf

    return build_pdf(ctx)

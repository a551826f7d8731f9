"""GeoJSON, KML and GPX read back: counts match the analysis, Chinese names survive."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import gpxpy

from webgis.exports import gis

KML_NS = {"k": "http://www.opengis.net/kml/2.2"}
KINDS = {"water_source", "section", "interception", "confluence", "boundary"}


def test_geojson(ctx, sample):
    doc = json.loads(gis.geojson(ctx).decode("utf-8"))
    assert doc["type"] == "FeatureCollection"
    by_layer: dict[str, list] = {}
    for f in doc["features"]:
        by_layer.setdefault(f["properties"]["layer"], []).append(f)
    assert len(by_layer["incident"]) == 1
    assert len(by_layer["path"]) == len(sample["path"]["features"])
    assert len(by_layer["receptor"]) == len(sample["receptors"])
    names = {f["properties"]["name"] for f in by_layer["receptor"]}
    assert "略阳县城嘉陵江取水口" in names
    assert len(by_layer["depot"]) == len(sample["depots"])
    assert all(f["geometry"] for f in by_layer["depot"])  # sites from the depot layer
    assert "太石河" in gis.geojson(ctx).decode("utf-8")  # not \\u-escaped


def test_kml(ctx, sample):
    raw = gis.kml(ctx)
    root = ET.fromstring(raw)
    folders = {f.findtext("k:name", namespaces=KML_NS): f
               for f in root.iter("{http://www.opengis.net/kml/2.2}Folder")}
    receptors = folders["敏感点"].findall("k:Placemark", KML_NS)
    assert len(receptors) == len(sample["receptors"])
    names = [p.findtext("k:name", namespaces=KML_NS) for p in receptors]
    assert any("略阳县城嘉陵江取水口" in n for n in names)
    lines = folders["污染团路径"].findall("k:Placemark", KML_NS)
    assert len(lines) == len(sample["path"]["features"])
    assert root.find(".//k:Style/k:LineStyle/k:color", KML_NS) is not None  # styled
    coords = receptors[0].findtext(".//k:coordinates", namespaces=KML_NS).strip()
    lon, lat = map(float, coords.split(",")[:2])
    first = sorted(sample["receptors"], key=lambda r: r["river_km"])[0]
    assert (lon, lat) == (first["lon"], first["lat"])


def test_gpx(ctx, sample):
    g = gpxpy.parse(gis.gpx(ctx).decode("utf-8"))
    receptor_wpts = [w for w in g.waypoints if w.type in KINDS]
    assert len(receptor_wpts) == len(sample["receptors"])
    kinds = {w.type for w in receptor_wpts}
    assert {"water_source", "interception"} <= kinds
    assert any("略阳县城嘉陵江取水口" in w.name for w in receptor_wpts)
    assert sum(w.type == "incident" for w in g.waypoints) == 1
    assert len(g.routes) == 1
    route = g.routes[0].points
    assert len(route) >= len(sample["path"]["features"])
    first = sample["path"]["features"][0]["geometry"]["coordinates"][0]
    assert (route[0].longitude, route[0].latitude) == (first[0], first[1])
    assert "太石河" in g.routes[0].name


def test_english_names(ctx_en):
    g = gpxpy.parse(gis.gpx(ctx_en).decode("utf-8"))
    assert any("Lueyang" in (w.name or "") for w in g.waypoints if w.type == "water_source")

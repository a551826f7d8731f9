"""The services' small pure rules, each expectation worked out by hand: the map layers'
simplification tolerance, the sheet's language, format and link, an incident's default
title and list row (issue 13: mutants of these survived)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from webgis.errors import NotFound, Unprocessable
from webgis.models.incident import Incident
from webgis.services import incidents, layers, sheet


@pytest.mark.parametrize(("zoom", "tolerance"), [
    (0, 0.5 * 360 / 256),            # half a pixel of a 256 px world
    (1, 0.5 * 360 / 512),
    (10, 0.5 * 360 / (256 * 1024)),
    (13, 0.5 * 360 / (256 * 8192)),
    (13.5, 0.5 * 360 / (256 * 2**13.5)),
])
def test_tolerance_is_half_a_pixel_below_zoom_14(zoom, tolerance):
    assert layers.tolerance_for_zoom(zoom) == pytest.approx(tolerance, rel=1e-12)


@pytest.mark.parametrize("zoom", [None, 14, 14.0, 18])
def test_no_simplification_from_zoom_14_or_without_zoom(zoom):
    assert layers.tolerance_for_zoom(zoom) is None


def test_an_unknown_layer_is_not_found_and_lists_the_known_ones():
    with pytest.raises(NotFound) as e:
        layers.get_layer("rivers2")
    assert e.value.fields == {"layer": "rivers2"}
    assert e.value.extra["layers"] == sorted(layers.LAYERS)
    assert "rivers2" in e.value.message
    assert layers.get_layer("rivers").name == "rivers"


def test_the_layers_and_which_are_spatial():
    assert set(layers.LAYERS) == {
        "admin_areas", "places", "rivers", "reaches", "pollutants", "materials", "depots",
        "teams", "enterprises", "water_sources", "sections", "interception_points", "plans"}
    flat = {n for n, layer in layers.LAYERS.items() if not layer.spatial}
    assert flat == {"pollutants", "materials", "plans"}


@pytest.mark.parametrize(("given", "lang"), [(None, "zh"), ("", "zh"), ("zh", "zh"),
                                              ("en", "en")])
def test_sheet_language(given, lang):
    assert sheet.check_lang(given) == lang


@pytest.mark.parametrize("bad", ["EN", "fr", "zh-CN"])
def test_an_unknown_sheet_language_names_the_field(bad):
    with pytest.raises(Unprocessable) as e:
        sheet.check_lang(bad)
    assert e.value.fields == {"lang": bad}
    assert e.value.message == "lang must be zh or en"


@pytest.mark.parametrize("fmt", ["pdf", "zip", "geojson", "kml", "gpx", "xlsx"])
def test_sheet_formats(fmt):
    assert sheet.check_format(fmt) == fmt


@pytest.mark.parametrize("bad", [None, "", "PDF", "docx"])
def test_an_unknown_sheet_format_names_the_field(bad):
    with pytest.raises(Unprocessable) as e:
        sheet.check_format(bad)
    assert e.value.fields == {"format": bad}
    assert e.value.message == "format must be one of pdf, zip, geojson, kml, gpx, xlsx"


@pytest.mark.parametrize(("base", "incident_id", "link"), [
    ("https://gis.example.cn", 7, "https://gis.example.cn/incidents/7"),
    ("https://gis.example.cn/", 7, "https://gis.example.cn/incidents/7"),
    ("https://gis.example.cn//", 12, "https://gis.example.cn/incidents/12"),
    ("https://gis.example.cn/", None, "https://gis.example.cn/"),
    ("", None, ""),
    (None, None, ""),
    ("", 3, "/incidents/3"),
])
def test_incident_link(base, incident_id, link):
    assert sheet.incident_link(base, incident_id) == link


@pytest.mark.parametrize(("result", "title"), [
    ({"snap": {"river_name": "黄河"}, "pollutant": {"name": "苯"}}, "黄河 苯"),
    ({"snap": {"river_name": "黄河"}}, "黄河"),
    ({"pollutant": {"name": "苯"}}, "苯"),
    ({"snap": None, "pollutant": None}, "incident"),
    ({}, "incident"),
])
def test_default_title(result, title):
    assert incidents.default_title(result) == title


def _incident() -> Incident:
    return Incident(id=41, kind="drill", title="演练", river_code="R1",
                    pollutant_code="BENZENE",
                    created_at=datetime(2026, 5, 1, 0, 40, tzinfo=UTC),
                    request={"location": {"lon": 103.5, "lat": 36.25}}, status="monitoring",
                    version=7, updated_at=datetime(2026, 5, 1, 3, 0, tzinfo=UTC))


def test_the_list_row_of_an_incident_for_a_signed_in_reader():
    assert incidents.summary(_incident(), "duty1", "III", show_names=True) == {
        "id": 41, "kind": "drill", "title": "演练",
        "created_at": "2026-05-01T00:40:00+00:00", "created_by": "duty1",
        "river_code": "R1", "pollutant_code": "BENZENE", "level": "III",
        "lon": 103.5, "lat": 36.25, "url": "/incidents/41",
        "sheet_url": "/incidents/41/sheet.pdf", "status": "monitoring", "version": 7,
        "updated_at": "2026-05-01T03:00:00+00:00"}


def test_the_list_row_hides_the_account_from_anonymous_readers():
    row = incidents.summary(_incident(), "duty1", None, show_names=False)
    assert "created_by" not in row
    assert row["level"] is None and row["id"] == 41


def test_a_row_without_a_creation_time():
    inc = _incident()
    inc.created_at = None
    assert incidents.summary(inc, None, "IV", show_names=True)["created_at"] is None

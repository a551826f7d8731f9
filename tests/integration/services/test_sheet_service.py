"""``webgis.services.sheet``: a saved incident's and a scenario's sheet context (who saved
it, its link, its language), the printed map's layers and frame, and the checks made before
any analysis runs (issue 13: mutants of the sheet service survived)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import incident_request
from webgis.errors import NotFound, Unprocessable
from webgis.services import analysis, incidents, sheet, users
from webgis.services.uow import reading

BODY = incident_request()
PASSWORD = "ten chars!"


@pytest.fixture
def ctx(app, session):
    analysis.recent.clear()
    with app.app_context():
        yield session


def _saved(display_name: str = "") -> int:
    users.create_user("sheet_u", "duty_officer", PASSWORD, display_name=display_name)
    uid = users.authenticate("sheet_u", PASSWORD).id
    return incidents.save_incident(BODY, kind="drill", title="演练一", user_id=uid,
                                   username="sheet_u")["id"]


@pytest.mark.parametrize(("display", "officer"), [("值班员王五", "值班员王五"), ("", "sheet_u")])
def test_a_saved_incident_names_its_officer(ctx, display, officer):
    iid = _saved(display)
    with reading() as s:
        c = sheet.context_for_incident(s, iid, lang="en", base_url="https://x.cn/")
        hidden = sheet.context_for_incident(s, iid, with_officer=False)
    assert c.officer == officer and hidden.officer == ""
    assert (c.incident_id, c.kind, c.title, c.lang) == (iid, "drill", "演练一", "en")
    assert c.link == f"https://x.cn/incidents/{iid}" and hidden.link == f"/incidents/{iid}"
    assert c.created_at is not None
    assert c.result == incidents.get_incident(iid, show_names=True)["result"]
    assert c.request["pollutant"] == "BENZENE"
    assert hidden.lang == "zh"


def test_an_unknown_incident_has_no_sheet(ctx):
    with reading() as s, pytest.raises(NotFound) as e:
        sheet.context_for_incident(s, 2**31 - 1)
    assert e.value.fields == {"id": 2**31 - 1}
    with pytest.raises(NotFound):
        sheet.incident_sheet(2**31 - 1, "geojson")


def test_a_scenario_context(ctx):
    with reading() as s:
        c = sheet.context_for_request(s, BODY, lang="en", base_url="https://x.cn",
                                      officer="王五", title="推演")
    assert (c.kind, c.officer, c.title, c.lang, c.link) == (
        "scenario", "王五", "推演", "en", "https://x.cn/")
    assert c.incident_id is None and c.created_at is not None
    assert c.request["release"]["mass_kg"] == 2000
    assert c.layers.rivers  # the base map was read


def test_the_map_frame_holds_the_plume_with_half_its_size_around(ctx, monkeypatch):
    seen = []
    real = sheet.read_layers

    def spy(session, bbox, lang="zh"):
        seen.append((bbox, lang))
        return real(session, bbox, lang)

    monkeypatch.setattr(sheet, "read_layers", spy)
    with reading() as s:
        c = sheet.context_for_request(s, BODY, lang="en")
    (bbox, lang), = seen
    assert lang == "en"
    r = c.result
    pts = [tuple(xy[:2]) for f in r["path"]["features"] for xy in f["geometry"]["coordinates"]]
    pts += [(x["lon"], x["lat"]) for x in r["receptors"] if x["lon"] is not None]
    pts += [(103.1, 35.92)]
    pts += [(d["lon"], d["lat"]) for d in r["depots"][:4]]
    pts += [(t["lon"], t["lat"]) for t in r["teams"][:3]]
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    pad = max(max(xs) - min(xs), max(ys) - min(ys), 0.2) * 0.5
    assert bbox == pytest.approx((min(xs) - pad, min(ys) - pad, max(xs) + pad, max(ys) + pad),
                                 abs=1e-9)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_printed_map_layers_in_the_language(ctx, lang):
    with reading() as s:
        lay = sheet.read_layers(s, (102.0, 35.0, 105.0, 37.5), lang)
        none = sheet.read_layers(s, (80.0, 20.0, 80.1, 20.1), lang)
    assert lay.rivers and lay.admin
    assert none.rivers == [] and none.admin == [] and none.places == []
    names = {r["name"] for r in lay.rivers}
    ascii_only = all(n is None or n.isascii() for n in names)
    assert ascii_only is (lang == "en")
    assert {a["level"] for a in lay.admin} <= {"province", "prefecture"}
    assert all(p["kind"] in ("capital", "prefecture_seat", "county_seat") for p in lay.places)
    assert all(r["geometry"]["type"] in ("LineString", "MultiLineString") for r in lay.rivers)
    # one line per reach, on its own river (reach codes are "<river>-<n>" in the fixture)
    assert sorted(r["code"] for r in lay.rivers) == ["MAIN-001", "MAIN-002", "MAIN-003",
                                                     "TRIB-001"]
    assert all(r["river_code"] == r["code"].split("-")[0] for r in lay.rivers)
    # a printed map needs 1e-5 degree (about 1 m), no more
    coords = [c for f in [*lay.rivers, *lay.admin] for c in _flat(f["geometry"]["coordinates"])]
    assert coords and all(round(c, 5) == c for c in coords)


def _flat(coords):
    if isinstance(coords, int | float):
        return [coords]
    return [c for x in coords for c in _flat(x)]


def test_a_scenario_sheet_as_geojson(ctx):
    out = sheet.scenario_sheet(BODY, "geojson", lang="zh")
    assert out.mimetype == "application/geo+json"
    assert out.filename.startswith("scenario-") and out.filename.endswith(".geojson")
    assert json.loads(out.data)["type"] == "FeatureCollection"
    iid = _saved()
    saved = sheet.incident_sheet(iid, "geojson", lang=None)
    assert saved.filename == f"incident-{iid}.geojson"


def test_format_and_language_are_checked_before_the_analysis(ctx, monkeypatch):
    def no_run(*a, **kw):
        raise AssertionError("analysed")

    monkeypatch.setattr(analysis, "run_incident", no_run)
    with pytest.raises(Unprocessable) as e:
        sheet.scenario_sheet(BODY, "docx")
    assert e.value.fields == {"format": "docx"}
    with pytest.raises(Unprocessable) as e:
        sheet.scenario_sheet(BODY, "pdf", lang="fr")
    assert e.value.fields == {"lang": "fr"}
    with pytest.raises(Unprocessable) as e:
        sheet.incident_sheet(1, "pdf", lang="fr")
    assert e.value.fields == {"lang": "fr"}

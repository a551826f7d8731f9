"""The README's worked example on the bundled data: an area screening around the
2023-12-18 Jishishan M6.2 epicentre (35.70°N, 102.79°E, 50 km) lists what lies inside and
what can reach Liujiaxia and Lanzhou's intake at Liujiaxia, and when (one season here, to
keep the test short; the README runs all three)."""

from __future__ import annotations

import pytest

from webgis.contract.screening import ScreeningRequest
from webgis.services import screening_jobs as jobs
from webgis.services import screening_results as results
from webgis.services.screening_engine import EngineSettings, close_local


@pytest.fixture(scope="module", autouse=True)
def _cluster():
    yield
    close_local()


def test_jishishan_area_screening(bundled_app):
    from webgis.extensions import db

    req = ScreeningRequest.model_validate({
        "seasons": ["flood"],
        "area": {"centre": {"lon": 102.79, "lat": 35.70}, "radius_km": 50,
                 "name": "2023-12-18 积石山 M6.2"}})
    with bundled_app.app_context():
        job = jobs.request_run(req, None)
        try:
            inside = job["parameters"]["inside"]
            assert "ENT-LX-013" in inside["enterprise_codes"]  # Jishishan county's WWTP
            assert {w["code"] for w in inside["wastewater_plants"]} >= {"ENT-LX-013"}
            assert inside["intakes"], "Linxia's intakes lie inside"
            if job["status"] == "queued":
                assert jobs.claim(job_id=job["id"]) == job["id"]
                job = jobs.execute(job["id"], EngineSettings(chunk_size=8))
            assert job["status"] == "done", job["error"]
            rows = results.reaching(job["id"], ["WS-HH-LANZHOU-LJX", "IP-HH-LIUJIAXIA"])
            threats = [r for r in rows if (r["ratio"] or 0) >= 1]
            lz = [r for r in threats if r["receptor_code"] == "WS-HH-LANZHOU-LJX"]
            assert {r["enterprise_code"] for r in lz} >= {"ENT-LX-009"}
            first = min(lz, key=lambda r: r["arrival_h"])
            dam = min((r for r in threats if r["receptor_code"] == "IP-HH-LIUJIAXIA"),
                      key=lambda r: r["arrival_h"])
            # the intake lies above the dam: the same release reaches it first
            assert 0 < first["arrival_h"] < dam["arrival_h"] < 72
            ranks = results.rankings(job["id"])
            assert ranks["intakes"][0]["threatening_sources"] >= 1
            assert any(r["code"] == "WS-HH-LANZHOU-LJX" for r in ranks["intakes"])
        finally:
            db.session.rollback()
            db.session.execute(db.text("DELETE FROM screening_job WHERE id = :i"),
                               {"i": job["id"]})
            db.session.commit()


def test_province_screening_ranks_and_exports_on_the_bundled_data(bundled_app):
    """Every enterprise storing cyanide, dry season: the rankings are ordered as the
    README says, persisted per receptor (population served at intakes), and exported."""
    import io

    from openpyxl import load_workbook

    from webgis.exports.screening import screening_xlsx
    from webgis.extensions import db

    req = ScreeningRequest.model_validate({"seasons": ["dry"],
                                           "pollutants": ["CYANIDE", "SODIUM_CYANIDE"]})
    with bundled_app.app_context():
        job = jobs.request_run(req, None)
        try:
            assert job["kind"] == "province" and job["spills_total"] > 10
            if job["status"] == "queued":
                jobs.claim(job_id=job["id"])
                job = jobs.execute(job["id"], EngineSettings(chunk_size=8))
            assert job["status"] == "done", job["error"]
            r = results.rankings(job["id"], limit=500)
            ents = r["enterprises"]
            assert len(ents) == len({e["enterprise_code"] for e in ents})
            keys = [(-e["population_threatened"], e["warning_h"] if e["warning_h"] is not None
                     else float("inf")) for e in ents]
            assert keys == sorted(keys)
            assert ents[0]["population_threatened"] > 0
            srcs = [i["threatening_sources"] for i in r["intakes"]]
            assert srcs == sorted(srcs, reverse=True) and srcs[0] >= 1
            assert all(i["population_served"] is not None for i in r["intakes"])
            assert [x["rank"] for x in r["rivers"]] == list(range(1, len(r["rivers"]) + 1))
            wb = load_workbook(io.BytesIO(screening_xlsx(r)))
            rows = list(wb["enterprises"].iter_rows(values_only=True))
            assert [row[1] for row in rows[1:]] == [e["enterprise_code"] for e in ents]
        finally:
            db.session.rollback()
            db.session.execute(db.text("DELETE FROM screening_job WHERE id = :i"),
                               {"i": job["id"]})
            db.session.commit()

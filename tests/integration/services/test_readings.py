"""Monitoring readings (issue 14 item 3) on real PostGIS: placed at sections, intakes and
snapped points, converted to mg/L, censored below detection, refused whole on any bad
value (counted: nothing stored), one event per write, version checked (or appended for a
station), removal for officers only, and observed against predicted with the skill."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import incident_request
from webgis.config import Settings
from webgis.contract.errors import parse
from webgis.contract.readings import ReadingIn
from webgis.errors import Conflict, Forbidden, Unprocessable
from webgis.models.incident import IncidentEvent, IncidentReading
from webgis.services import analysis, incidents, readings, readings_compare, users
from webgis.services.actor import Actor

BODY = incident_request()
START = datetime(2026, 5, 1, 0, 0, tzinfo=UTC)
NOW = datetime(2026, 5, 3, 0, 0, tzinfo=UTC)
PASSWORD = "ten chars!"
SETTINGS = Settings.from_environment()


@pytest.fixture
def people(app, session):
    analysis.recent.clear()
    with app.app_context():
        out = {}
        for name, role in (("rd_officer", "duty_officer"), ("rd_field", "field_team")):
            users.create_user(name, role, PASSWORD)
            out[role] = Actor(users.authenticate(name, PASSWORD).id, name, role)
        yield out
    analysis.recent.clear()


@pytest.fixture
def incident(people):
    officer = people["duty_officer"]
    return incidents.save_incident(BODY, kind="incident", title="读数", user_id=officer.id,
                                   username=officer.username, role=officer.role)


def _r(**kw) -> ReadingIn:
    base = {"station_kind": "section", "station_code": "SEC_A",
            "sampled_at": "2026-05-01T12:00:00+00:00", "value": 0.05}
    return parse(ReadingIn, {**base, **kw})


def _add(inc, actor, *rs, version=None, source="hand"):
    items = [(f"readings[{i}].", None, r) for i, r in enumerate(rs)]
    return readings.add_readings(inc["id"], items, expected_version=version, actor=actor,
                                 source=source, settings=SETTINGS, now=NOW)


def _count(session, inc_id, model=IncidentReading):
    return session.scalar(select(func.count()).select_from(model)
                          .where(model.incident_id == inc_id))


def test_section_intake_and_point_readings_are_placed_converted_and_logged(
        incident, people, session):
    officer = people["duty_officer"]
    out = _add(incident, officer,
               _r(value=50, unit="µg/L"),
               _r(station_kind="intake", station_code="WS_A", value="<0.002", unit="mg/L"),
               _r(station_kind="point", station_code=None, lon=103.25, lat=36.03,
                  value=0.2, qa_flag="suspect"),
               version=1)
    assert out["stored"] == 3 and out["version"] == 2
    sec, ws, pt = out["readings"]
    assert sec["value_mg_l"] == pytest.approx(0.05) and sec["reach_code"] == "MAIN-003"
    assert sec["station_name"] == "甲断面" and sec["snap_m"] == 0
    assert ws["below_detection"] and ws["value_mg_l"] == ws["detection_limit_mg_l"] == 0.002
    assert pt["station_kind"] == "point" and 0 < pt["snap_m"] < readings.SNAP_MAX_M
    assert pt["qa_flag"] == "suspect" and pt["pollutant_code"] == "BENZENE"
    stored = session.scalars(select(IncidentReading).where(
        IncidentReading.incident_id == incident["id"])).all()
    assert {x.sampled_at.tzinfo is not None for x in stored} == {True}
    [event] = session.scalars(select(IncidentEvent).where(
        IncidentEvent.incident_id == incident["id"], IncidentEvent.kind == "reading_entered"))
    assert event.payload["count"] == 3 and len(event.payload["reading_ids"]) == 3
    listed = readings.list_readings(incident["id"], show_names=True)
    assert len(listed["readings"]) == 3 and listed["readings"][0]["entered_by"] == "rd_officer"
    assert listed["readings"][-1]["snap_m"] == 0 or listed["readings"][-1]["snap_m"] > 0


@pytest.mark.parametrize(("bad", "field"), [
    ({"value": -0.1}, "value"),
    ({"unit": "ppm"}, "unit"),
    ({"station_code": "NO_SUCH"}, "station_code"),
    ({"station_kind": "point", "station_code": None, "lon": 104.9, "lat": 37.9}, "lon"),
    ({"station_kind": "point", "station_code": None}, "lon"),
    ({"sampled_at": "2026-04-30T12:00:00+00:00"}, "sampled_at"),  # before the release
    ({"sampled_at": "2026-05-03T01:00:00+00:00"}, "sampled_at"),  # ahead of NOW
    ({"pollutant": "NOT_A_POLLUTANT"}, "pollutant"),
    ({"value": "<0", "detection_limit": None}, "detection_limit"),
    ({"qa_flag": "great"}, "qa_flag"),
])
def test_a_bad_reading_in_a_batch_stores_nothing_and_names_its_field(
        incident, people, session, bad, field):
    officer = people["duty_officer"]
    with pytest.raises(Unprocessable) as err:
        _add(incident, officer, _r(), _r(**bad), version=1)
    assert f"readings[1].{field}" in err.value.fields or field in str(err.value.fields)
    assert _count(session, incident["id"]) == 0
    assert _count(session, incident["id"], IncidentEvent) == 1  # only "created"


def test_clock_tolerance_accepts_a_phone_a_little_ahead(incident, people):
    ahead = (NOW + timedelta(minutes=5)).isoformat()
    assert _add(incident, people["field_team"], _r(sampled_at=ahead), version=1)["stored"]


def test_a_stale_version_is_refused_and_a_station_appends_without_one(
        incident, people, session):
    field = people["field_team"]
    _add(incident, field, _r(), version=1)
    with pytest.raises(Conflict):
        _add(incident, field, _r(value=0.07), version=1)
    station = _add(incident, field, _r(value=0.08), version=None, source="station")
    assert station["version"] == 3 and station["readings"][0]["source"] == "station"
    assert _count(session, incident["id"]) == 2


def test_field_teams_cannot_remove_officers_can_and_the_timeline_keeps_it(
        incident, people, session):
    out = _add(incident, people["field_team"], _r(value=9.9), version=1)
    rid = out["readings"][0]["id"]
    with pytest.raises(Forbidden):
        readings.remove_reading(incident["id"], rid, expected_version=2,
                                actor=people["field_team"])
    gone = readings.remove_reading(incident["id"], rid, expected_version=2,
                                   actor=people["duty_officer"], reason="typo")
    assert gone["version"] == 3 and _count(session, incident["id"]) == 0
    ev = session.scalars(select(IncidentEvent).where(
        IncidentEvent.incident_id == incident["id"], IncidentEvent.kind == "reading_removed")
    ).one()
    assert ev.payload["reading"]["value_mg_l"] == 9.9 and ev.payload["reason"] == "typo"


def test_observed_against_predicted_states_arrival_error_and_peak_ratio(incident, people):
    detail = incidents.get_incident(incident["id"], show_names=True)
    sec = next(r for r in detail["result"]["receptors"] if r["code"] == "SEC_A")
    # readings that follow the forecast at SEC_A, 1 h late and at half its height
    curve = sec["curve"]
    peak_t, peak_c = max(curve, key=lambda p: p[1])
    times = [peak_t - 3, peak_t - 1, peak_t + 1, peak_t + 4]
    rs = []
    for t in times:
        c = max((p[1] for p in curve if abs(p[0] - (t - 1)) < 0.5), default=0.0) * 0.5
        when = (START + timedelta(hours=t)).isoformat()
        rs.append(_r(sampled_at=when, value=round(c, 6)))
    late = START + timedelta(hours=times[-1] + 1)
    readings.add_readings(incident["id"], [("", None, r) for r in rs], expected_version=1,
                          actor=people["duty_officer"], source="hand", settings=SETTINGS,
                          now=max(NOW, late))
    got = readings_compare.compare(incident["id"], SETTINGS)
    [st] = got["stations"]
    assert st["on_forecast"] and st["predicted"] == curve
    sk = st["skill"]
    assert sk["n_readings"] == 4 and sk["peak_bracketed"]
    assert sk["peak_ratio"] == pytest.approx(0.5, abs=0.15)
    assert sk["arrival_error_h"] is not None and sk["arrival_error_h"] > 0
    assert "arrival_error_h" in got["definitions"] and "peak_ratio" in got["definitions"]


def test_a_point_off_the_forecast_gets_its_curve_from_the_core_and_few_readings_say_so(
        incident, people):
    readings.add_readings(
        incident["id"],
        [("", None, _r(station_kind="point", station_code=None, lon=103.25, lat=36.03,
                       sampled_at="2026-05-01T20:00:00+00:00", value=0.01))],
        expected_version=1, actor=people["field_team"], source="hand", settings=SETTINGS,
        now=NOW)
    got = readings_compare.compare(incident["id"], SETTINGS)
    [st] = got["stations"]
    assert st["station_kind"] == "point" and not st["on_forecast"]
    assert st["predicted"] and max(p[1] for p in st["predicted"]) > 0
    assert st["skill"]["peak_ratio"] is None
    assert any("too few readings" in r for r in st["skill"]["reasons"])


def test_a_closed_incident_takes_no_more_readings(incident, people, session):
    from sqlalchemy import update

    from webgis.models.incident import Incident

    session.execute(update(Incident).where(Incident.id == incident["id"])
                    .values(status="closed"))
    with pytest.raises(Conflict):
        _add(incident, people["field_team"], _r(), version=None, source="station")
    assert _count(session, incident["id"]) == 0

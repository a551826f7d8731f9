"""The use cases of ``webgis.services`` (incidents, users and tokens, map layers, health)
called as the edge calls them, on the mini fixture; each expectation from the inputs
(issue 13: mutants of these services survived)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from webgis.errors import NotFound, Unprocessable
from webgis.models import User
from webgis.services import analysis, health, incidents, layers, users

BODY = {
    "location": {"lon": 103.1, "lat": 35.92},  # on the tributary, below the chemical plant
    "pollutant": "BENZENE",
    "release": {"mass_kg": 2000, "duration_h": 0},
    "started_at": "2026-05-01T08:00:00+08:00",
    "discovered_at": "2026-05-01T08:40:00+08:00",
}
PASSWORD = "ten chars!"  # exactly MIN_PASSWORD characters


@pytest.fixture
def ctx(app, session):
    analysis.recent.clear()
    with app.app_context():
        yield session
    analysis.recent.clear()


# --- incidents -----------------------------------------------------------------------------


def test_a_saved_incident_and_its_list_row(ctx):
    users.create_user("inc_saver", "duty_officer", PASSWORD)
    uid = users.authenticate("inc_saver", PASSWORD).id
    shown = incidents.analyse(BODY).result
    saved = incidents.save_incident(BODY, kind="drill", title=None, user_id=uid,
                                    username="inc_saver")
    title = f"{shown['snap']['river_name']} {shown['pollutant']['name']}"
    assert saved["title"] == title and saved["kind"] == "drill"
    assert saved["created_by"] == "inc_saver"
    assert saved["river_code"] == shown["snap"]["river_code"]
    assert saved["pollutant_code"] == "BENZENE"
    assert saved["level"] == shown["level"]["suggested"]
    assert (saved["lon"], saved["lat"]) == (103.1, 35.92)
    assert saved["url"] == f"/incidents/{saved['id']}"
    full = incidents.get_incident(saved["id"], show_names=True)
    assert full["created_by"] == "inc_saver"
    assert full["result"] == shown  # what the officer saw
    assert full["request"] == shown["request"]
    assert full["level"] == saved["level"] and full["title"] == title
    hidden = incidents.get_incident(saved["id"], show_names=False)
    assert "created_by" not in hidden and hidden["result"] == shown


def test_the_list_is_newest_first_and_hides_names_from_anonymous_readers(ctx):
    users.create_user("inc_lister", "duty_officer", PASSWORD)
    uid = users.authenticate("inc_lister", PASSWORD).id
    a = incidents.save_incident(BODY, kind="incident", title="第一", user_id=uid,
                                username="inc_lister")
    b = incidents.save_incident(BODY, kind="incident", title="第二", user_id=uid,
                                username="inc_lister")
    rows = incidents.list_incidents(2, show_names=True)
    assert [r["id"] for r in rows] == [b["id"], a["id"]]
    assert [r["title"] for r in rows] == ["第二", "第一"]
    assert all(r["created_by"] == "inc_lister" for r in rows)
    assert rows[0]["level"] == b["level"]
    assert [r["id"] for r in incidents.list_incidents(1, show_names=True)] == [b["id"]]
    anon = incidents.list_incidents(2, show_names=False)
    assert [r["id"] for r in anon] == [b["id"], a["id"]]
    assert all("created_by" not in r for r in anon)
    assert all("result" not in r for r in rows)


def test_an_unknown_incident_is_not_found(ctx):
    with pytest.raises(NotFound) as e:
        incidents.get_incident(2**31 - 1, show_names=True)
    assert e.value.fields == {"id": 2**31 - 1}


def test_saving_reuses_the_analysis_just_shown(ctx, monkeypatch):
    shown = incidents.analyse(BODY).json

    def no_second_run(*a, **kw):
        raise AssertionError("the analysis ran again")

    monkeypatch.setattr(analysis, "run_incident", no_second_run)
    saved = incidents.save_incident(BODY, kind="incident", title="t", user_id=None,
                                    username="x")
    assert incidents.get_incident(saved["id"], show_names=True)["result"] == \
        analysis.Analysis(shown).result
    # another request is not the one kept: it is analysed now
    other = {**BODY, "release": {"mass_kg": 3000, "duration_h": 0}}
    with pytest.raises(AssertionError, match="ran again"):
        incidents.save_incident(other, kind="incident", title="t", user_id=None,
                                username="x")


def test_saving_without_a_kept_analysis_runs_it(ctx):
    saved = incidents.save_incident(BODY, kind="incident", title="", user_id=None,
                                    username="x")
    full = incidents.get_incident(saved["id"], show_names=True)
    assert full["result"]["request"]["release"]["mass_kg"] == 2000
    assert full["created_by"] is None  # no account
    assert full["title"] == incidents.default_title(full["result"]) != "incident"


# --- users and tokens ----------------------------------------------------------------------


@pytest.mark.parametrize("role", list(users.ROLES))
def test_every_role_can_be_given(ctx, role):
    users.create_user(f"role_{role}", role, PASSWORD, display_name="某人")
    (row,) = [u for u in users.list_users() if u.username == f"role_{role}"]
    assert (row.role, row.active, row.has_token, row.token_valid) == (role, True, False, False)
    assert row.token_expires_at is None
    assert users.exists(f"role_{role}")


def test_an_unknown_role_a_short_password_a_taken_name(ctx):
    with pytest.raises(Unprocessable) as e:
        users.create_user("u_bad", "root", PASSWORD)
    assert e.value.fields == {"role": "root"}
    assert "admin, duty_officer, leader, planner, field_team" in e.value.message
    with pytest.raises(Unprocessable) as e:
        users.create_user("u_bad", "planner", PASSWORD[:-1])
    assert e.value.fields == {"password": "too short"}
    assert "10 characters" in e.value.message
    assert not users.exists("u_bad")
    users.create_user("u_bad", "planner", PASSWORD)
    with pytest.raises(users.UserExists) as e:
        users.create_user("u_bad", "admin", PASSWORD + "x")
    assert e.value.fields == {"username": "u_bad"}
    assert users.authenticate("u_bad", PASSWORD).role == "planner"


def test_a_token_lives_its_ttl(ctx):
    users.create_user("tok_ttl", "field_team", PASSWORD)
    before = datetime.now(UTC)
    token, expires = users.issue_token("tok_ttl", 2.5)
    after = datetime.now(UTC)
    assert before + timedelta(days=2.5) <= expires <= after + timedelta(days=2.5)
    assert users.user_for_token(token).username == "tok_ttl"
    (row,) = [u for u in users.list_users(now=expires - timedelta(seconds=1))
              if u.username == "tok_ttl"]
    assert row.has_token and row.token_valid and row.token_expires_at == expires
    (row,) = [u for u in users.list_users(now=expires) if u.username == "tok_ttl"]
    assert row.has_token and not row.token_valid
    # a new token replaces the old one
    token2, _ = users.issue_token("tok_ttl", 1)
    assert token2 != token
    assert users.user_for_token(token) is None
    assert users.user_for_token(token2).username == "tok_ttl"
    # an expired token does not sign in
    user = ctx.scalar(select(User).where(User.username == "tok_ttl"))
    user.token_expires_at = datetime.now(UTC) - timedelta(seconds=1)
    ctx.flush()
    assert users.user_for_token(token2) is None
    assert users.user_for_token("") is None


def test_revocation_says_what_it_did(ctx):
    users.create_user("tok_rev", "field_team", PASSWORD)
    assert users.revoke("tok_rev") == ["no API token", "all sessions ended"]
    token, _ = users.issue_token("tok_rev", 1)
    assert users.revoke("tok_rev", sessions=False) == ["API token revoked"]
    assert users.user_for_token(token) is None
    assert users.revoke("tok_rev", token=False) == ["all sessions ended"]
    assert users.revoke("tok_rev", token=False, sessions=False) == []
    with pytest.raises(Unprocessable) as e:
        users.revoke("nobody_here")
    assert e.value.fields == {"username": "nobody_here"}
    with pytest.raises(Unprocessable):
        users.issue_token("nobody_here", 1)


def test_sessions_end_on_revocation_and_sign_out(ctx):
    users.create_user("sess_u", "duty_officer", PASSWORD)
    user = users.authenticate("sess_u", PASSWORD)
    sid = user.get_id()
    uid, version = (int(x) for x in sid.split(":"))
    assert users.user_for_session(sid).username == "sess_u"
    assert users.user_for_session(f"{uid}:{version + 1}") is None
    users.end_sessions(uid)
    assert users.user_for_session(sid) is None
    assert users.user_for_session(f"{uid}:{version + 1}").username == "sess_u"
    users.revoke("sess_u", token=False)
    assert users.user_for_session(f"{uid}:{version + 1}") is None
    assert users.user_for_session(f"{uid}:{version + 2}").username == "sess_u"
    users.end_sessions(2**31 - 1)  # no such user: nothing to do


@pytest.mark.parametrize("sid", ["", "abc", "1", "1:", ":1", "1:x", "x:1", "-1:1",
                                 f"{2**31}:1", "1:1:1"])
def test_a_session_id_not_ours_names_no_user(ctx, sid):
    assert users.user_for_session(sid) is None


def test_an_inactive_account_signs_in_nowhere(ctx):
    users.create_user("inactive_u", "planner", PASSWORD)
    token, _ = users.issue_token("inactive_u", 1)
    user = users.authenticate("inactive_u", PASSWORD)
    sid = user.get_id()
    row = ctx.scalar(select(User).where(User.username == "inactive_u"))
    row.active = False
    ctx.flush()
    assert users.authenticate("inactive_u", PASSWORD) is None
    assert users.user_for_token(token) is None
    assert users.user_for_session(sid) is None


def test_authentication(ctx):
    users.create_user("auth_u", "planner", PASSWORD)
    assert users.authenticate("auth_u", PASSWORD).username == "auth_u"
    assert users.authenticate("auth_u", PASSWORD + "x") is None
    assert users.authenticate("auth_u", None) is None
    assert users.authenticate(None, PASSWORD) is None
    assert users.authenticate("nobody_auth", PASSWORD) is None


# --- map layers and health -----------------------------------------------------------------


def test_a_point_layer_with_its_reach_and_river(ctx):
    fc = layers.read_layer("interception_points")
    assert fc["type"] == "FeatureCollection" and fc["name"] == "interception_points"
    (f,) = [x for x in fc["features"] if x["id"] == "IP_A"]
    assert f["type"] == "Feature"
    assert f["geometry"] == {"type": "Point", "coordinates": [103.15, 36.0]}
    props = f["properties"]
    assert props["code"] == "IP_A"
    assert props["reach"] and props["river_code"]
    assert "reach_id" not in props and "id" not in props and "geom" not in props
    assert "__geojson" not in props
    assert layers.read_feature("interception_points", "IP_A") == f


def test_the_bbox_keeps_what_it_touches(ctx):
    near = layers.read_layer("interception_points", bbox=(103.14, 35.99, 103.16, 36.01))
    assert [x["id"] for x in near["features"]] == ["IP_A"]
    away = layers.read_layer("interception_points", bbox=(100.0, 30.0, 100.1, 30.1))
    assert away["features"] == []
    every = layers.read_layer("rivers")["features"]
    codes = [x["id"] for x in every]
    assert codes == sorted(codes) and len(codes) >= 2
    assert layers.read_layer("rivers", bbox=(100.0, 30.0, 100.1, 30.1))["features"] == []
    # a bbox around the interception point touches the river it stands on
    touched = layers.read_layer("rivers", bbox=(103.14, 35.99, 103.16, 36.01))["features"]
    assert 1 <= len(touched) < len(codes)
    assert touched[0]["geometry"]["type"] in ("LineString", "MultiLineString")
    # a flat layer ignores the bbox
    flat = layers.read_layer("pollutants", bbox=(100.0, 30.0, 100.1, 30.1))["features"]
    assert flat and all(x["geometry"] is None for x in flat)


def _vertices(geometry) -> int:
    c = geometry["coordinates"]
    return len(c) if geometry["type"] == "LineString" else sum(len(p) for p in c)


def test_a_coarse_zoom_simplifies_the_lines(ctx):
    full = {x["id"]: x for x in layers.read_layer("reaches")["features"]}
    coarse = {x["id"]: x for x in layers.read_layer(
        "reaches", tolerance=layers.tolerance_for_zoom(3))["features"]}
    assert full.keys() == coarse.keys()
    assert sum(_vertices(x["geometry"]) for x in coarse.values()) < sum(
        _vertices(x["geometry"]) for x in full.values())
    for code, x in coarse.items():
        assert x["properties"] == full[code]["properties"]
        assert x["geometry"]["coordinates"][0] == full[code]["geometry"]["coordinates"][0]


def test_a_feature_by_code(ctx):
    depot = layers.read_feature("depots", "DEPOT_A")
    assert depot["id"] == "DEPOT_A"
    assert depot["geometry"]["coordinates"] == [103.15, 36.05]
    assert isinstance(depot["properties"]["inventory"], list)
    with pytest.raises(NotFound) as e:
        layers.read_feature("depots", "NO_SUCH_DEPOT")
    assert e.value.fields == {"code": "NO_SUCH_DEPOT"}
    long = "x" * 100
    with pytest.raises(NotFound) as e:
        layers.read_feature("depots", long)
    assert e.value.fields == {"code": "x" * 60}
    with pytest.raises(NotFound) as e:
        layers.read_feature("nolayer", "DEPOT_A")
    assert e.value.fields == {"layer": "nolayer"}
    flat = layers.read_feature("pollutants", "BENZENE")
    assert flat["geometry"] is None and flat["id"] == "BENZENE"


def test_health_counts_every_layer(ctx):
    h = health.health()
    assert h.postgresql and h.postgis
    assert set(h.counts) == set(layers.LAYERS)
    for name, n in h.counts.items():
        assert n == len(layers.read_layer(name)["features"]), name
    assert h.counts["interception_points"] == 1

"""Use cases own their transactions (webgis.services.uow): a use case that returns has
committed, one that raises has written nothing; services take their settings as an
argument, not from the app."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import func, select

from webgis.config import Settings
from webgis.errors import Unprocessable
from webgis.hydro.errors import TooFarFromRiver
from webgis.models import Incident, User
from webgis.services import incidents, users
from webgis.services.uow import unit_of_work

BODY = {
    "location": {"lon": 103.1, "lat": 35.92},  # on the tributary, below the chemical plant
    "pollutant": "BENZENE",
    "release": {"mass_kg": 2000, "duration_h": 0},
    "started_at": "2026-05-01T08:00:00+08:00",
}


@pytest.fixture
def ctx(app, session):
    with app.app_context():
        yield session


def _user_count(session, name: str) -> int:
    return session.scalar(select(func.count()).select_from(User).where(User.username == name))


def test_a_use_case_that_returns_has_committed(ctx):
    users.create_user("uow_commit", "planner", "long enough password")
    ctx.rollback()  # drops only what was not committed
    assert _user_count(ctx, "uow_commit") == 1


def test_a_use_case_that_raises_has_written_nothing(ctx):
    with pytest.raises(RuntimeError), unit_of_work() as s:
        s.add(User(username="uow_partial", role="planner", password_hash="x"))
        s.flush()  # the row is in the transaction ...
        raise RuntimeError("... and the use case fails after it")
    assert _user_count(ctx, "uow_partial") == 0


def test_a_refused_user_leaves_no_row(ctx):
    users.create_user("uow_taken", "planner", "long enough password")
    with pytest.raises(users.UserExists):
        users.create_user("uow_taken", "admin", "another long password")
    with pytest.raises(Unprocessable, match="at least 10"):
        users.create_user("uow_short", "planner", "short")
    assert _user_count(ctx, "uow_taken") == 1 and _user_count(ctx, "uow_short") == 0
    assert [u.role for u in users.list_users() if u.username == "uow_taken"] == ["planner"]


def test_tokens_are_issued_and_revoked_in_their_own_units(ctx):
    users.create_user("uow_token", "field_team", "long enough password")
    token, expires = users.issue_token("uow_token", 1.0)
    ctx.rollback()
    assert users.user_for_token(token).username == "uow_token"
    assert users.revoke("uow_token", sessions=False) == ["API token revoked"]
    ctx.rollback()
    assert users.user_for_token(token) is None
    assert expires is not None


def test_saving_an_incident_commits_it_with_its_result(ctx):
    saved = incidents.save_incident(BODY, kind="drill", title=None, user_id=None,
                                    username="nobody")
    ctx.rollback()
    again = incidents.get_incident(saved["id"], show_names=False)
    assert again["kind"] == "drill" and again["result"]["snap"]["river_code"]
    assert "created_by" not in again  # names only for readers who may see them


def test_a_failed_save_writes_no_incident(ctx):
    before = ctx.scalar(select(func.count()).select_from(Incident))
    with pytest.raises(Exception, match="kind_known"):
        # the database refuses the row (CHECK kind IN ...) after the analysis ran
        incidents.save_incident(BODY, kind="exercise", title="x", user_id=None,
                                username="nobody")
    assert ctx.scalar(select(func.count()).select_from(Incident)) == before


def test_the_analysis_uses_the_settings_it_is_given(ctx):
    settings = Settings.from_mapping(_app_config())
    off_river = {**BODY, "location": {"lon": 103.11, "lat": 35.92}}  # ~900 m east of it
    offset_m = incidents.analyse(off_river, settings).result["snap"]["offset_m"]
    assert 100.0 < offset_m < settings.snap_max_m
    near_only = dataclasses.replace(settings, snap_max_m=offset_m / 2)
    with pytest.raises(TooFarFromRiver):
        incidents.analyse(off_river, near_only)
    wider = dataclasses.replace(settings, snap_max_m=offset_m * 2)
    assert incidents.analyse(off_river, wider).result["model"]["coefficients"][
        "snap_max_m"] == offset_m * 2


def _app_config():
    from flask import current_app

    return current_app.config

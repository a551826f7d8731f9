"""``webgis.services.reference.build_reference`` reads what the analysis needs from the
database: a reach's hydraulics as stored, teams by code, and a prefecture crossing as a
boundary receptor where the river meets the drawn line (worked out from the polygons the
test draws)."""

from __future__ import annotations

import math

import pytest
from geoalchemy2.shape import from_shape
from shapely.geometry import MultiPolygon, Point, box
from sqlalchemy import select

from webgis import models as m
from webgis.services.reference import build_reference


@pytest.fixture
def ctx(app, session):
    with app.app_context():
        yield session



def test_a_prefecture_crossing_is_a_boundary_receptor(ctx):
    # Lanzhou shrunk to lon < 103.15, a second prefecture east of it up to the province
    # border (103.26): MAIN-002 (103.1, 36.0) -> (103.2, 36.0) crosses at lon 103.15,
    # half-way along it
    lz = ctx.scalar(select(m.AdminArea).where(m.AdminArea.code == "620100"))
    lz.geom = from_shape(MultiPolygon([box(102.9, 35.8, 103.15, 36.3)]), srid=4326)
    ctx.add(m.AdminArea(code="620400", name_zh="白银市", name_en="Baiyin", level="prefecture",
                        parent_code="620000",
                        geom=from_shape(MultiPolygon([box(103.15, 35.8, 103.26, 36.3)]),
                                        srid=4326)))
    ctx.flush()
    ref = build_reference(ctx, "test-crossing")
    bnd = [r for r in ref.receptors
           if r.kind == "boundary" and dict(r.extra).get("level") == "prefecture"]
    assert len(bnd) == 1  # leaving Gansu at 103.26 is the province crossing, not this
    (b,) = bnd
    assert b.code == "BND-620100-620400-MAIN-002"
    assert b.name == "兰州市 → 白银市"
    assert b.reach_code == "MAIN-002"
    assert b.measure == pytest.approx(0.5, abs=1e-6)
    assert (b.lon, b.lat) == pytest.approx((103.15, 36.0), abs=1e-6)
    assert dict(b.extra) == {"level": "prefecture", "from_adcode": "620100",
                             "to_adcode": "620400", "from_name": "兰州市",
                             "to_name": "白银市"}


def test_no_crossing_inside_one_prefecture(ctx):
    ref = build_reference(ctx, "test-one-prefecture")
    assert not [r for r in ref.receptors if r.kind == "boundary"
                and dict(r.extra).get("level") == "prefecture"]


def test_a_reach_keeps_its_stored_hydraulics(ctx):
    reach = ctx.scalar(select(m.Reach).where(m.Reach.code == "TRIB-001"))
    reach.velocity_mps, reach.slope = 0.8, 0.002
    ctx.flush()
    net = build_reference(ctx, "test-hydraulics").network
    i = net.index_of("TRIB-001")
    assert net.velocity_mps[i] == pytest.approx(0.8)
    assert net.slope[i] == pytest.approx(0.002)
    j = net.index_of("MAIN-001")
    assert math.isnan(net.velocity_mps[j]) and math.isnan(net.slope[j])


def test_teams_in_code_order(ctx):
    ctx.add(m.RescueTeam(code="TEAM_0", name_zh="零救援队", name_en="Team 0", headcount=3,
                         geom=from_shape(Point(103.0, 36.1), srid=4326)))
    ctx.flush()
    ref = build_reference(ctx, "test-teams")
    assert [t.code for t in ref.teams] == ["TEAM_0", "TEAM_A"]
    assert [o.code for o in ref.team_pool.origins] == ["TEAM_0", "TEAM_A"]

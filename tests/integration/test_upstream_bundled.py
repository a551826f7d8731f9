"""Upstream navigation on the bundled Gansu network, from Lanzhou's drinking-water intakes.

Lanzhou's main intake (WS-HH-LANZHOU-LJX) lies in the Liujiaxia reservoir 4 km above the
dam, on reach HUANGHE-124; the Daxia enters that reach (DAXIAHE-008 -> HUANGHE-124) but
the Tao enters the reach below it (TAOHE-028 -> HUANGHE-125, "just above the dam"), so
the Tao is *not* upstream of the main intake — the intake sits above the Tao's mouth. The
city's Xigu intake (WS-HH-LANZHOU-XLG, on HUANGHE-133 below Liujiaxia, Yanguoxia and
Bapanxia) has all three upstream: the Tao, the Daxia and the Yellow River above Liujiaxia.
"""

from __future__ import annotations

import pytest

from webgis.hydro.hydraulics import path_hydraulics
from webgis.hydro.upstream import LinearFeature, season_velocities_mps, trace_upstream


@pytest.fixture(scope="module")
def bundled(bundled_app):
    """(network, intakes by code, enterprise outfalls as features)."""
    from sqlalchemy import select

    from webgis import models as m
    from webgis.extensions import db
    from webgis.services.reference import get_reference

    with bundled_app.app_context():
        ref = get_reference(db.session)
        net = ref.network
        rows = db.session.execute(
            select(m.Enterprise.code, m.Reach.code, m.Enterprise.outfall_measure)
            .join(m.Reach, m.Reach.id == m.Enterprise.outfall_reach_id)
        ).all()
    intakes = {r.code: r for r in ref.receptors if r.kind == "water_source"}
    outfalls = [LinearFeature(code, "outfall", net.index_of(reach), float(measure))
                for code, reach, measure in rows]
    return net, intakes, outfalls


def _start(net, intake):
    return net.index_of(intake.reach_code), intake.measure


def test_main_intake_has_the_daxia_and_the_yellow_river_above_liujiaxia_but_not_the_tao(
        bundled):
    net, intakes, _ = bundled
    up = trace_upstream(net, _start(net, intakes["WS-HH-LANZHOU-LJX"]))
    codes = set(up.reach_codes)
    assert {"DAXIAHE-008", "HUANGHE-123", "HUANGHE-120"} <= codes
    assert "DAXIAHE" in up.river_codes and "HUANGHE" in up.river_codes
    assert "TAOHE" not in up.river_codes
    assert net.codes[int(net.downstream[net.index_of("TAOHE-028")])] == "HUANGHE-125"


def test_xigu_intake_has_the_tao_the_daxia_and_the_yellow_river_above_liujiaxia(bundled):
    net, intakes, _ = bundled
    start = _start(net, intakes["WS-HH-LANZHOU-XLG"])
    up = trace_upstream(net, start)
    assert {"TAOHE", "DAXIAHE", "HUANGHE"} <= up.river_codes
    assert {"TAOHE-028", "DAXIAHE-008", "HUANGHE-124", "HUANGHE-120"} <= set(up.reach_codes)
    main = trace_upstream(net, start, mainstem_only=True)
    assert main.river_codes == {"HUANGHE"}  # the main stem stays on the Yellow River
    assert {"HUANGHE-125", "HUANGHE-124", "HUANGHE-120"} <= set(main.reach_codes)
    assert "TAOHE-028" not in main.reach_codes and "DAXIAHE-008" not in main.reach_codes
    assert len(main) < len(up) and main.length_m < up.length_m
    # every main-stem reach is on the tributary network with the same distances
    row = {i: k for k, i in enumerate(up.reach_idx.tolist())}
    for k, i in enumerate(main.reach_idx.tolist()):
        assert up.to_distance_m[row[i]] == pytest.approx(main.to_distance_m[k], abs=1e-6)


def test_enterprises_upstream_listed_by_distance_as_the_downstream_trace_measures_it(bundled):
    net, intakes, outfalls = bundled
    intake = intakes["WS-HH-LANZHOU-XLG"]
    start = _start(net, intake)
    v = season_velocities_mps(net, "dry", "worst")
    up = trace_upstream(net, start, max_length_m=300_000.0, velocities_mps=v)
    found = up.locate(outfalls)
    assert len(found) >= 5
    dist = [f.distance_m for f in found]
    assert dist == sorted(dist) and dist[-1] <= 300_000.0
    assert {f.river_code for f in found} >= {"HUANGHE"}
    # independent check: trace down from each outfall to the intake with the downstream
    # model; the same distance, and the same worst-case travel time from its hydraulics
    for f in found:
        path = net.trace_downstream(f.reach_idx, f.measure, max_length_m=f.distance_m)
        last = path[len(path) - 1]
        assert last.reach_idx == start[0]
        assert last.to_measure == pytest.approx(start[1], abs=1e-6)
        h = path_hydraulics(net, path, "dry", "worst")
        hours = float((h.length_m / h.velocity_mps).sum()) / 3600.0
        assert f.travel_h == pytest.approx(hours, rel=1e-6)
    # enterprises not on the upstream network are really not upstream within 300 km
    on = {f.code for f in found}
    for f in outfalls:
        if f.code in on:
            continue
        path = net.trace_downstream(f.reach_idx, f.measure, max_length_m=300_000.0)
        hit = [s for s in path if s.reach_idx == start[0]]
        assert not hit or hit[0].from_measure > start[1] or hit[0].to_measure < start[1]


def test_a_travel_time_limit_is_a_subset_with_times_below_it(bundled):
    net, intakes, outfalls = bundled
    start = _start(net, intakes["WS-HH-LANZHOU-XLG"])
    v = season_velocities_mps(net, "normal", "worst")
    full = trace_upstream(net, start, velocities_mps=v)
    day = trace_upstream(net, start, max_travel_h=24.0, velocities_mps=v)
    assert set(day.reach_codes) < set(full.reach_codes)
    assert day.from_travel_h is not None and float(day.from_travel_h.max()) <= 24.0 + 1e-9
    assert day.cut.any()
    in_day = {f.code for f in day.locate(outfalls)}
    assert in_day == {f.code for f in full.locate(outfalls) if f.travel_h <= 24.0}

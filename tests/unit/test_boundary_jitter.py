"""Boundary crossings once per real crossing: weaves along a border become one stretch."""

from types import SimpleNamespace

from webgis.hydro.crossings import merge_crossings
from webgis.response.notify import downstream_notifications


def _b(km, a, b, level="prefecture"):
    return SimpleNamespace(kind="boundary", river_km=km, code=f"BND-{a}-{b}", name=f"{a} → {b}",
                           extra={"level": level, "from_adcode": a, "to_adcode": b,
                                  "from_name": a, "to_name": b})


def _codes(rows):
    return [(r.river_km, r.extra["from_adcode"], r.extra["to_adcode"]) if r.kind == "boundary"
            else r.kind for r in rows]


def test_back_and_forth_within_the_tolerance_is_one_crossing():
    rows = [_b(169.6, "L", "B"), _b(177.9, "B", "L"), _b(178.1, "L", "B")]
    assert _codes(merge_crossings(rows)) == [(169.6, "L", "B")]


def test_real_crossings_are_kept():
    section = SimpleNamespace(kind="section", river_km=100.0, extra={})
    rows = [_b(10, "A", "B"), section, _b(40, "B", "C"), _b(60, "C", "B")]
    assert _codes(merge_crossings(rows)) == [(10, "A", "B"), "section", (40, "B", "C"),
                                             (60, "C", "B")]


def test_levels_are_independent():
    rows = [_b(10, "P1", "P2", "province"), _b(11, "A", "B"), _b(12, "P2", "P1", "province")]
    assert _codes(merge_crossings(rows)) == [(11, "A", "B")]


def test_wei_weaving_along_the_gansu_shaanxi_line_is_one_border_stretch():
    """The Wei below Tianshui: 5 crossings of the drawn boundary over 45 km (issue 11)."""
    kms = [68.7, 87.7, 97.8, 108.6, 113.8]
    rows = [_b(km, *(("620000", "610000") if i % 2 == 0 else ("610000", "620000")),
               level="province") for i, km in enumerate(kms)]
    merged = merge_crossings(rows)
    assert _codes(merged) == [(68.7, "620000", "610000")]
    (stretch,) = merged
    assert stretch.extra["stretch_from_km"] == 68.7 and stretch.extra["stretch_to_km"] == 113.8
    assert stretch.extra["crossings"] == 5 and "边界河段" in stretch.name


def test_out_and_back_along_a_border_is_one_stretch_touching_the_neighbour():
    rows = [_b(10, "620000", "610000", "province"), _b(25, "610000", "620000", "province")]
    (stretch,) = merge_crossings(rows)
    assert stretch.extra["to_adcode"] == "610000" and stretch.extra["returns"]


def _notified(rows, home=None):
    recs = [SimpleNamespace(kind=r.kind, code=r.code, name=r.name, river_km=r.river_km,
                            extra=r.extra, arrival_h=r.river_km / 3, worst=None,
                            peak_conc_mgl=1.0, limit_mgl=0.05, exceeds=True)
            for r in rows]
    return [n.admin_code for n in downstream_notifications(recs, home_adcode=home)]


def test_the_home_province_and_the_spill_prefecture_are_never_notified():
    rows = [_b(5, "620500", "621200"), _b(40, "621200", "620500"),
            _b(68.7, "620000", "610000", "province"), _b(150, "610000", "620000", "province")]
    assert _notified(rows, home="620000") == ["621200", "610000"]

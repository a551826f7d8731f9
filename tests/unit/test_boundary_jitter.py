"""Boundary crossings a schematic river undoes within a few km are dropped."""

from types import SimpleNamespace

from webgis.services.analysis import _without_jitter


def _b(km, a, b, level="prefecture"):
    return SimpleNamespace(kind="boundary", river_km=km,
                           extra={"level": level, "from_adcode": a, "to_adcode": b})


def _codes(rows):
    return [(r.river_km, r.extra["from_adcode"], r.extra["to_adcode"]) if r.kind == "boundary"
            else r.kind for r in rows]


def test_back_and_forth_within_3_km_cancels():
    rows = [_b(169.6, "L", "B"), _b(177.9, "B", "L"), _b(178.1, "L", "B")]
    assert _codes(_without_jitter(rows)) == [(169.6, "L", "B")]


def test_real_crossings_are_kept():
    section = SimpleNamespace(kind="section", river_km=100.0, extra={})
    rows = [_b(10, "A", "B"), section, _b(40, "B", "C"), _b(60, "C", "B")]
    assert _codes(_without_jitter(rows)) == [(10, "A", "B"), "section", (40, "B", "C"),
                                             (60, "C", "B")]


def test_levels_are_independent():
    rows = [_b(10, "P1", "P2", "province"), _b(11, "A", "B"), _b(12, "P2", "P1", "province")]
    assert _codes(_without_jitter(rows)) == [(11, "A", "B")]

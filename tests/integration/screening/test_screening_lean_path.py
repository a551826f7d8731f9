"""The lean screening path agrees with the full analysis on the same spill.

Spills at the bundled enterprises' outfalls (dissolved, volatile, floating oil, a pulse
and a two-hour release, all three seasons) run through `run_incident` (the full core of
every analysis) and `screen_spill`; every receptor the screening reports must be one the
full analysis reports, with the same worst-case arrival, peak and exceedance (counted to
the horizon: the same hours where the curve falls below the limit in time), and every
receptor the full analysis reports (of the screened kinds) must be in the screening.
"""

from __future__ import annotations

import math

import pytest

from webgis.hydro.analysis import ReleaseInput, run_incident
from webgis.hydro.screening import SCREENED_KINDS, screen_spill, snap_at
from webgis.hydro.transfer import TransferCache

CASES = [  # (enterprise outfall reach, measure, pollutant, mass kg, duration h, season)
    ("HUANGHE-133", 0.4584, "BENZENE", 20_000.0, 0.0, "normal"),
    ("HUANGHE-133", 0.4584, "DIESEL", 50_000.0, 2.0, "dry"),
    ("TAOHE-027", 0.3, "CADMIUM", 2_000.0, 0.0, "flood"),
    ("DAXIAHE-008", 0.1, "ANTIMONY", 5_000.0, 1.0, "normal"),
    ("HUANGHE-120", 0.5, "SODIUM_CYANIDE", 3_000.0, 0.0, "dry"),
]


def _close(a: float, b: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


@pytest.mark.parametrize("case", CASES, ids=[f"{c[2]}-{c[5]}" for c in CASES])
def test_lean_path_matches_the_full_analysis(bundled_app, case):
    from webgis.extensions import db
    from webgis.services.reference import get_reference

    reach, measure, code, mass, dur, season = case
    with bundled_app.app_context():
        ref = get_reference(db.session)
    net = ref.network
    if code not in ref.pollutants:
        pytest.skip(f"{code} not in the bundled pollutants")
    snap = snap_at(net, net.index_of(reach), measure)
    cache = TransferCache()
    args = (net, snap, ref.pollutants[code], ReleaseInput(mass, dur), season, 72.0,
            ref.receptors)
    full = run_incident(*args, transfers=cache, river_names=ref.river_names,
                        province_names=ref.province_names)
    lean = screen_spill(*args, transfers=cache)
    assert [h for h in lean if not h.flagged], "the spill reaches no receptor: proves nothing"
    _assert_matches(lean, full)


def test_lean_path_matches_the_full_analysis_on_a_sample_of_the_register(bundled_app):
    """Synthetic spills spread over the whole register (every reach kind, cut or not at
    the horizon, below the cached transfers or not): the same receptors and numbers."""
    from webgis.extensions import db
    from webgis.services.reference import get_reference
    from webgis.services.screening_register import (
        plan_spills,
        real_register,
        synthetic_register,
    )

    with bundled_app.app_context():
        ref = get_reference(db.session)
        register = real_register(db.session)
    net = ref.network
    entries = synthetic_register(net, register, 5228, seed=15)[::97]
    planned = plan_spills(ref, entries, ["dry", "flood"], max_substances=1)
    cache = TransferCache()
    receptors = [r for r in ref.receptors if r.kind != "boundary"]
    reached = 0
    for p in planned:
        s = p.spec
        args = (net, snap_at(net, s.reach_idx, s.measure), ref.pollutants[s.pollutant],
                ReleaseInput(s.mass_kg, s.duration_h), s.season, 72.0, receptors)
        full = run_incident(*args, transfers=cache, province_boundaries=False)
        lean = screen_spill(*args, transfers=cache)
        _assert_matches(lean, full)
        reached += bool(lean)
    assert len(planned) >= 100 and reached > len(planned) // 2


def _assert_matches(lean, full) -> None:
    """The screening's receptors are the full analysis' (screened kinds), each with its
    worst-case arrival, peak and exceedance (the latter counted to the horizon)."""
    modelled = [h for h in lean if not h.flagged]
    want = {(r.code, round(r.river_km, 6)): r for r in full.receptors
            if r.kind in SCREENED_KINDS}
    got = {(h.code, round(h.river_km, 6)): h for h in modelled}
    assert got.keys() == want.keys()
    for key, h in got.items():
        r = want[key]
        assert _close(h.arrival_h, r.worst.arrival_h), key
        assert _close(h.peak_mgl, r.worst.peak_conc_mgl), key
        # the exceedance is counted from the arrival to the horizon only (the full
        # analysis counts the whole curve): the same hours where the curve peaks and
        # falls below the limit in time, fewer where it is above it past the horizon
        window = max(72.0 - h.arrival_h, 0.0)
        assert h.exceed_h <= window
        assert h.exceed_h <= r.worst.exceed_hours + 1e-9, key
        if not h.exceed_beyond_horizon and r.worst.peak_h <= 72.0:
            assert _close(h.exceed_h, min(r.worst.exceed_hours, window)), key
        assert h.limit_mgl == r.limit_mgl
        if r.limit_mgl:
            assert _close(h.ratio, r.worst.peak_conc_mgl / r.limit_mgl)

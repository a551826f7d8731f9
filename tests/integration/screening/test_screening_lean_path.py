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
    modelled = [h for h in lean if not h.flagged]
    assert modelled, "the spill reaches no receptor: the case proves nothing"
    want = {(r.code, round(r.river_km, 6)): r for r in full.receptors
            if r.kind in SCREENED_KINDS}
    got = {(h.code, round(h.river_km, 6)): h for h in modelled}
    assert got.keys() == want.keys()
    for key, h in got.items():
        r = want[key]
        assert _close(h.arrival_h, r.worst.arrival_h), key
        assert _close(h.peak_mgl, r.worst.peak_conc_mgl), key
        # the exceedance is counted from the arrival to the horizon only (the full
        # analysis counts the whole curve): the same hours where it ends in time
        window = max(72.0 - h.arrival_h, 0.0)
        assert h.exceed_h <= window
        if h.exceed_beyond_horizon:
            assert h.exceed_h <= r.worst.exceed_hours + 1e-9, key
        else:
            assert _close(h.exceed_h, min(r.worst.exceed_hours, window)), key
        assert h.limit_mgl == r.limit_mgl
        if r.limit_mgl:
            assert _close(h.ratio, r.worst.peak_conc_mgl / r.limit_mgl)

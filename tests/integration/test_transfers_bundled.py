"""Cached transfers on the bundled network against the same spills computed alone.

Spills at the middle of random Gansu reaches (the benchmark's mix of pollutants, pulses
and two-hour releases, all three seasons) are run with transfers, without them, and
without them on grids 16 times finer (the reference). Every receptor's expected and
worst-case arrival, peak time and peak from the transfers must be as close to the
reference as the direct computation is, or within a small bound: on paths through slow
one-cell reservoirs the direct computation's own grids are coarse (arrivals up to ~12 %
early against the reference for spills inside such a reservoir), where the transfers
are often closer.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from webgis.hydro.analysis import ReleaseInput, run_incident
from webgis.hydro.transfer import TransferCache

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit" / "hydro"))
from refined import refined  # noqa: E402

POLLUTANTS = ["BENZENE", "ANTIMONY", "DIESEL", "CADMIUM", "NITROBENZENE", "AMMONIA_N"]
SEASONS = ["normal", "dry", "flood"]


def test_transfers_agree_with_the_direct_computation_on_the_bundled_network(bundled_app):
    from webgis.extensions import db
    from webgis.services.reference import get_reference

    with bundled_app.app_context():
        ref = get_reference(db.session)
    net = ref.network
    gansu = [i for i in range(len(net.codes)) if net.province(i) == "620000"]
    rng = np.random.default_rng(11)
    cache = TransferCache()
    compared = anchored = 0
    for k, i in enumerate(rng.choice(gansu, size=30, replace=False).tolist()):
        lon, lat = net.point_at(i, 0.5)
        args = (net, net.snap(lon, lat), ref.pollutants[POLLUTANTS[k % 6]],
                ReleaseInput(5_000.0, 0.0 if k % 3 else 2.0), SEASONS[k % 3], 72.0,
                ref.receptors)
        kw = {"river_names": ref.river_names, "province_names": ref.province_names}
        builds = cache.builds
        direct = run_incident(*args, transfers=False, **kw)
        cached = run_incident(*args, transfers=cache, **kw)
        with refined():
            fine = run_incident(*args, transfers=False, **kw)
        anchored += cache.builds > builds
        got = {(r.code, r.river_km): r for r in cached.receptors}
        had = {(r.code, r.river_km): r for r in direct.receptors}
        ref_ = {(r.code, r.river_km): r for r in fine.receptors}
        # the horizon cut comes from each run's own profile: only receptors the plume
        # reaches near the horizon may be in one list and not the other
        for key in got.keys() ^ had.keys():
            assert (got.get(key) or had[key]).arrival_h > 0.9 * 72.0, key
        for key in got.keys() & had.keys() & ref_.keys():
            r, c, f = had[key], got[key], ref_[key]
            for a, b, x in ((r, c, f), (r.worst, c.worst, f.worst)):
                for name, rel, abs_ in (("arrival_h", 0.03, 0.05), ("peak_h", 0.03, 0.1),
                                        ("peak_conc_mgl", 0.03, 0.0)):
                    want, err_direct = getattr(x, name), abs(getattr(a, name) - getattr(x, name))
                    err = abs(getattr(b, name) - want)
                    if name == "peak_h" and x.peak_h - x.arrival_h < 0.2 * x.peak_h:
                        # a peak right behind a steep front (e.g. the Dang into the Shule in
                        # the dry season) inherits the front's timing error: as close as
                        # the direct computation's front is good enough
                        err_direct = max(err_direct, abs(a.arrival_h - x.arrival_h))
                    assert err <= max(1.5 * err_direct, rel * abs(want), abs_), (key, name)
                compared += 1
    assert anchored >= 5 and compared > 300


def test_warm_up_builds_the_transfers_a_spill_above_a_reservoir_uses(bundled_app):
    """After the start-up warm-up, a spill 1 km above Liujiaxia's reaches builds nothing."""
    from webgis.extensions import db
    from webgis.services.reference import get_reference
    from webgis.services.warmup import warm_transfers

    with bundled_app.app_context():
        ref = get_reference(db.session)
    cache = TransferCache()
    from webgis.hydro.transfer import install_cache

    install_cache(ref.network, cache)  # a fresh cache for this network
    try:
        runs, built = warm_transfers(ref)
        assert runs > 50 and built == cache.builds > 50
        net = ref.network
        up = net.upstream_of(net.index_of("HUANGHE-124"))
        u = int(up[np.argmax(net.discharge_m3s[up])])
        lon, lat = net.point_at(u, 1.0 - 1000.0 / float(net.length_m[u]))
        for fresh in (TransferCache(), cache):
            run_incident(net, net.snap(lon, lat), ref.pollutants["ANTIMONY"],
                         ReleaseInput(300.0), "normal", 72.0, ref.receptors,
                         river_names=ref.river_names, province_names=ref.province_names,
                         transfers=fresh)
            if fresh is not cache:
                assert fresh.builds >= 2  # the spill does use transfers
        assert cache.builds == built
    finally:
        install_cache(ref.network, None)


def test_a_worker_warms_its_transfers_in_the_background(bundled_app):
    """start_warmup runs in a daemon thread with its own app context and fills the
    network's cache (WEBGIS_WARM_TRANSFERS turns it on in create_app)."""
    from webgis.extensions import db
    from webgis.hydro.transfer import install_cache
    from webgis.services.reference import get_reference
    from webgis.services.warmup import start_warmup

    with bundled_app.app_context():
        net = get_reference(db.session).network
    install_cache(net, cache := TransferCache())
    try:
        thread = start_warmup(bundled_app)
        thread.join(timeout=120)
        assert not thread.is_alive() and thread.daemon
        assert cache.builds > 50
    finally:
        install_cache(net, None)

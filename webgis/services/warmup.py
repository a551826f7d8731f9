"""Warm the analysis' cached transfers before the first real spill.

A spill above a reservoir reuses the pulse responses below it (webgis.hydro.transfer),
but the first spill above each reservoir in a season builds them: 40–50 ms instead of
10–20 ms. A duty officer's first spill after a restart should not pay that, so each
worker runs a notional spill 1 km above every reservoir reach and every reach below a
reservoir, in the background, right after it starts (``WEBGIS_WARM_TRANSFERS``;
``webgis warm`` does the same in the foreground and prints what it cost).
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Iterable

import numpy as np
from flask import Flask

from webgis.config import Settings
from webgis.hydro.analysis import ReleaseInput, run_incident
from webgis.hydro.errors import HydroError
from webgis.hydro.transfer import cache_for
from webgis.services.reference import Reference

log = logging.getLogger(__name__)


def warm_transfers(
    ref: Reference,
    seasons: Iterable[str] = ("normal",),
    horizon_h: float = 72.0,
    max_bytes: int | None = None,
) -> tuple[int, int]:
    """Run a notional spill above every reach a transfer can start at, per season.

    Returns (spills run, transfers built). Rows are decay-free, so any pollutant will do;
    a spill the model refuses (a reach without inflow) is skipped.
    """
    net = ref.network
    cache = cache_for(net, max_bytes)
    res = np.flatnonzero(net.is_reservoir)
    down = net.downstream[res]
    below = down[(down >= 0)]
    below = below[~net.is_reservoir[below]]
    anchors = np.unique(np.concatenate((res, below))).tolist()
    pollutant = next(iter(ref.pollutants.values()))
    built, runs = cache.builds, 0
    for season in seasons:
        for a in anchors:
            ups = net.upstream_of(a)
            if ups.size == 0:
                continue
            up = int(ups[np.argmax(net.discharge_m3s[ups])])
            length = float(net.length_m[up])
            measure = max(0.0, 1.0 - 1000.0 / length) if length > 0 else 0.0
            lon, lat = net.point_at(up, measure)
            try:
                snap = net.snap(lon, lat)
                run_incident(net, snap, pollutant, ReleaseInput(1000.0), season, horizon_h,
                             ref.receptors, river_names=ref.river_names,
                             province_names=ref.province_names, transfers=cache)
            except HydroError:
                continue
            runs += 1
    return runs, cache.builds - built


def start_warmup(app: Flask, settings: Settings | None = None) -> threading.Thread:
    """Warm the transfers in a daemon thread (the app answers meanwhile); `settings`
    default to `app`'s."""
    settings = settings or Settings.from_mapping(app.config)

    def run() -> None:
        from webgis.services.reference import get_reference
        from webgis.services.uow import end_of_context, reading

        t0 = time.perf_counter()
        try:
            with app.app_context():
                with reading() as session:
                    ref = get_reference(session)
                runs, built = warm_transfers(ref, max_bytes=settings.transfer_cache_bytes)
                end_of_context()
        except Exception:  # a warm-up must never take a worker down
            log.exception("transfer warm-up failed")
            return
        # on the server's error stream, next to gunicorn's own start-up lines
        print(f"[webgis] transfers warmed: {runs} notional spills, {built} built, "
              f"{time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)

    thread = threading.Thread(target=run, name="webgis-warm-transfers", daemon=True)
    thread.start()
    return thread


def warm_now(seasons: tuple[str, ...], settings: Settings) -> tuple[int, int, float]:
    """`webgis warm`: notional spills, transfers built and the MB the cache holds."""
    from webgis.services.reference import get_reference
    from webgis.services.uow import reading

    with reading() as session:
        ref = get_reference(session)
    runs, built = warm_transfers(ref, seasons, max_bytes=settings.transfer_cache_bytes)
    return runs, built, cache_for(ref.network).nbytes() / 2**20

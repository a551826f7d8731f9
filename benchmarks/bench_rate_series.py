"""A release as a 24-point rate series against the constant release of the same mass and
duration (issue 16, item 5), on the bundled Gansu dataset.

Needs the local database loaded (`scripts/run.sh`, or `webgis localdb start && webgis db
upgrade && webgis load-data`). Spills at the middle of random Gansu reaches (a mix of
pollutants, 6 t over 24 h); for each case runs `run_incident` with

* the constant release (``ReleaseInput(6000, 24)``),
* a 24-point series of the same mass and duration (hourly rates of a day-shaped
  discharge: low at night, high in the afternoon; the last row 0),
* the same series with today's discharge at 1.5 × the season's on the spill's reach,

transfers warm after a first pass, and prints p50/p95/max of each and the series/constant
ratio, plus how far the series' peaks lie from the constant's at the receptors (the same
mass over the same day: close far downstream, apart near the spill). Figures only;
nothing is asserted.

    .venv/bin/python benchmarks/bench_rate_series.py [--runs 20]
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np

from webgis import create_app
from webgis.extensions import db
from webgis.hydro.analysis import run_incident
from webgis.hydro.inputs import ReleaseInput
from webgis.hydro.today_flow import flow_today
from webgis.services.reference import get_reference

POLLUTANTS = ("BENZENE", "AMMONIA_N", "SODIUM_CYANIDE", "CHROMIUM_VI", "PHENOL")
MASS_KG, HOURS = 6000.0, 24


def day_series() -> tuple[tuple[float, float], ...]:
    """24 hourly rates (kg/h) shaped like a working day, scaled to MASS_KG, then 0."""
    shape = 1.0 + 0.8 * np.sin((np.arange(HOURS) - 9.0) / HOURS * 2.0 * math.pi)
    rates = shape / shape.sum() * MASS_KG
    return tuple((float(h), float(r)) for h, r in enumerate(rates)) + ((float(HOURS), 0.0),)


def pct(ms: list[float]) -> str:
    a = np.array(ms)
    return (f"p50 {np.percentile(a, 50):7.0f} ms, p95 {np.percentile(a, 95):7.0f} ms, "
            f"max {a.max():7.0f} ms")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=20)
    args = ap.parse_args()
    app = create_app({"WARM_TRANSFERS": False})
    with app.app_context():
        ref = get_reference(db.session)
        net = ref.network
        gansu = [i for i in range(len(net.codes)) if net.province(i) == "620000"]
        rng = np.random.default_rng(7)
        codes = [c for c in POLLUTANTS if c in ref.pollutants] or list(ref.pollutants)[:3]
        series = ReleaseInput.of_series(day_series())
        const = ReleaseInput(series.mass_kg, float(HOURS))
        kw = {"river_names": ref.river_names, "province_names": ref.province_names}
        times: dict[str, list[float]] = {"constant": [], "series": [], "series+flow": []}
        rel_diff: list[float] = []
        for k, i in enumerate(rng.choice(gansu, size=args.runs).tolist()):
            lon, lat = net.point_at(i, 0.5)
            snap = net.snap(lon, lat)
            pol = ref.pollutants[codes[k % len(codes)]]
            q = float(net.discharge_m3s[i] * net.season_factor["normal"][i])
            flow = flow_today(net, i, 0.5, i, 1.5 * q, "normal") if q > 0 else None
            runs = {"constant": (const, None), "series": (series, None),
                    "series+flow": (series, flow)}
            got = {}
            for name, (rel, fl) in runs.items():
                run_incident(net, snap, pol, rel, "normal", 72.0, ref.receptors, flow=fl,
                             **kw)  # warm the transfers and caches
                t0 = time.perf_counter()
                got[name] = run_incident(net, snap, pol, rel, "normal", 72.0, ref.receptors,
                                         flow=fl, **kw)
                times[name].append((time.perf_counter() - t0) * 1000.0)
            # the same receptors (the horizon may cut the two paths at other places)
            by = {(r.kind, r.code): r for r in got["series"].receptors}
            for a in got["constant"].receptors:
                b = by.get((a.kind, a.code))
                if b is not None and a.peak_conc_mgl > 0 and math.isfinite(b.peak_conc_mgl):
                    rel_diff.append(b.peak_conc_mgl / a.peak_conc_mgl - 1.0)
        print(f"{args.runs} spills, {MASS_KG:.0f} kg over {HOURS} h, 72 h horizon, normal season")
        for name, ms in times.items():
            print(f"  {name:<12} {pct(ms)}")
        ratio = np.array(times["series"]) / np.array(times["constant"])
        print(f"  series / constant time: p50 ×{np.percentile(ratio, 50):.2f}, "
              f"p95 ×{np.percentile(ratio, 95):.2f}")
        d = np.array(rel_diff) * 100.0
        if d.size:
            print(f"  receptor peaks, series vs constant: median {np.median(d):+.1f} %, "
                  f"range {d.min():+.1f} % .. {d.max():+.1f} % ({d.size} receptors)")


if __name__ == "__main__":
    main()

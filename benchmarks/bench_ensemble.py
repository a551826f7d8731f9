"""Monte Carlo bands on the bundled Gansu dataset (issue 16, item 4).

Needs the local database loaded (`scripts/run.sh`, or `webgis localdb start && webgis db
upgrade && webgis load-data`). Spills at the middle of random Gansu reaches (5 t, a mix of
pollutants, every third over 2 h); for each prints p50/p95 of

* the deterministic forecast (`run_incident`, the baseline, transfers warm after the
  first pass),
* the ensemble of 200 members around it (`ensemble_spill` with the forecast given: the
  surrogate's statistics for every member at every receptor, the bands and the curve
  bands) — target ≤ 2 s,

and how often the band reached beyond the worst case (and the worst case was raised).
Figures only; nothing is asserted.

    .venv/bin/python benchmarks/bench_ensemble.py [--runs 20] [--members 200]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from webgis import create_app
from webgis.extensions import db
from webgis.hydro.inputs import ReleaseInput
from webgis.hydro.learning import SpillCase, ensemble_spill
from webgis.services.reference import Reference, get_reference

POLLUTANTS = ("BENZENE", "AMMONIA_N", "SODIUM_CYANIDE", "CHROMIUM_VI", "PHENOL")


def pct(ms: list[float]) -> str:
    a = np.array(ms)
    return f"p50 {np.percentile(a, 50):.0f} ms, p95 {np.percentile(a, 95):.0f} ms, " \
           f"max {a.max():.0f} ms"


def cases(ref: Reference, n: int, seed: int = 3) -> list[SpillCase]:
    net = ref.network
    gansu = [i for i in range(len(net.codes)) if net.province(i) == "620000"]
    rng = np.random.default_rng(seed)
    codes = [c for c in POLLUTANTS if c in ref.pollutants] or list(ref.pollutants)[:3]
    out = []
    for k, i in enumerate(rng.choice(gansu, size=n).tolist()):
        lon, lat = net.point_at(i, 0.5)
        out.append(SpillCase(net, net.snap(lon, lat), ref.pollutants[codes[k % len(codes)]],
                             ReleaseInput(5000.0, 0.0 if k % 3 else 2.0), "normal", 72.0,
                             ref.receptors,
                             {"river_names": ref.river_names,
                              "province_names": ref.province_names}))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--members", type=int, default=200)
    args = ap.parse_args()
    app = create_app({"WARM_TRANSFERS": False})
    with app.app_context():
        ref = get_reference(db.session)
        spills = cases(ref, args.runs)
        for c in spills:  # first pass: build the transfers the spills need
            c.forecast()
        det, ens, rec, raised, peak_raised = [], [], [], 0, 0
        for c in spills:
            t0 = time.perf_counter()
            res = c.forecast()
            det.append((time.perf_counter() - t0) * 1e3)
            t0 = time.perf_counter()
            got = ensemble_spill(c, args.members, seed=1, result=res)
            ens.append((time.perf_counter() - t0) * 1e3)
            rec.append(len(res.receptors))
            raised += any(b is not None and b.worst_raised for b in got.bands)
            peak_raised += any(b is not None and b.peak_conc_mgl[2] > r.worst.peak_conc_mgl
                               for b, r in zip(got.bands, res.receptors, strict=True))
        print(f"{len(spills)} spills, mean {np.mean(rec):.0f} receptors")
        print(f"deterministic forecast (baseline): {pct(det)}")
        print(f"ensemble of {args.members} members: {pct(ens)}")
        print(f"spills where the band went beyond the worst case somewhere: {raised} "
              f"(the P95 peak above the worst-case peak: {peak_raised}; otherwise the P5 "
              "arrival before the worst-case arrival)")


if __name__ == "__main__":
    main()

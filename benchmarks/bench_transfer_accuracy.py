"""Accuracy of cached transfers against the direct computation and a fine reference.

Spills at the middle of random Gansu reaches (the analysis benchmark's mix, all three
seasons) are run three ways: with transfers (webgis.hydro.transfer), without them, and
without them on grids 16 times finer (the reference). Prints, for every receptor and
both cases, the error of leading-edge arrival, peak time and peak concentration against
the reference: median, 95th percentile and largest, relative (%) and in hours, and how
often each method arrives early or late. Figures only; the tests hold the bounds
(tests/integration/test_transfers_bundled.py).

    .venv/bin/python benchmarks/bench_transfer_accuracy.py [--spills 60]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from webgis import create_app
from webgis.extensions import db
from webgis.hydro.analysis import ReleaseInput, run_incident
from webgis.hydro.transfer import TransferCache
from webgis.services.reference import get_reference

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "unit" / "hydro"))
from refined import refined  # noqa: E402

POLLUTANTS = ["BENZENE", "ANTIMONY", "DIESEL", "CADMIUM", "NITROBENZENE", "AMMONIA_N"]
SEASONS = ["normal", "dry", "flood"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--spills", type=int, default=60)
    args = ap.parse_args()
    app = create_app({"PUBLIC_READ": True})
    with app.app_context():
        ref = get_reference(db.session)
    net = ref.network
    gansu = [i for i in range(len(net.codes)) if net.province(i) == "620000"]
    rng = np.random.default_rng(5)
    cache = TransferCache()
    errs: dict[str, dict[str, list[float]]] = {m: {} for m in ("direct", "transfers")}
    took = {"direct": 0.0, "transfers": 0.0}
    for k, i in enumerate(rng.choice(gansu, size=args.spills, replace=False).tolist()):
        lon, lat = net.point_at(i, 0.5)
        run = (net, net.snap(lon, lat), ref.pollutants[POLLUTANTS[k % 6]],
               ReleaseInput(5_000.0, 0.0 if k % 3 else 2.0), SEASONS[k % 3], 72.0, ref.receptors)
        kw = {"river_names": ref.river_names, "province_names": ref.province_names}
        got = {}
        for method, transfers in (("direct", False), ("transfers", cache)):
            t0 = time.perf_counter()
            got[method] = run_incident(*run, transfers=transfers, **kw)
            took[method] += time.perf_counter() - t0
        with refined():
            fine = {(r.code, r.river_km): r for r in run_incident(*run, transfers=False, **kw)
                    .receptors}
        for method, res in got.items():
            for r in res.receptors:
                f = fine.get((r.code, r.river_km))
                if f is None:
                    continue
                for a, x in ((r, f), (r.worst, f.worst)):
                    for name in ("arrival_h", "peak_h", "peak_conc_mgl"):
                        want, have = getattr(x, name), getattr(a, name)
                        if want > 0.5 if name != "peak_conc_mgl" else want > 0:
                            errs[method].setdefault(name, []).append((have - want) / want)
                        if name != "peak_conc_mgl":
                            errs[method].setdefault(name + " (h)", []).append(have - want)
    print(f"{args.spills} spills; time per spill: direct {took['direct'] / args.spills * 1e3:.1f} "
          f"ms, transfers (incl. {cache.builds} first builds) "
          f"{took['transfers'] / args.spills * 1e3:.1f} ms")
    for name in ("arrival_h", "arrival_h (h)", "peak_h", "peak_h (h)", "peak_conc_mgl"):
        for method in ("direct", "transfers"):
            e = np.array(errs[method][name])
            a = np.abs(e)
            scale, unit = (1.0, "h") if name.endswith("(h)") else (100.0, "%")
            print(f"{name:14s} {method:9s} n={e.size:4d}  |err| median {np.median(a) * scale:6.2f}"
                  f" p95 {np.percentile(a, 95) * scale:6.2f} max {a.max() * scale:6.2f} {unit};"
                  f" early/low {(e < -1e-3).mean() * 100:3.0f} %, late/high "
                  f"{(e > 1e-3).mean() * 100:3.0f} %")


if __name__ == "__main__":
    main()

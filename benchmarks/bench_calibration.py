"""Calibration to readings on the bundled Gansu dataset (issue 16, item 3).

Needs the local database loaded (see bench_ensemble.py). For random Gansu spills with
at least three receptors on their path, readings are made by the full model from known
parameters (twice the reported mass, an hour late, velocity × 1.2, dispersion × 1.5)
with 10 % noise: 10 readings over 3 stations. Prints p50/p95 of

* the fit alone (`calibrate` on the surrogate) — target ≤ 2 s for 10 readings at 3
  stations,
* the whole `calibrate_spill` (fit and the calibrated re-forecast),
* the deterministic forecast as the same-run baseline,

and the recovered mass and start (median and worst error). Figures only.

    .venv/bin/python benchmarks/bench_calibration.py [--runs 20]
"""

from __future__ import annotations

import argparse
import math
import time
from dataclasses import replace

import numpy as np
from bench_ensemble import cases, pct

from webgis import create_app
from webgis.extensions import db
from webgis.hydro.hydraulics import DEFAULT_PARAMS
from webgis.hydro.inputs import ReleaseInput
from webgis.hydro.learning import SpillCase, calibrate_spill
from webgis.hydro.readings import Reading
from webgis.hydro.results import PlumeResult
from webgis.services.reference import get_reference

TRUTH = replace(DEFAULT_PARAMS, velocity_factor=1.2, dispersion_factor=1.5)
PER_STATION = (4, 3, 3)


def readings(case: SpillCase, base: PlumeResult, rng: np.random.Generator
             ) -> list[Reading] | None:
    truth = case.forecast(TRUTH, ReleaseInput(case.release.mass_kg * 2.0,
                                              case.release.duration_h))
    end_km = base.path[-1].to_km
    rows = [r for r in truth.receptors
            if r.peak_conc_mgl > 0 and len(r.curve) > 2 and r.river_km <= end_km]
    if len(rows) < 3:
        return None
    picks = [rows[0], rows[len(rows) // 2], rows[-1]]
    out = []
    for r, n in zip(picks, PER_STATION, strict=True):
        pts = np.array(r.curve)
        for t in np.linspace(r.arrival_h, r.peak_h + 1.5 * (r.peak_h - r.arrival_h), n):
            v = float(np.interp(t, pts[:, 0], pts[:, 1])) * math.exp(rng.normal(0, 0.1))
            out.append(Reading(r.code, r.river_km, float(t) + 1.0, max(v, 1e-9)))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=20)
    args = ap.parse_args()
    app = create_app({"WARM_TRANSFERS": False})
    rng = np.random.default_rng(5)
    with app.app_context():
        ref = get_reference(db.session)
        fit_ms, all_ms, det_ms, mass_err, start_err = [], [], [], [], []
        weak = 0
        for case in cases(ref, args.runs * 3, seed=11):
            if len(fit_ms) >= args.runs:
                break
            t0 = time.perf_counter()
            base: PlumeResult = case.forecast()
            det = (time.perf_counter() - t0) * 1e3
            rows = readings(case, base, rng)
            if rows is None:
                continue
            det_ms.append(det)
            t0 = time.perf_counter()
            done = calibrate_spill(case, rows, base)
            all_ms.append((time.perf_counter() - t0) * 1e3)
            fit_ms.append(all_ms[-1] - det_ms[-1])  # the re-forecast costs about a forecast
            fit = done.calibration
            if not all(p.identified for p in fit.parameters if p.name in ("mass_kg", "start_h")):
                weak += 1  # the readings cannot tell: the prior is kept, and said so
                continue
            mass_err.append(abs(fit.value("mass_kg") / (2 * case.release.mass_kg) - 1))
            start_err.append(abs(fit.value("start_h") - 1.0))
        print(f"{len(fit_ms)} spills, 10 readings at 3 stations each")
        print(f"deterministic forecast (baseline): {pct(det_ms)}")
        print(f"fit (calibrate_spill less one forecast): {pct(fit_ms)}")
        print(f"calibrate_spill (fit + calibrated re-forecast): {pct(all_ms)}")
        print(f"mass or start not identified by the readings (prior kept): {weak} spills")
        print(f"identified ones: mass error: median {100 * np.median(mass_err):.1f} %, "
              f"max {100 * max(mass_err):.1f} %; start error: median "
              f"{np.median(start_err):.2f} h, max {max(start_err):.2f} h")


if __name__ == "__main__":
    main()

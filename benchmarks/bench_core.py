"""Transport-core benchmark: `run_incident` on the bundled Gansu network (issue 5).

Builds the network from ``data/rivers/reaches.geojson`` (parsed and validated by
``webgis.dataset.read.read_dataset``, then ``ReachInput`` rows → ``RiverNetwork.build``),
the receptors from ``data/receptors/*.geojson``, and runs three real spills many times:

* benzene, 10,000 kg, Yellow River above Liujiaxia (103.1, 35.85) — ~10 reservoir reaches;
* antimony, 5,000 kg, Taishi River (105.30, 33.90; the bundled Taishi line starts at
  105.25°E, so the often-quoted 105.07, 33.87 is 17 km off it) — to the Xihan, the Jialing
  and the Shaanxi border;
* benzene, 5,000 kg, Wei River (105.70, 34.67; 105.7, 34.58 is ~7 km off the line).

Prints p50/p95 of ``run_incident`` per case (snap excluded, as the service snaps first)
and, with ``--dump FILE``, writes the receptor arrival/peak figures as JSON;
``--compare FILE`` prints the largest relative change against such a dump. Figures only,
no asserts.

    .venv/bin/python benchmarks/bench_core.py               # 200 runs per case
    .venv/bin/python benchmarks/bench_core.py --runs 50 --profile
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import time
from pathlib import Path

import numpy as np

from webgis.dataset.read import read_dataset
from webgis.hydro.analysis import PollutantInput, ReceptorInput, ReleaseInput, run_incident
from webgis.hydro.network import ReachInput, RiverNetwork

ROOT = Path(__file__).resolve().parents[1]
KINDS = {
    "water_sources": "water_source",
    "sections": "section",
    "interception_points": "interception",
}
# (name, lon, lat, pollutant code, mass kg, duration h, season, horizon h)
CASES = [
    ("benzene, Yellow River above Liujiaxia", 103.1, 35.85, "BENZENE", 1e4, 0.0, "normal", 72.0),
    ("antimony, Taishi River", 105.30, 33.90, "ANTIMONY", 5_000.0, 0.0, "normal", 72.0),
    ("benzene, Wei River", 105.70, 34.67, "BENZENE", 5_000.0, 0.0, "normal", 72.0),
]


def load(data_dir: Path):
    """(network, receptors, pollutants, river names, province names) from the dataset."""
    ds = read_dataset(data_dir)
    rows = [
        ReachInput(
            code=r["code"],
            river_code=r["river_code"],
            downstream_code=r["downstream_code"],
            coords=list(r["geom"].coords),
            discharge_m3s=r["discharge_m3s"],
            factor_dry=r["factor_dry"],
            factor_normal=r["factor_normal"],
            factor_flood=r["factor_flood"],
            is_reservoir=r["is_reservoir"],
            volume_m3=r["volume_m3"],
            velocity_mps=r["velocity_mps"],
            width_m=r["width_m"],
            depth_m=r["depth_m"],
            slope=r["slope"],
            end_kind=r["end_kind"],
            province=r["province"],
        )
        for r in ds.layers["reaches"]
    ]
    network = RiverNetwork.build(rows)
    receptors = [
        ReceptorInput(
            KINDS[layer],
            rec["code"],
            rec["name_zh"],
            rec["reach"],
            rec["measure"],
            rec["geom"].x,
            rec["geom"].y,
            extra={"name_en": rec.get("name_en")},
        )
        for layer in KINDS
        for rec in ds.layers.get(layer, [])
    ]
    pollutants = {
        p["code"]: PollutantInput(
            p["code"],
            p["name_zh"],
            p["pclass"],
            p["decay_per_day"],
            p["limit_class3_mgl"],
            p["limit_source_mgl"],
            p["behaviour"],
        )
        for p in ds.layers["pollutants"]
    }
    rivers = {r["code"]: r["name_zh"] for r in ds.layers["rivers"]}
    provinces = {
        a["adcode"]: a["name_zh"]
        for a in ds.layers.get("admin_areas", [])
        if a.get("level") == "province"
    }
    return network, receptors, pollutants, rivers, provinces


def run_case(ctx, case):
    network, receptors, pollutants, rivers, provinces = ctx
    _, lon, lat, code, mass, dur, season, horizon = case
    snap = network.snap(lon, lat)

    def once():
        return run_incident(
            network,
            snap,
            pollutants[code],
            ReleaseInput(mass, dur),
            season,
            horizon,
            receptors,
            river_names=rivers,
            province_names=provinces,
        )

    return once


def figures(result) -> dict:
    """Receptor figures worth comparing between implementations."""
    return {
        "length_km": result.length_km,
        "receptors": [
            {
                "code": r.code,
                "km": r.river_km,
                "arrival_h": r.arrival_h,
                "peak_h": r.peak_h,
                "peak": r.peak_conc_mgl,
                "exceed_h": r.exceed_hours,
                "w_arrival_h": r.worst.arrival_h,
                "w_peak_h": r.worst.peak_h,
                "w_peak": r.worst.peak_conc_mgl,
            }
            for r in result.receptors
        ],
        "profile": result.profile,
        "worst_profile": result.worst_profile,
    }


KEYS = ("arrival_h", "peak_h", "peak", "w_arrival_h", "w_peak_h", "w_peak", "exceed_h")


def _rel(a: float, b: float) -> float:
    if a is None or b is None or not (math.isfinite(a) and math.isfinite(b)):
        return 0.0 if a == b or (a != a and b != b) else math.inf
    den = max(abs(a), abs(b))
    return 0.0 if den == 0 else abs(a - b) / den


def compare(old: dict, new: dict) -> None:
    """Print the largest relative change of each receptor figure per case."""
    for name, o in old.items():
        n = new.get(name)
        if n is None:
            print(f"{name}: missing in the new run")
            continue
        ro = {r["code"]: r for r in o["receptors"]}
        rn = {r["code"]: r for r in n["receptors"]}
        if set(ro) != set(rn):
            gone, new_ = sorted(set(ro) - set(rn)), sorted(set(rn) - set(ro))
            print(f"{name}: receptor sets differ: -{gone} +{new_}")
        worst: dict[str, tuple[float, str]] = {}
        for code in set(ro) & set(rn):
            for key in KEYS:
                r = _rel(ro[code][key], rn[code][key])
                if r > worst.get(key, (-1.0, ""))[0]:
                    worst[key] = (r, code)
        po = np.array(o["profile"])
        pn = np.array(n["profile"])
        prof = ""
        if po.size and pn.size:
            ref = np.interp(pn[:, 0], po[:, 0], po[:, 1])
            rel = np.max(np.abs(pn[:, 1] - ref) / np.maximum(ref, 1e-30))
            prof = f"  profile max rel {rel:.2%}"
        txt = ", ".join(f"{k} {v[0]:.2%} ({v[1]})" for k, v in worst.items())
        span = f"{o['length_km']:.1f} → {n['length_km']:.1f} km"
        print(f"{name}: length {span}; max rel: {txt}{prof}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--data", type=Path, default=ROOT / "data")
    ap.add_argument("--dump", type=Path, help="write receptor figures as JSON")
    ap.add_argument("--compare", type=Path, help="compare with a --dump file")
    ap.add_argument("--profile", action="store_true", help="cProfile the first case")
    args = ap.parse_args()

    t0 = time.perf_counter()
    ctx = load(args.data)
    print(f"dataset read + network build: {time.perf_counter() - t0:.2f} s, "
          f"{ctx[0].length_m.size} reaches, {len(ctx[1])} receptors")
    gc.collect()
    gc.freeze()
    out = {}
    for case in CASES:
        once = run_case(ctx, case)
        res = once()
        out[case[0]] = figures(res)
        for _ in range(3):
            once()
        times = []
        for _ in range(args.runs):
            t = time.perf_counter()
            once()
            times.append((time.perf_counter() - t) * 1e3)
        p50, p95 = np.percentile(times, [50, 95])
        nres = sum(1 for s in res.path if s.is_reservoir)
        print(
            f"{case[0]:40s} path {res.length_km:7.1f} km, {len(res.path):3d} reaches "
            f"({nres} reservoir), {len(res.receptors):2d} receptors: "
            f"run_incident p50 {p50:6.2f} ms  p95 {p95:6.2f} ms"
        )
    if args.profile:
        import cProfile
        import pstats

        once = run_case(ctx, CASES[0])
        prof = cProfile.Profile()
        prof.enable()
        for _ in range(20):
            once()
        prof.disable()
        pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
    if args.dump:
        args.dump.write_text(json.dumps(out, indent=1))
    if args.compare:
        compare(json.loads(args.compare.read_text()), out)


if __name__ == "__main__":
    main()

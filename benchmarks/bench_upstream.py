"""Upstream navigation benchmark on the synthetic 10^6-reach network of bench_trace.py.

Prints: the one-off navigation index build (pre-order of the upstream forest, main-stem
choice), the per-season velocity array, then p50/p95 of upstream navigations of 1,000 km
from points on the long synthetic main stems that have at least 1,000 km of main stem
above them — main stem only, and with every tributary within 1,000 km (how many reaches
that is), with a travel-time limit too, and the features located on the result — and the
downstream 1,000 km trace from the same reaches as a same-run baseline. Figures only, no
asserts (target: p95 <= 5 ms for the 1,000 km navigation).

    .venv/bin/python benchmarks/bench_upstream.py                  # 10^6 reaches
    .venv/bin/python benchmarks/bench_upstream.py --reaches 50000  # quick run
"""

from __future__ import annotations

import argparse
import gc
import time

import numpy as np
from bench_trace import STEP_KM, build_from_arrays, current_rss_mb, percentiles, synthetic

from webgis.hydro.upstream import (
    FeatureSet,
    LinearFeature,
    season_velocities_mps,
    trace_upstream,
    upstream_index,
)


def timed(fn, starts: list[tuple[int, float]]) -> tuple[list[float], list[float], list]:
    """Wall-clock and this thread's CPU milliseconds per call, and the results.

    On a shared machine the wall-clock tail is mostly the scheduler (the process waiting
    for a core); the CPU time shows what the call itself costs.
    """
    out, ms, cpu = [], [], []
    for s in starts:
        c0, t0 = time.thread_time(), time.perf_counter()
        r = fn(s)
        ms.append((time.perf_counter() - t0) * 1e3)
        cpu.append((time.thread_time() - c0) * 1e3)
        out.append(r)
    return ms, cpu, out


def cpu_pct(cpu: list[float]) -> str:
    p50, p95 = np.percentile(cpu, 50), np.percentile(cpu, 95)
    return f"CPU p50 {p50:.3f} ms, p95 {p95:.3f} ms"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reaches", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=500)
    ap.add_argument("--km", type=float, default=1_000.0)
    ap.add_argument("--hours", type=float, default=240.0, help="travel-time limit")
    ap.add_argument("--features", type=int, default=20_000, help="outfalls to locate")
    args = ap.parse_args()

    print(f"reaches: {args.reaches:,}  runs: {args.runs} x {args.km:g} km")
    t0 = time.perf_counter()
    g = synthetic(args.reaches)
    net = build_from_arrays(g)
    print(f"synthetic network + from_arrays: {time.perf_counter() - t0:.2f} s, "
          f"RSS {current_rss_mb():.0f} MB")
    t0 = time.perf_counter()
    upstream_index(net)
    print(f"navigation index (once per network, cached): {time.perf_counter() - t0:.2f} s, "
          f"RSS {current_rss_mb():.0f} MB")
    t0 = time.perf_counter()
    v = season_velocities_mps(net, "dry", "worst")
    print(f"season velocities (dry, worst; once per season, cached): "
          f"{time.perf_counter() - t0:.2f} s")
    gc.collect()
    gc.freeze()

    # start points on the synthetic main stems (the first rivers, stored upstream-first)
    # with at least the limit (+10 %) of main stem above them
    river = g["river"]
    _, first = np.unique(river, return_index=True)
    offset = np.arange(river.size) - first[river]
    n_main = int(np.sum(np.bincount(river) >= 3_000))
    need = int(args.km / STEP_KM * 1.1)
    eligible = np.flatnonzero((river < n_main) & (offset >= need))
    if eligible.size == 0:
        eligible = np.flatnonzero(river < n_main)
        print(f"(network too small: starting anywhere on the {n_main} main stems)")
    rng = np.random.default_rng(11)
    starts = [(int(i), float(m)) for i, m in zip(
        rng.choice(eligible, args.runs).tolist(), rng.uniform(0, 1, args.runs).tolist(),
        strict=True)]
    limit_m = args.km * 1000.0
    for s in starts[:20]:  # warm-up
        trace_upstream(net, s, mainstem_only=True, max_length_m=limit_m)
        trace_upstream(net, s, max_length_m=limit_m)
        net.trace_downstream(s[0], s[1], limit_m)

    runs = {
        "main stem, distance": lambda s: trace_upstream(
            net, s, mainstem_only=True, max_length_m=limit_m),
        "main stem, distance + time": lambda s: trace_upstream(
            net, s, mainstem_only=True, max_length_m=limit_m, max_travel_h=args.hours,
            velocities_mps=v),
        "all tributaries, distance": lambda s: trace_upstream(net, s, max_length_m=limit_m),
        "all tributaries, distance + time": lambda s: trace_upstream(
            net, s, max_length_m=limit_m, max_travel_h=args.hours, velocities_mps=v),
    }
    results = {}
    for name, fn in runs.items():
        ms, cpu, ups = timed(fn, starts)
        results[name] = ups
        n = np.array([len(u) for u in ups])
        km = np.array([u.length_m for u in ups]) / 1e3
        sub = np.array([int(upstream_index(net).size[s[0]]) for s in starts])
        extra = f" (of {np.median(sub):,.0f} above the start, median)" if "all" in name else ""
        print(f"upstream {name}: wall {percentiles(ms)}; {cpu_pct(cpu)}\n"
              f"    reaches median {np.median(n):,.0f}, max {n.max():,}{extra}; "
              f"river km median {np.median(km):,.0f}")

    where = zip(rng.integers(0, len(net), args.features).tolist(),
                rng.uniform(0, 1, args.features).tolist(), strict=True)
    feats = FeatureSet.of(LinearFeature(f"F{k}", "outfall", int(i), float(m))
                          for k, (i, m) in enumerate(where))
    ups = results["all tributaries, distance"]
    it = iter(ups)
    ms, cpu, found = timed(lambda _s: len(next(it).locate(feats)), starts)
    print(f"locate {args.features:,} features (a FeatureSet) on the tributary network: wall "
          f"{percentiles(ms)}; {cpu_pct(cpu)}; found median {np.median(found):.0f}")

    ms, cpu, paths = timed(lambda s: net.trace_downstream(s[0], s[1], limit_m), starts)
    print(f"baseline downstream trace {args.km:g} km (same starts): wall {percentiles(ms)}; "
          f"{cpu_pct(cpu)}; reaches median {np.median([len(p) for p in paths]):.0f}")


if __name__ == "__main__":
    main()

"""Time to build a field response sheet (PDF) and the bundle (ZIP of PDF + data files).

    .venv/bin/python benchmarks/bench_sheet.py                 # bundled data, Taishi antimony
    .venv/bin/python benchmarks/bench_sheet.py --runs 10 --lang en
    .venv/bin/python benchmarks/bench_sheet.py --fixture       # tests/fixtures/analysis_sample.json

Runs the analysis once on the database (`webgis load-data` first), gathers the sheet's
context (the layer queries), then builds each format ``--runs`` times in one warm process
and prints median and max per step. The first, cold build is printed separately (imports,
font registration; the one-time CJK font conversion is cached on disk, see
webgis/exports/fonts.py). Target (issue 7): sheet and bundle ≤ 2 s.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TAISHI = {
    "location": {"lon": 105.27, "lat": 33.89},
    "pollutant": "ANTIMONY",
    "release": {"mass_kg": 5000, "duration_h": 2},
    "started_at": "2026-03-14T09:30:00+08:00",
}


def _timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--lang", choices=("zh", "en"), default="zh")
    ap.add_argument("--fixture", action="store_true", help="use the sample analysis fixture")
    args = ap.parse_args()

    from webgis import create_app
    from webgis.exports import BUNDLE_ORDER, write
    from webgis.extensions import db
    from webgis.services import sheet

    app = create_app()
    with app.app_context():
        if args.fixture:
            result = json.loads((ROOT / "tests/fixtures/analysis_sample.json").read_text())
            _, t_analysis = None, 0.0
        else:
            from webgis.services.analysis import analyze

            analyze(db.session, TAISHI)  # warm the cached reference data
            result, t_analysis = _timed(lambda: analyze(db.session, TAISHI))
        ctx, t_ctx = _timed(lambda: sheet.context_for_result(
            db.session, result, lang=args.lang, incident_id=1,
            link="http://127.0.0.1:5000/?incident=1"))
        _, t_cold = _timed(lambda: write(ctx, "pdf"))

        times: dict[str, list[float]] = {f: [] for f in (*BUNDLE_ORDER, "zip")}
        for _ in range(args.runs):
            for fmt in times:
                _, dt = _timed(lambda fmt=fmt: write(ctx, fmt))
                times[fmt].append(dt)
        sheet_s = [t_ctx + t for t in times["pdf"]]
        bundle_s = [t_ctx + t for t in times["zip"]]

    n_rec = len(result["receptors"])
    print(f"sheet benchmark: {result['snap']['river_name']}, {n_rec} receptors, "
          f"{len(result['depots'])} depots, {len(result['plan'].get('steps', []))} plan steps, "
          f"lang {args.lang}, {args.runs} runs")
    if not args.fixture:
        print(f"  analysis (warm)            {t_analysis * 1000:8.0f} ms")
    print(f"  context (layer queries)    {t_ctx * 1000:8.0f} ms")
    print(f"  first PDF (cold process)   {t_cold * 1000:8.0f} ms")
    for fmt, ts in times.items():
        print(f"  {fmt:<8} median {statistics.median(ts) * 1000:7.0f} ms   "
              f"max {max(ts) * 1000:7.0f} ms")
    for name, ts in (("sheet (context + PDF)", sheet_s), ("bundle (context + ZIP)", bundle_s)):
        med = statistics.median(ts)
        print(f"  {name:<24} median {med:5.2f} s  max {max(ts):5.2f} s  "
              f"target 2 s: {'OK' if max(ts) <= 2.0 else 'OVER'} ({med / 2.0:.2f} of target)")


if __name__ == "__main__":
    main()

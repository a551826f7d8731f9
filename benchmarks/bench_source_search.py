"""Source search from an alarm (``POST /api/v1/source-search``'s service) on the bundled
Gansu dataset.

Alarms at every monitoring section for a few stored pollutants (one reading, and a
five-reading series), normal season; prints p50/p95 per search, the candidates per
search, and the mean cost per candidate (about one forward run).
The first search of each alarm place warms the transfers and is reported apart. Figures
only, nothing is asserted (target: ≤ 200 ms per search).

Needs a database holding the bundled data (`WEBGIS_DATABASE_URL`, or the local `webgis`
database after `webgis load-data`):

    .venv/bin/python benchmarks/bench_source_search.py [--sections 20]
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime, timedelta

import numpy as np

from webgis import create_app
from webgis.extensions import db
from webgis.services.reference import get_reference
from webgis.services.source_search import search_sources

POLLUTANTS = ("SULFIDE", "TOLUENE", "AMMONIA_N")


def pct(ms: list[float]) -> str:
    a = np.array(ms) if ms else np.zeros(1)
    return (f"p50 {np.percentile(a, 50):.0f} ms, p95 {np.percentile(a, 95):.0f} ms, "
            f"max {a.max():.0f} ms")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sections", type=int, default=20, help="alarm places (of 94)")
    ap.add_argument("--database-url", default=None)
    args = ap.parse_args()
    config = {"PUBLIC_READ": True, "WARM_TRANSFERS": False}
    if args.database_url:
        config["SQLALCHEMY_DATABASE_URI"] = args.database_url
    app = create_app(config)
    at = datetime(2026, 6, 1, 12, tzinfo=UTC)
    with app.app_context():
        ref = get_reference(db.session)
        sections = [r.code for r in ref.receptors if r.kind == "section"]
        rng = np.random.default_rng(16)
        picked = list(rng.choice(sections, size=min(args.sections, len(sections)),
                                 replace=False))
        first, single, series, counts = [], [], [], []
        for code in picked:
            for n, pol in enumerate(POLLUTANTS):
                body = {"section": code, "sampled_at": at.isoformat(), "pollutant": pol,
                        "value": 0.5}
                t0 = time.perf_counter()
                out = search_sources(body)
                (first if n == 0 else single).append((time.perf_counter() - t0) * 1e3)
                counts.append(len(out["candidates"]))
                body["series"] = [{"sampled_at": (at - timedelta(hours=h)).isoformat(),
                                   "value": 0.5 / (1 + h)} for h in (2, 4, 6, 8)]
                t0 = time.perf_counter()
                search_sources(body)
                series.append((time.perf_counter() - t0) * 1e3)
    c = np.array(counts)
    print(f"source search, {len(picked)} sections x {len(POLLUTANTS)} pollutants, "
          f"candidates per search: mean {c.mean():.1f}, max {c.max()}")
    print(f"  first search at a place (warms transfers): {pct(first)}")
    print(f"  one reading:                               {pct(single)}")
    print(f"  five-reading series:                       {pct(series)}")
    per = np.mean(single) / max(c.mean(), 1)
    print(f"  mean per candidate (~ one forward run):    {per:.1f} ms; target <= 200 ms/search")


if __name__ == "__main__":
    main()

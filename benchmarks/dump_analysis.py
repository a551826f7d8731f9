"""Dump the full analysis of the benchmark's random spills, to diff two versions of the code.

A speed change to the analysis must not change a single number. Run this on the old and
the new code against the same database, then compare the two files:

    .venv/bin/python benchmarks/dump_analysis.py --out /tmp/new.json
    PYTHONPATH=/path/to/old/checkout .venv/bin/python benchmarks/dump_analysis.py \
        --out /tmp/old.json
    .venv/bin/python benchmarks/dump_analysis.py --compare /tmp/old.json /tmp/new.json

The spills are :func:`bench_analysis.spills` (random reaches in Gansu, a mix of
pollutants, instantaneous and 2 h releases), each with a fixed start and discovery time
so that the report clock does not depend on when the script runs. Floats are written
with ``repr`` precision (``json`` round-trips them exactly), so the comparison is exact.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

FIXED_TIMES = {"started_at": "2026-05-01T08:00:00+08:00",
               "discovered_at": "2026-05-01T09:30:00+08:00"}


def _plain(value: Any) -> Any:
    """JSON-able copy: NaN/inf as strings (json would write non-standard tokens)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else repr(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def dump(n: int, out: Path) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_analysis import spills

    from webgis import create_app
    from webgis.extensions import db
    from webgis.services.analysis import analyze

    app = create_app({"PUBLIC_READ": True, "WARM_TRANSFERS": False})
    results = []
    with app.app_context():
        for body in spills(n):
            req = {k: v for k, v in body.items() if not k.startswith("_")} | FIXED_TIMES
            try:
                results.append({"request": req, "result": _plain(analyze(db.session, req))})
            except Exception as exc:  # noqa: BLE001 - the error is part of the answer
                results.append({"request": req, "error": f"{type(exc).__name__}: {exc}"})
    out.write_text(json.dumps(results, ensure_ascii=False, sort_keys=True, indent=0))
    print(f"{len(results)} analyses written to {out}")


def _diff(a: Any, b: Any, where: str, found: list[str]) -> None:
    if len(found) >= 20:
        return
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(a.keys() | b.keys()):
            if k not in a or k not in b:
                found.append(f"{where}.{k}: only in {'new' if k not in a else 'old'}")
            else:
                _diff(a[k], b[k], f"{where}.{k}", found)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            found.append(f"{where}: length {len(a)} != {len(b)}")
        for i, (x, y) in enumerate(zip(a, b, strict=False)):
            _diff(x, y, f"{where}[{i}]", found)
    elif a != b or type(a) is not type(b):
        found.append(f"{where}: {a!r} != {b!r}")


def compare(old: Path, new: Path) -> int:
    a, b = json.loads(old.read_text()), json.loads(new.read_text())
    found: list[str] = []
    _diff(a, b, "", found)
    if found:
        print("DIFFERENT:\n  " + "\n  ".join(found))
        return 1
    print(f"identical: {len(a)} analyses")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=150)
    ap.add_argument("--out", type=Path)
    ap.add_argument("--compare", nargs=2, type=Path, metavar=("OLD", "NEW"))
    args = ap.parse_args()
    if args.compare:
        return compare(*args.compare)
    if args.out is None:
        ap.error("--out or --compare is required")
    dump(args.runs, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

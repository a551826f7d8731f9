"""The first response sheet after a start, against gunicorn as `scripts/run.sh` starts it.

    .venv/bin/python benchmarks/bench_first_sheet.py               # the machine as it is
    .venv/bin/python benchmarks/bench_first_sheet.py --fresh-fonts # as on a new machine:
                                                                   # an empty font cache

Starts gunicorn (``gunicorn.conf.py``, one worker, the environment of run.sh) on a free
port, waits for ``/healthz``, then times the first ``POST /api/v1/sheets`` (a PDF of the
Taishi antimony spill) and a few after it, and prints them. With ``--fresh-fonts`` the CJK
font cache is a new empty directory, so the setup step (`webgis warm-sheets --fonts-only`)
runs first, as in `scripts/setup.sh`. Needs the bundled data loaded (`scripts/setup.sh`). Issue 12's
target: the first sheet costs what the later ones do.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TAISHI = {
    "location": {"lon": 105.27, "lat": 33.89},
    "pollutant": "ANTIMONY",
    "release": {"mass_kg": 5000, "duration_h": 2},
    "started_at": "2026-03-14T09:30:00+08:00",
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _sheet(base: str) -> float:
    req = urllib.request.Request(f"{base}/api/v1/sheets", data=json.dumps(TAISHI).encode(),
                                 headers={"Content-Type": "application/json"}, method="POST")
    t0 = time.perf_counter()
    with urllib.request.urlopen(req, timeout=120) as resp:
        assert resp.status == 200 and resp.read(4) == b"%PDF"
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3, help="sheets after the first")
    ap.add_argument("--fresh-fonts", action="store_true", help="start with no font cache")
    ap.add_argument("--settle", type=float, default=0.0,
                    help="seconds to wait after /healthz answers (the warm-up runs then)")
    args = ap.parse_args()
    env = {**os.environ, "WEBGIS_PUBLIC_READ": "true",
           "WEBGIS_WARM_TRANSFERS": os.environ.get("WEBGIS_WARM_TRANSFERS", "true")}
    bindir = Path(sys.executable).parent
    with tempfile.TemporaryDirectory() as fonts:
        if args.fresh_fonts:
            env["WEBGIS_FONT_CACHE"] = fonts
            t0 = time.perf_counter()
            subprocess.run([str(bindir / "webgis"), "warm-sheets", "--fonts-only"], env=env,
                           cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
            print(f"setup step (font cache): {time.perf_counter() - t0:.1f} s")
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        proc = subprocess.Popen(
            [str(bindir / "gunicorn"), "--config", "gunicorn.conf.py", "--bind",
             f"127.0.0.1:{port}", "--workers", "1", "webgis:create_app()"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            t_start = time.perf_counter()
            while True:
                try:
                    with urllib.request.urlopen(f"{base}/healthz", timeout=5) as resp:
                        if resp.status == 200:
                            break
                except OSError:
                    time.sleep(0.2)
                if time.perf_counter() - t_start > 120:
                    raise SystemExit("gunicorn did not answer /healthz in 120 s")
            print(f"healthz answered {time.perf_counter() - t_start:.1f} s after the start")
            time.sleep(args.settle)
            first = _sheet(base)
            later = [_sheet(base) for _ in range(args.runs)]
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    print(f"first sheet after start: {first:.2f} s")
    print("later sheets: " + ", ".join(f"{t:.2f} s" for t in later))


if __name__ == "__main__":
    main()

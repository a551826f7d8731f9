"""How fast the duty officer's map is ready, and how much layer data it downloads.

Measures in Debian's headless Chromium (Playwright, never a downloaded browser):
- time from navigation start until the map and every layer are drawn
  (`document.body.dataset.ready`, set by static/app/map.js), over fresh browser contexts
  (empty cache), first load after the server starts reported separately;
- the layer payload: the one `/map/layers.json` response on the wire (gzip) and decoded,
  against the ten `/api/v1/<layer>` responses it replaces.
Targets (issue 6): ready <= 1.5 s on localhost, layer payload <= 2 MB.

    .venv/bin/python benchmarks/bench_map.py                # app on DATABASE_URL / local `webgis`
    .venv/bin/python benchmarks/bench_map.py --url http://127.0.0.1:5000 --runs 10
"""

from __future__ import annotations

import argparse
import statistics
import threading
import urllib.request
from contextlib import contextmanager

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
API_LAYERS = ["admin_areas", "rivers", "places", "water_sources", "sections",
              "interception_points", "depots", "teams", "enterprises", "pollutants"]
READY_TARGET_S = 1.5
PAYLOAD_TARGET_B = 2_000_000


@contextmanager
def served_app():
    """The app (environment settings, public read on) under werkzeug on a free port."""
    from werkzeug.serving import WSGIRequestHandler, make_server

    from webgis import create_app

    class Quiet(WSGIRequestHandler):
        def log_request(self, *args, **kwargs) -> None:
            pass

    app = create_app({"PUBLIC_READ": True})
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def load_once(browser, url: str) -> dict:
    """One cold page load in a fresh context: timings (ms) and layer bytes."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    layer_responses = []
    page.on("response", lambda r: layer_responses.append(r) if "/map/layers.json" in r.url
            else None)
    page.goto(url + "/")
    page.wait_for_function("document.body.dataset.ready", timeout=30000)
    if page.evaluate("document.body.dataset.ready") != "1":
        raise RuntimeError(f"map failed: {page.evaluate('WG.error')}")
    t = page.evaluate("""() => ({
        ready: performance.now(),
        dom: performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd,
        fetch: WG.fetchMs, render: WG.readyMs - WG.fetchMs })""")
    resp = layer_responses[0]
    wire = resp.request.sizes()["responseBodySize"]
    decoded = len(resp.body())
    context.close()
    return {**t, "wire": wire, "decoded": decoded}


def api_bytes(url: str) -> int:
    """What the ten per-layer API calls would download (uncompressed, as served)."""
    total = 0
    for name in API_LAYERS:
        zoom = "?zoom=8" if name in ("admin_areas", "rivers") else ""
        with urllib.request.urlopen(f"{url}/api/v1/{name}{zoom}") as resp:
            total += len(resp.read())
    return total


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def run(url: str, runs: int) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        first = load_once(browser, url)  # server caches cold (layer bundle built here)
        loads = [load_once(browser, url) for _ in range(runs)]
        browser.close()
    ready = [x["ready"] for x in loads]
    print(f"map ready (navigation start -> all layers drawn), {runs} cold browser loads:")
    print(f"  median {statistics.median(ready):7.0f} ms   p95 {pct(ready, 0.95):7.0f} ms   "
          f"min {min(ready):7.0f} ms   target <= {READY_TARGET_S * 1000:.0f} ms   "
          f"ratio median/target {statistics.median(ready) / (READY_TARGET_S * 1000):.2f}")
    print(f"  of which: page + scripts parsed (DOMContentLoaded) median "
          f"{statistics.median(x['dom'] for x in loads):.0f} ms, layer fetch median "
          f"{statistics.median(x['fetch'] for x in loads):.0f} ms, drawing median "
          f"{statistics.median(x['render'] for x in loads):.0f} ms")
    print(f"  first load after server start (layer bundle built): {first['ready']:.0f} ms")
    wire, decoded = loads[-1]["wire"], loads[-1]["decoded"]
    separate = api_bytes(url)
    print("layer payload (/map/layers.json, every layer in one response):")
    print(f"  on the wire (gzip) {wire / 1e6:6.3f} MB   decoded {decoded / 1e6:6.3f} MB   "
          f"target <= {PAYLOAD_TARGET_B / 1e6:.1f} MB   ratio decoded/target "
          f"{decoded / PAYLOAD_TARGET_B:.2f}")
    print(f"  the ten /api/v1/<layer> calls it replaces: {separate / 1e6:6.3f} MB "
          f"({separate / max(wire, 1):.1f}x the wire size, {separate / decoded:.1f}x decoded)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="benchmark a running server instead of starting one")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    if args.url:
        run(args.url.rstrip("/"), args.runs)
    else:
        with served_app() as url:
            run(url, args.runs)


if __name__ == "__main__":
    main()

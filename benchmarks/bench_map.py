"""How fast the duty officer's map is ready, and how much it downloads.

Measures in Debian's headless Chromium (Playwright, never a downloaded browser), over fresh
browser contexts (empty cache, like a first visit), the server's first load reported apart:
- map ready: navigation start until the first frame after every layer was drawn. A script
  injected before the page (not the app's own numbers) notes when `body[data-ready]` is set
  (static/app/map.js, after the last layer) and then when the next frame has been
  rendered (requestAnimationFrame, then a task after it); both read `performance.now()`
  in the page, so the figure holds no Playwright round trip;
- where the time goes: HTML received, DOMContentLoaded, layer bundle received (resource
  timing), layers parsed, drawing (map.js adding them, `WG.readyMs - WG.fetchMs`) and the
  frame after it. DOMContentLoaded is not a phase: with parser-blocking scripts the layers
  were drawn *inside* it (the fetch resolved between two scripts), so DOMContentLoaded +
  drawing counted the drawing twice;
- what went over the wire before the map was ready: requests and bytes (gzip where
  served so), and the layer payload `/map/layers.json` against the ten `/api/v1/<layer>`
  responses it replaces;
- the server's own time for `GET /` (urllib, median of a few).
Targets (issue 6): ready <= 1.5 s on localhost, layer payload <= 2 MB. Prints, never asserts.

On a shared machine the figures move by a third with what else runs; to compare two
versions, serve both the same way and pass `--url A --compare B`: the loads alternate
between the two servers, so both see the same machine.

    .venv/bin/python benchmarks/bench_map.py                # app on DATABASE_URL / local `webgis`
    .venv/bin/python benchmarks/bench_map.py --url http://127.0.0.1:5000 --runs 10
    .venv/bin/python benchmarks/bench_map.py --url http://127.0.0.1:5000 \\
        --compare http://127.0.0.1:5001                        # A/B, e.g. two gunicorns
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
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

# Runs in the page before its own scripts: when map.js marks the map ready, note the time,
# then the time the following frame has been rendered.
PROBE = """
(() => {
  const done = () => {
    const status = document.body && document.body.dataset.ready;
    if (!status || window.__wgBench) return false;
    const b = window.__wgBench = { readyAt: performance.now(), status: status };
    requestAnimationFrame(() => setTimeout(() => { b.paintedAt = performance.now(); }, 0));
    return true;
  };
  new MutationObserver((_, obs) => { if (done()) obs.disconnect(); })
    .observe(document, { subtree: true, attributes: true, attributeFilter: ["data-ready"] });
})();
"""

COLLECT = """() => {
  const b = window.__wgBench, nav = performance.getEntriesByType('navigation')[0];
  const res = performance.getEntriesByType('resource');
  const layers = res.find(e => e.name.includes('/map/layers.json'));
  const before = res.filter(e => e.responseEnd <= b.readyAt);
  const W = window.WG || {};
  const drawing = W.readyMs - W.fetchMs;
  return {
    ready: b.paintedAt, drawn: b.readyAt, status: b.status, error: W.error || null,
    html: nav.responseEnd, dom: nav.domContentLoadedEventEnd,
    layers_in: layers ? layers.responseEnd : null,
    parsed: b.readyAt - drawing, drawing: drawing, frame: b.paintedAt - b.readyAt,
    requests: 1 + before.length,
    bytes: nav.transferSize + before.reduce((s, e) => s + e.transferSize, 0),
  };
}"""


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
    """One cold page load in a fresh context: timings (ms since navigation start), bytes."""
    # Playwright polls a string predicate with eval, which the page's CSP (no unsafe-eval)
    # refuses when the first check is false: the harness, not the page, bypasses the CSP
    context = browser.new_context(viewport={"width": 1440, "height": 900}, bypass_csp=True)
    context.add_init_script(PROBE)
    page = context.new_page()
    layer_responses = []
    page.on("response", lambda r: layer_responses.append(r) if "/map/layers.json" in r.url
            else None)
    page.goto(url + "/")
    page.wait_for_function("window.__wgBench && window.__wgBench.paintedAt", timeout=30000)
    t = page.evaluate(COLLECT)
    if t["status"] != "1":
        raise RuntimeError(f"map failed: {t['error']}")
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


def page_server_ms(url: str, runs: int = 5) -> float:
    """Median wall time of `GET /` (the HTML only) from this process."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        with urllib.request.urlopen(url + "/") as resp:
            resp.read()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def med(loads: list[dict], key: str) -> float:
    values = [x[key] for x in loads if x[key] is not None]
    return statistics.median(values) if values else float("nan")


def run(urls: list[str], runs: int) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        # The first load builds the server's caches (layer bundle); reported on its own.
        first = {url: load_once(browser, url) for url in urls}
        loads: dict[str, list[dict]] = {url: [] for url in urls}
        for i in range(runs):  # alternate, so every server sees the same machine load
            for url in urls if i % 2 == 0 else urls[::-1]:
                loads[url].append(load_once(browser, url))
        browser.close()
    for url in urls:
        report(url, loads[url], first[url], runs, label=len(urls) > 1)


def report(url: str, loads: list[dict], first: dict, runs: int, label: bool) -> None:
    if label:
        print(f"== {url}")
    ready = [x["ready"] for x in loads]
    print(f"map ready (navigation start -> first frame with every layer drawn), {runs} cold "
          "browser contexts:")
    print(f"  median {statistics.median(ready):6.0f} ms   p95 {pct(ready, 0.95):6.0f} ms   "
          f"min {min(ready):6.0f} ms   max {max(ready):6.0f} ms   target <= "
          f"{READY_TARGET_S * 1000:.0f} ms   ratio median/target "
          f"{statistics.median(ready) / (READY_TARGET_S * 1000):.2f}")
    print("  medians, ms since navigation start: HTML received {:.0f}, DOMContentLoaded {:.0f}, "
          "layers received {:.0f}, layers parsed {:.0f}, drawn {:.0f}, frame painted {:.0f}"
          .format(*(med(loads, k) for k in ("html", "dom", "layers_in", "parsed", "drawn",
                                            "ready"))))
    print(f"  medians, ms: drawing the layers {med(loads, 'drawing'):.0f}, the frame after it "
          f"{med(loads, 'frame'):.0f}")
    print(f"  before ready: {loads[-1]['requests']} requests, "
          f"{loads[-1]['bytes'] / 1e6:.3f} MB on the wire (HTML, scripts, styles, layers)")
    print(f"  first load after server start (layer bundle built): {first['ready']:.0f} ms")
    print(f"  server time for GET / (HTML only): median {page_server_ms(url):.1f} ms")
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
    parser.add_argument("--compare", metavar="URL",
                        help="a second running server, measured in turns with the first")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    others = [args.compare.rstrip("/")] if args.compare else []
    if args.url:
        run([args.url.rstrip("/"), *others], args.runs)
    else:
        with served_app() as url:
            run([url, *others], args.runs)


if __name__ == "__main__":
    main()

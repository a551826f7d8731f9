"""The map page's scripts and stylesheets, each served as one cached, compressed file.

The page used to load fifteen separate files (Leaflet, five plugins, their stylesheets and
our three scripts), each a request a two-worker server answers two at a time, and the
scripts blocked the parser. Here they are concatenated in page order into one script per
language (the measure plugin has a Chinese and an English build) and one stylesheet, with
the stylesheets' relative `url(...)`s made absolute. A bundle is rebuilt when any of its
files changes (sizes and modification times are checked on every page, no build step),
gzip-compressed once, and linked with its content hash (`?v=`), so a browser may keep it
for a year and still never runs a stale copy.
"""

from __future__ import annotations

import gzip
import hashlib
import posixpath
import re
import threading
from dataclasses import dataclass
from pathlib import Path

#: Our own files, after the vendored ones folium asks for (see `mapview`).
APP_JS = ("app/fmt.js", "app/map.js", "app/incident.js")
APP_CSS = ("app/map.css",)
#: Loaded on first use only (incident.js), served the same way.
CHART_JS = ("vendor/chartjs/chart.umd.js",)
STATIC_PREFIX = "/static/"
#: The bundles are immutable under their hash; a year is the customary maximum.
MAX_AGE = 365 * 86400

_SOURCE_MAP = re.compile(rb"^\s*//# sourceMappingURL=\S*\s*$", re.MULTILINE)
_CSS_URL = re.compile(rb"""url\(\s*(['"]?)([^'")]+)\1\s*\)""")


@dataclass(frozen=True)
class Bundle:
    """One concatenated asset: its files, content hash, bytes and gzip bytes."""

    kind: str  # "js" or "css"
    files: tuple[str, ...]
    digest: str
    raw: bytes
    packed: bytes

    @property
    def mimetype(self) -> str:
        return "text/javascript" if self.kind == "js" else "text/css"


_cache: dict[tuple[str, tuple[str, ...]], tuple[tuple, Bundle]] = {}
_lock = threading.Lock()


def static_files(urls: tuple[str, ...]) -> tuple[str, ...]:
    """`/static/vendor/x.js` → `vendor/x.js` (every asset folium names is vendored)."""
    out = []
    for url in urls:
        if not url.startswith(STATIC_PREFIX):
            raise ValueError(f"map asset not under {STATIC_PREFIX}: {url}")
        out.append(url[len(STATIC_PREFIX):])
    return tuple(out)


def _absolute_css_urls(css: bytes, rel_path: str) -> bytes:
    """Rewrite `url(images/x.png)` in static/`rel_path` to `url(/static/<dir>/images/x.png)`."""
    folder = posixpath.dirname(rel_path)
    base = STATIC_PREFIX + (folder + "/" if folder else "")

    def fix(m: re.Match[bytes]) -> bytes:
        target = m.group(2).strip()
        if target.startswith((b"data:", b"/", b"#")) or b"://" in target:
            return m.group(0)
        return b'url("' + base.encode() + target + b'")'

    return _CSS_URL.sub(fix, css)


def _build(root: Path, kind: str, files: tuple[str, ...]) -> Bundle:
    parts = []
    for rel in files:
        data = (root / rel).read_bytes()
        if kind == "js":
            # Each file ends its own statements; no `//# sourceMappingURL` to maps we do not ship.
            data = _SOURCE_MAP.sub(b"", data).rstrip() + b"\n;"
        else:
            data = _absolute_css_urls(data, rel)
        parts.append(b"/* " + rel.encode() + b" */\n" + data + b"\n")
    raw = b"".join(parts)
    digest = hashlib.sha256(raw).hexdigest()[:16]
    return Bundle(kind, files, digest, raw, gzip.compress(raw, compresslevel=9, mtime=0))


def get(root: Path, kind: str, files: tuple[str, ...]) -> Bundle:
    """The bundle of `files` (paths under the static folder `root`), rebuilt if one changed."""
    key = (kind, files)
    stamp = tuple((st.st_mtime_ns, st.st_size) for st in ((root / f).stat() for f in files))
    hit = _cache.get(key)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    with _lock:
        hit = _cache.get(key)
        if hit is None or hit[0] != stamp:
            hit = (stamp, _build(root, kind, files))
            _cache[key] = hit
    return hit[1]

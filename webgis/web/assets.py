"""The map page's scripts and stylesheets, each served as one cached, compressed file.

The page used to load fifteen separate files (Leaflet, five plugins, their stylesheets and
our three scripts), each a request a two-worker server answers two at a time, and the
scripts blocked the parser. Here they are concatenated in page order into one script per
language (the measure plugin has a Chinese and an English build) and one stylesheet, with
the stylesheets' relative `url(...)`s made absolute, and the small images they name (icons
of a few hundred bytes, fetched on first paint otherwise) inlined as `data:` URIs. A bundle
is rebuilt when any of its files or images changes (sizes and modification times are
checked on every page, no build step), gzip-compressed once, and linked with its content
hash (`?v=`), so a browser may keep it for a year and still never runs a stale copy.

The page's Content-Security-Policy allows no `eval` (webgis/edge.py). The measure plugin
compiles its five small HTML templates with lodash's `template()`, which is `new Function`
at load time; `precompile_measure_templates` turns them into plain functions in the bundle.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import posixpath
import re
import threading
from dataclasses import dataclass
from pathlib import Path

#: Our own files, after the vendored ones folium asks for (see `mapview`).
APP_JS = (
    "app/fmt.js",
    "app/map.js",
    "app/release_form.js",
    "app/workspace.js",
    "app/tabs.js",
    "app/incident.js",
    "app/incident_reports.js",
    "app/incident_facts.js",
    "app/incident_timeline.js",
    "app/incident_dispatch.js",
    "app/incident_alerts.js",
    "app/incident_learning.js",
    "app/incident_readings.js",
    "app/area_draw.js",
    "app/screening.js",
    "app/scenarios.js",
    "app/drills.js",
    "app/legend.js",
    "app/incident_session.js",
    "app/source_search.js",
    "app/header.js",
)
APP_CSS = (
    "app/header.css",
    "app/map.css",
    "app/incident_readings.css",
    "app/screening.css",
)
#: Loaded on first use only (incident.js), served the same way.
CHART_JS = ("vendor/chartjs/chart.umd.js",)
STATIC_PREFIX = "/static/"
#: The bundles are immutable under their hash; a year is the customary maximum.
MAX_AGE = 365 * 86400
#: Images up to this size named by a stylesheet go into it as `data:` URIs.
INLINE_MAX = 4096
_IMAGE_TYPES = {".png": b"image/png", ".svg": b"image/svg+xml", ".gif": b"image/gif",
                ".jpg": b"image/jpeg", ".jpeg": b"image/jpeg"}

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
    def tag(self) -> str:
        """The ETag (`compression.send`): the content hash."""
        return self.digest

    @property
    def mimetype(self) -> str:
        return "text/javascript" if self.kind == "js" else "text/css"


_cache: dict[tuple[str, tuple[str, ...]], tuple[tuple, tuple[str, ...], Bundle]] = {}
_lock = threading.Lock()


def static_files(urls: tuple[str, ...]) -> tuple[str, ...]:
    """`/static/vendor/x.js` → `vendor/x.js` (every asset folium names is vendored)."""
    out = []
    for url in urls:
        if not url.startswith(STATIC_PREFIX):
            raise ValueError(f"map asset not under {STATIC_PREFIX}: {url}")
        out.append(url[len(STATIC_PREFIX):])
    return tuple(out)


def _stamp(root: Path, files: tuple[str, ...]) -> tuple:
    return tuple((st.st_mtime_ns, st.st_size) for st in ((root / f).stat() for f in files))


def _css_urls(root: Path, css: bytes, rel_path: str, used: list[str]) -> bytes:
    """In static/`rel_path`, inline `url(images/x.png)` when small (appending it to `used`),
    else make it `url(/static/<dir>/images/x.png)`."""
    folder = posixpath.dirname(rel_path)

    def fix(m: re.Match[bytes]) -> bytes:
        target = m.group(2).strip()
        if target.startswith((b"data:", b"/", b"#")) or b"://" in target:
            return m.group(0)
        rel = posixpath.normpath(posixpath.join(folder, target.decode()))
        path = root / rel
        kind = _IMAGE_TYPES.get(path.suffix.lower())
        if kind and path.is_file() and path.stat().st_size <= INLINE_MAX:
            used.append(rel)
            return b'url("data:' + kind + b";base64," + base64.b64encode(path.read_bytes()) + b'")'
        return b'url("' + (STATIC_PREFIX + rel).encode() + b'")'

    return _CSS_URL.sub(fix, css)


# leaflet-measure's build: `v=(0,i.default)(m.controlTemplate,y)` compiles a template with
# lodash (`y` holds the `{{ }}` syntax and the `numberFormat` import); the templates are the
# modules `e.exports='...'` that follow their export names.
_TEMPLATE_CALL = re.compile(rb"([\w$]+)=\(0,[\w$]+\.default\)\([\w$]+\.(\w+Template),([\w$]+)\)")
_TEMPLATE_NAME = re.compile(rb'Object\.defineProperty\(t,"(\w+Template)"')
_TEMPLATE_TEXT = re.compile(rb"function\(e,t,r\)\{e\.exports='((?:[^'\\]|\\.)*)'\}")
_TEMPLATE_TAG = re.compile(r"(\{\{[\s\S]+?\}\}|<%[\s\S]+?%>)")


def _template_function(text: str, imports: str) -> str:
    """A lodash template (`{{ expr }}` and `<% code %>` only) as JavaScript source."""
    code = ["var __t,__p='',model=obj.model,numberFormat=" + imports + ".imports.numberFormat;"]
    for part in _TEMPLATE_TAG.split(text):
        if part.startswith("{{"):
            code.append(f"__p+=((__t=({part[2:-2]}))==null?'':__t);")
        elif part.startswith("<%"):
            if part[2:3] in ("=", "-"):
                raise ValueError("unsupported template tag " + part[:12])
            code.append(part[2:-2] + "\n")
        elif part:
            code.append("__p+=" + json.dumps(part) + ";")
    return "function(obj){" + "".join(code) + "return __p;}"


def precompile_measure_templates(data: bytes) -> bytes:
    """leaflet-measure with its templates compiled here instead of by `new Function`."""
    names = [m.group(1).decode() for m in _TEMPLATE_NAME.finditer(data)]
    calls = list(_TEMPLATE_CALL.finditer(data))
    if not names or not calls:
        return data
    start = data.find(b'"' + names[-1].encode() + b'"')
    texts = [m.group(1) for m in _TEMPLATE_TEXT.finditer(data, start)][: len(names)]
    if len(texts) != len(names):
        return data
    source = {name: text.decode().replace("\\'", "'").replace("\\\\", "\\")
              for name, text in zip(names, texts, strict=True)}
    out, last = [], 0
    for m in calls:
        name = m.group(2).decode()
        if name not in source:
            return data
        fn = _template_function(source[name], m.group(3).decode())
        out += [data[last:m.start()], m.group(1) + b"=" + fn.encode()]
        last = m.end()
    return b"".join(out) + data[last:]


def _build(root: Path, kind: str, files: tuple[str, ...]) -> tuple[Bundle, tuple[str, ...]]:
    """The bundle and the images inlined into it."""
    parts: list[bytes] = []
    used: list[str] = []
    for rel in files:
        data = (root / rel).read_bytes()
        if kind == "js":
            # Each file ends its own statements; no `//# sourceMappingURL` to maps we do not ship.
            data = _SOURCE_MAP.sub(b"", data).rstrip() + b"\n;"
            if rel.startswith("vendor/measure/"):
                data = precompile_measure_templates(data)
        else:
            data = _css_urls(root, data, rel, used)
        parts.append(b"/* " + rel.encode() + b" */\n" + data + b"\n")
    raw = b"".join(parts)
    digest = hashlib.sha256(raw).hexdigest()[:16]
    bundle = Bundle(kind, files, digest, raw, gzip.compress(raw, compresslevel=9, mtime=0))
    return bundle, tuple(dict.fromkeys(used))


def get(root: Path, kind: str, files: tuple[str, ...]) -> Bundle:
    """The bundle of `files` (paths under the static folder `root`), rebuilt if one of them
    or an image inlined into it changed."""
    key = (kind, files)
    hit = _cache.get(key)
    if hit is not None and hit[0] == _stamp(root, files + hit[1]):
        return hit[2]
    with _lock:
        hit = _cache.get(key)
        if hit is None or hit[0] != _stamp(root, files + hit[1]):
            before = _stamp(root, files)  # taken first: a file changed meanwhile rebuilds again
            bundle, used = _build(root, kind, files)
            hit = (before + _stamp(root, used), used, bundle)
            _cache[key] = hit
    return hit[2]

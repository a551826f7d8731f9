"""gzip on every route, and cached bodies that are sent with strong ETags.

There are two ways a response gets compressed, and each has one helper here:

* `send`: a body cached per dataset version (layers, map data, the map's asset bundles) is
  compressed once, when it is built (`pack`, `BodyCache`). Sending it costs a lookup, and a
  client that already holds the current ETag gets a 304 with no body. The layers and the
  map data are the reads a browser or an API client repeats. Under load, building each one
  from PostGIS and encoding it again on every request took the CPU that analyses need.
* `init_app`: an `after_request` hook compresses every other JSON, JavaScript, CSS or XML
  response above `MIN_BYTES` (an analysis is ~170 kB of JSON and ~60 kB gzipped) at a fast
  level, when the client accepts gzip.

HTML pages are not compressed: they carry the CSRF token next to reflected parameters,
and compressing them would expose the token to a compression side channel (BREACH).

The gzip copy of a body gets its own ETag (`"<tag>-gzip"`), because a strong validator
names one representation. Both copies have the same content, so `If-None-Match` with either
tag is a match.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from flask import Flask, Response, request

#: Smaller bodies are sent as they are: gzip would save less than a network packet.
MIN_BYTES = 2048
#: Bodies built once per dataset version are worth the better ratio.
PACK_LEVEL = 6
#: Per-response compression: level 1 compresses an analysis in ~1.4 ms here, level 6 in
#: ~5 ms, for 59 kB instead of 53 kB.
DYNAMIC_LEVEL = 1
GZIP_SUFFIX = "-gzip"
COMPRESSIBLE = frozenset({
    "application/json", "application/geo+json", "text/javascript", "application/javascript",
    "text/css", "text/csv", "image/svg+xml", "application/xml", "text/xml",
    "application/gpx+xml", "application/vnd.google-earth.kml+xml",
})
_NO_BODY = frozenset({204, 206, 304})


class Body(Protocol):
    """A cached body: plain bytes, their gzip copy (or None) and a strong validator."""

    @property
    def raw(self) -> bytes: ...

    @property
    def packed(self) -> bytes | None: ...

    @property
    def tag(self) -> str: ...


@dataclass(frozen=True)
class Packed:
    """A body built once: `raw`, `packed` (None when too small to be worth it) and `tag`."""

    raw: bytes
    packed: bytes | None
    tag: str

    @property
    def nbytes(self) -> int:
        return len(self.raw) + len(self.packed or b"")


def pack(raw: bytes, tag: str, level: int = PACK_LEVEL) -> Packed:
    """`raw` with its gzip copy (deterministic: no timestamp in the header)."""
    packed = gzip.compress(raw, compresslevel=level, mtime=0) if len(raw) >= MIN_BYTES else None
    if packed is not None and len(packed) >= len(raw):
        packed = None
    return Packed(raw, packed, tag)


def _code_digest() -> str:
    """A digest of the app's own source. A deployment that changes how a body is built
    also changes every ETag, so no client keeps an old format that it validated earlier."""
    h = hashlib.sha256()
    root = Path(__file__).resolve().parent
    for path in sorted(root.rglob("*.py")):
        h.update(path.relative_to(root).as_posix().encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:12]


_CODE = _code_digest()


def etag(version: str, *parts: object) -> str:
    """A strong validator for a body built from dataset `version` and `parts` (the route's
    parameters) by this release of the code."""
    text = "\x1f".join([_CODE, version, *map(repr, parts)])
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def accepts_gzip(header: str | None) -> bool:
    """Whether an `Accept-Encoding` value allows gzip (`gzip`, `x-gzip` or `*`; q=0 means no)."""
    if not header:
        return False
    quality: dict[str, float] = {}
    for item in header.split(","):
        coding, _, params = item.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        quality[coding.strip().lower()] = q
    for name in ("gzip", "x-gzip"):
        if name in quality:
            return quality[name] > 0
    return quality.get("*", 0.0) > 0


def _matches(header: str | None, tag: str) -> bool:
    """Whether `If-None-Match` names `tag` (either copy; weak comparison, as RFC 9110 asks
    for If-None-Match)."""
    if not header:
        return False
    for item in header.split(","):
        item = item.strip()
        if item == "*":
            return True
        if item.startswith("W/"):
            item = item[2:]
        item = item.strip('"')
        if item.endswith(GZIP_SUFFIX):
            item = item[: -len(GZIP_SUFFIX)]
        if item == tag:
            return True
    return False


def if_none_match(header: str | None, tag: str) -> bool:
    """Whether an `If-None-Match` value names `tag` (for validators built outside `send`)."""
    return _matches(header, tag)


def send(body: Body, mimetype: str, cache_control: str = "no-cache") -> Response:
    """`body` as the client prefers: 304 when it holds the current copy, else gzip when
    accepted, else plain; always with `Vary: Accept-Encoding`."""
    gz = body.packed is not None and accepts_gzip(request.headers.get("Accept-Encoding"))
    headers = {
        "ETag": f'"{body.tag}{GZIP_SUFFIX if gz else ""}"',
        "Cache-Control": cache_control,
        "Vary": "Accept-Encoding",
    }
    if _matches(request.headers.get("If-None-Match"), body.tag):
        return Response(status=304, headers=headers)
    if gz:
        headers["Content-Encoding"] = "gzip"
        return Response(body.packed, mimetype=mimetype, headers=headers)
    return Response(body.raw, mimetype=mimetype, headers=headers)


class BodyCache:
    """Packed bodies by key, least recently used dropped beyond `max_bytes` (per process)."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[Hashable, Packed] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable, build: Callable[[], Packed]) -> Packed:
        """The body under `key`, built by `build()` on a miss."""
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
                return hit
        body = build()  # outside the lock: a build reads the database
        with self._lock:
            if key not in self._items:
                self._items[key] = body
                self._bytes += body.nbytes
                while self._bytes > self.max_bytes and len(self._items) > 1:
                    _, old = self._items.popitem(last=False)
                    self._bytes -= old.nbytes
        return body

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0


def _compress(response: Response) -> Response:
    if (response.status_code < 200 or response.status_code in _NO_BODY
            or response.direct_passthrough or response.is_streamed
            or "Content-Encoding" in response.headers
            or response.mimetype not in COMPRESSIBLE):
        return response
    response.vary.add("Accept-Encoding")
    if not accepts_gzip(request.headers.get("Accept-Encoding")):
        return response
    data = response.get_data()
    if len(data) < MIN_BYTES:
        return response
    packed = gzip.compress(data, compresslevel=DYNAMIC_LEVEL, mtime=0)
    if len(packed) >= len(data):
        return response
    response.set_data(packed)
    response.headers["Content-Encoding"] = "gzip"
    tag, weak = response.get_etag()
    if tag:
        response.set_etag(tag + GZIP_SUFFIX, weak=bool(weak))
    return response


def init_app(app: Flask) -> None:
    """Compress the app's JSON, scripts and other text answers (see the module docstring)."""
    app.after_request(_compress)

"""A CJK font that is embedded in every PDF, so the sheet renders on any machine.

ReportLab embeds only TrueType outlines, and the free CJK fonts on Debian (Noto Sans CJK,
package ``fonts-noto-cjk``; SIL Open Font License) carry PostScript (CFF) outlines. So
once per machine we subset Noto Sans CJK SC to GB 2312 plus Latin and the punctuation and
symbols a sheet uses, convert the outlines to TrueType (fontTools' cu2qu) and cache the
result (``var/cache/fonts``, else the temp directory). A sheet whose text needs a
character outside the cached set rebuilds the cache with it. ReportLab then embeds a
subset of only the glyphs used, so a PDF weighs tens of kilobytes of font, not megabytes.

No CJK font on the machine: the PDF falls back to ReportLab's built-in CID font
STSong-Light (not embedded; needs a viewer with Chinese fonts) and says so in the log.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import os
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

FONT_NAME = "SheetCJK"
FALLBACK_CID = "STSong-Light"
_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/System/Library/Fonts/PingFang.ttc",
)
_LOCK = threading.Lock()
_VERSION = "1"  # bump when the conversion changes


def _base_charset() -> set[str]:
    chars = {chr(c) for c in range(0x20, 0x7F)} | {chr(c) for c in range(0xA0, 0x180)}
    for lo, hi in (
        (0x2010, 0x2070),  # general punctuation
        (0x2070, 0x20A0),  # super/subscripts
        (0x2100, 0x2150),  # letterlike (℃ №)
        (0x2150, 0x2190),  # number forms (Ⅰ Ⅱ Ⅲ Ⅳ)
        (0x2190, 0x2200),  # arrows
        (0x2200, 0x2300),  # math (≤ ≥ ×)
        (0x2460, 0x24A0),  # enclosed numbers
        (0x25A0, 0x2600),  # geometric shapes
        (0x3000, 0x3040),  # CJK punctuation
        (0xFF00, 0xFFF0),  # full-width forms
    ):
        chars |= {chr(c) for c in range(lo, hi)}
    for hi in range(0xB0, 0xF8):  # GB 2312 hanzi, levels 1 and 2
        for lo in range(0xA1, 0xFF):
            with contextlib.suppress(UnicodeDecodeError):
                chars.add(bytes((hi, lo)).decode("gb2312"))
    return chars


def source_font() -> tuple[Path, int] | None:
    """The system's Noto Sans CJK (or another CJK OpenType font) and its SC face index."""
    return _source_font(os.environ.get("WEBGIS_CJK_FONT", ""))


@cache
def _source_font(env: str) -> tuple[Path, int] | None:
    paths = [Path(env)] if env else []
    paths += [Path(p) for p in _CANDIDATES]
    try:
        out = subprocess.run(
            ["fc-match", "-f", "%{file}", "Noto Sans CJK SC:lang=zh-cn"],
            capture_output=True, text=True, timeout=5, check=False,
        ).stdout.strip()
        if out:
            paths.append(Path(out))
    except (OSError, subprocess.SubprocessError):
        pass
    for p in paths:
        if p.is_file():
            return p, _sc_index(p)
    return None


def _sc_index(path: Path) -> int:
    from fontTools.ttLib import TTCollection

    if path.suffix.lower() not in (".ttc", ".otc"):
        return 0
    with TTCollection(str(path), lazy=True) as coll:
        for i, font in enumerate(coll.fonts):
            name = font["name"].getDebugName(1) or ""
            if name.endswith(" SC") or "SC" in name.split():
                return i
    return 0


def cache_dir() -> Path:
    """Where converted fonts live: ``WEBGIS_FONT_CACHE``, ``var/cache/fonts``, or temp."""
    from webgis.config import PROJECT_ROOT

    env = os.environ.get("WEBGIS_FONT_CACHE")
    for d in ([Path(env)] if env else []) + [PROJECT_ROOT / "var" / "cache" / "fonts"]:
        try:
            d.mkdir(parents=True, exist_ok=True)
            if os.access(d, os.W_OK):
                return d
        except OSError:
            continue
    d = Path(tempfile.gettempdir()) / "webgis-fonts"
    d.mkdir(parents=True, exist_ok=True)
    return d


def convert(src: Path, index: int, chars: set[str]) -> bytes:
    """Subset ``src`` to ``chars`` and convert its CFF outlines to TrueType; TTF bytes."""
    from fontTools.ttLib import TTFont

    with TTFont(str(src), fontNumber=index) as font:
        return _convert(font, chars)


def _convert(font: Any, chars: set[str]) -> bytes:
    from fontTools import subset
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import newTable

    opts = subset.Options()
    opts.desubroutinize = True
    opts.layout_features = []
    opts.hinting = False
    opts.notdef_outline = True
    opts.name_IDs = ["*"]
    opts.name_languages = ["*"]
    sub = subset.Subsetter(opts)
    sub.populate(text="".join(sorted(chars)))
    sub.subset(font)
    if "glyf" not in font:
        order = font.getGlyphOrder()
        glyphs = font.getGlyphSet()
        glyf = newTable("glyf")
        glyf.glyphOrder = order
        glyf.glyphs = {}
        for name in order:
            pen = TTGlyphPen(glyphs)
            glyphs[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
            glyf[name] = pen.glyph()
        font["glyf"] = glyf
        font["loca"] = newTable("loca")
        maxp = newTable("maxp")
        maxp.tableVersion = 0x00010000
        for attr in (
            "maxZones", "maxTwilightPoints", "maxStorage", "maxFunctionDefs",
            "maxInstructionDefs", "maxStackElements", "maxSizeOfInstructions",
            "maxComponentElements", "maxPoints", "maxContours", "maxCompositePoints",
            "maxCompositeContours", "maxComponentDepth",
        ):
            setattr(maxp, attr, 0)
        maxp.maxZones = 1
        maxp.numGlyphs = len(order)
        font["maxp"] = maxp
        font["head"].glyphDataFormat = 0
        font["head"].indexToLocFormat = 0
        for tag in ("CFF ", "VORG"):
            if tag in font:
                del font[tag]
        post = font["post"]
        post.formatType = 2.0
        post.extraNames = []
        post.mapping = {}
        post.glyphOrder = order
        font.sfntVersion = "\x00\x01\x00\x00"
    buf = io.BytesIO()
    font.save(buf)
    return buf.getvalue()


@dataclass(frozen=True)
class CjkFont:
    """A converted font file and the characters it covers."""

    path: Path
    chars: frozenset[str]


def _stamp(src: Path) -> str:
    st = src.stat()
    return hashlib.sha1(f"{_VERSION}|{src}|{st.st_size}|{st.st_mtime_ns}".encode()).hexdigest()[:12]


def ttf_font(extra: str = "") -> CjkFont | None:
    """The cached TrueType CJK font covering ``extra``; built (once) when needed."""
    src = source_font()
    if src is None:
        return None
    path, index = src
    with _LOCK:
        d = cache_dir()
        stamp = _stamp(path)
        ttf, charfile = d / f"cjk-{stamp}.ttf", d / f"cjk-{stamp}.chars"
        have: set[str] = set()
        if ttf.is_file() and charfile.is_file():
            have = set(charfile.read_text(encoding="utf-8"))
        need = {c for c in extra if not c.isspace()} - have
        if have and not need:
            return CjkFont(ttf, frozenset(have))
        if have:
            # only add characters the source font has at all
            need &= source_cmap(path, index)
            if not need:
                return CjkFont(ttf, frozenset(have))
        chars = (have or _base_charset()) | need
        log.info("building the CJK font cache %s (%d characters)", ttf, len(chars))
        data = convert(path, index, chars)
        tmp = ttf.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, ttf)
        tmpc = charfile.with_suffix(f".{os.getpid()}.tmp")
        tmpc.write_text("".join(sorted(chars)), encoding="utf-8")
        os.replace(tmpc, charfile)
        _registered.cache_clear()
        return CjkFont(ttf, frozenset(chars))


@cache
def source_cmap(path: Path, index: int) -> frozenset[str]:
    """Every character the source font has (read once per process: ~1 s)."""
    from fontTools.ttLib import TTFont

    with TTFont(str(path), fontNumber=index, lazy=True) as font:
        return frozenset(chr(c) for c in font.getBestCmap())


@cache
def _registered(path: str, mtime_ns: int) -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    name = f"{FONT_NAME}-{hashlib.sha1(f'{path}{mtime_ns}'.encode()).hexdigest()[:8]}"
    pdfmetrics.registerFont(TTFont(name, path))
    return name


def reportlab_font(text: str = "") -> str:
    """Register (once per process and font file) and return the ReportLab font name."""
    font = ttf_font(text)
    if font is None:
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.cidfonts import UnicodeCIDFont

        log.warning("no CJK TrueType/OpenType font found: the PDF uses %s, not embedded",
                    FALLBACK_CID)
        if FALLBACK_CID not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_CID))
        return FALLBACK_CID
    return _registered(str(font.path), font.path.stat().st_mtime_ns)


def matplotlib_font(text: str = ""):
    """FontProperties for map labels (the same converted font), or None."""
    from matplotlib.font_manager import FontProperties

    font = ttf_font(text)
    if font is not None:
        return FontProperties(fname=str(font.path))
    src = source_font()
    return FontProperties(fname=str(src[0])) if src else None

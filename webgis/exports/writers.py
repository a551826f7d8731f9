"""Which writer makes which format, and the ZIP of them all (`webgis.exports`).

The writers are imported when a format is first asked for (the PDF libraries take a
second to load). This module, not the package's `__init__`, holds the dispatch, so a
writer that imports a sibling (`pdf` imports `fonts`, `maps`) never runs the package's
`__init__` into an import of itself: no cycle.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable

from webgis.exports.context import SheetContext

# format -> (MIME type, file suffix)
FORMATS: dict[str, tuple[str, str]] = {
    "pdf": ("application/pdf", ".pdf"),
    "zip": ("application/zip", ".zip"),
    "geojson": ("application/geo+json", ".geojson"),
    "kml": ("application/vnd.google-earth.kml+xml", ".kml"),
    "gpx": ("application/gpx+xml", ".gpx"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"),
}
BUNDLE_ORDER = ("pdf", "geojson", "kml", "gpx", "xlsx")


def _writer(fmt: str) -> Callable[[SheetContext], bytes]:
    if fmt == "pdf":
        from webgis.exports.pdf import build_pdf

        return build_pdf
    if fmt == "xlsx":
        from webgis.exports.xlsx import xlsx

        return xlsx
    if fmt == "zip":
        return bundle
    from webgis.exports import gis

    return {"geojson": gis.geojson, "kml": gis.kml, "gpx": gis.gpx}[fmt]


def write(ctx: SheetContext, fmt: str) -> bytes:
    """The sheet in one format."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
    return _writer(fmt)(ctx)


def render(ctx: SheetContext, fmt: str) -> tuple[bytes, str, str]:
    """``(bytes, MIME type, file suffix)`` of the sheet in ``fmt``."""
    mimetype, suffix = FORMATS[fmt]
    return write(ctx, fmt), mimetype, suffix


def bundle(ctx: SheetContext) -> bytes:
    """One ZIP with the PDF and every data file (UTF-8 file names)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for fmt in BUNDLE_ORDER:
            data = write(ctx, fmt)
            info = zipfile.ZipInfo(f"{ctx.file_stem}{FORMATS[fmt][1]}",
                                   date_time=ctx.generated_at.timetuple()[:6])
            # PDF and XLSX are compressed already: store them, deflate the text files
            info.compress_type = (zipfile.ZIP_STORED if fmt in ("pdf", "xlsx")
                                  else zipfile.ZIP_DEFLATED)
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)
    return buf.getvalue()

"""Writers of a field response sheet: PDF, GeoJSON, KML, GPX, XLSX, and a ZIP of them all.

Input: a :class:`~webgis.exports.context.SheetContext` (the analysis result, the request,
incident metadata and a few layer features); output: bytes. No database, no Flask.

The dispatch lives in `webgis.exports.writers`; its public names are importable from here
too (`from webgis.exports import FORMATS, render`), loaded on first use so that importing
one writer never imports the package's others (no import cycle through this `__init__`).
"""

from __future__ import annotations

from typing import Any

__all__ = ["BUNDLE_ORDER", "FORMATS", "bundle", "render", "write"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from webgis.exports import writers

        return getattr(writers, name)
    raise AttributeError(f"module 'webgis.exports' has no attribute {name!r}")

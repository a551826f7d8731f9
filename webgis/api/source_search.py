"""Source search from an alarm (issue 16, item 2)."""

from __future__ import annotations

from flask import jsonify

from webgis import limits
from webgis.api import params
from webgis.api.blueprint import bp
from webgis.api.openapi import document
from webgis.auth import read_access
from webgis.contract.source_search import SourceSearchRequest, SourceSearchResult
from webgis.edge import current_settings
from webgis.services.source_search import search_sources


@bp.post("/api/v1/source-search")
@read_access
@limits.analysis
@document(json=SourceSearchRequest, ok=SourceSearchResult, tags=["analysis"])
def source_search():
    """The enterprises upstream that could have caused an alarm (posted like a station's
    reading: `section` or `lon`/`lat`, `sampled_at`, `pollutant`, `value`, `unit`, optional
    `series`), most plausible first, each with its release window, the mass needed
    (expected case) against its stock, and the reasons; stores nothing."""
    return jsonify(search_sources(params.body(SourceSearchRequest), current_settings()))

"""Survey import (issue 17 item 2): an admin uploads a department's file for one layer;
`?commit=false` answers the preview (report + features), otherwise it is stored in one
transaction. Errors are 422 with the report naming each row and field."""

from __future__ import annotations

import tempfile
from pathlib import Path

from flask import jsonify, request

from webgis.api import params
from webgis.api.blueprint import bp
from webgis.api.openapi import document
from webgis.auth import require_role
from webgis.contract.survey_import import ImportQuery, ImportReport, ProfileList
from webgis.edge import current_actor, current_settings
from webgis.errors import Unprocessable
from webgis.services import survey_import

_SECURITY: list[dict[str, list[str]]] = [{"bearer": []}, {"session": []}]


@bp.get("/api/v1/import/profiles")
@require_role("admin")
@document(ok=ProfileList, tags=["import"], security=_SECURITY)
def import_profiles():
    """The saved field-mapping profiles and the layers a survey can be imported into."""
    return jsonify(survey_import.profiles(current_settings()))


@bp.post("/api/v1/import/<layer>/upload")
@require_role("admin")
@document(query=ImportQuery, ok=ImportReport, tags=["import"], security=_SECURITY)
def upload_survey(layer: str):
    """Import a survey file (multipart field `file`: a zipped Shapefile, .gpkg, .geojson,
    .csv or .xlsx) into `layer`; `?commit=false` previews without storing."""
    q = params.query(ImportQuery)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise Unprocessable("send the file as multipart form field 'file'",
                            fields={"file": "missing"})
    suffix = Path(upload.filename).suffix.lower()
    if suffix not in survey_import.UPLOAD_SUFFIXES:
        raise Unprocessable("unsupported file type %(suffix)s", fields={"file": suffix},
                            params={"suffix": suffix or "(none)"})
    with tempfile.TemporaryDirectory(prefix="webgis-upload-") as tmp:
        path = Path(tmp) / f"upload{suffix}"  # never the client's name on disk
        try:
            upload.save(path)
        finally:
            upload.close()
        report = survey_import.import_survey(
            layer, path, current_actor(), current_settings(), profile=q.profile, crs=q.crs,
            commit=q.commit, label=Path(upload.filename).name[:200])
    return jsonify(report)

"""The ZIP holds the PDF and every data file, each readable."""

from __future__ import annotations

import io
import json
import zipfile

import gpxpy
import pytest

from webgis.exports import FORMATS, bundle, render, write


def test_bundle(ctx):
    data = bundle(ctx)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = zf.namelist()
        assert names == [f"incident-42{s}" for s in (".pdf", ".geojson", ".kml", ".gpx",
                                                     ".xlsx")]
        assert zf.read("incident-42.pdf").startswith(b"%PDF")
        assert json.loads(zf.read("incident-42.geojson"))["type"] == "FeatureCollection"
        assert gpxpy.parse(zf.read("incident-42.gpx").decode()).waypoints
        assert zf.read("incident-42.kml").startswith(b"<?xml")
        assert zf.read("incident-42.xlsx")[:2] == b"PK"


def test_render_and_unknown_format(ctx):
    data, mimetype, suffix = render(ctx, "gpx")
    assert mimetype == FORMATS["gpx"][0] and suffix == ".gpx" and data
    with pytest.raises(ValueError):
        write(ctx, "docx")

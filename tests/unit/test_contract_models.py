"""The contract's literals agree with the code they stand for; errors carry codes, not HTTP."""

from __future__ import annotations

import typing

from webgis import errors_http
from webgis.contract import requests as r
from webgis.errors import WebgisError
from webgis.exports import FORMATS
from webgis.hydro import errors as hydro_errors
from webgis.hydro.hydraulics import SEASONS
from webgis.models.incident import INCIDENT_KINDS
from webgis.response.level import ECOLOGY
from webgis.web.mapdata import ZOOMS


def test_literals_match_their_sources():
    assert typing.get_args(r.Season) == SEASONS == r.SEASONS
    assert set(typing.get_args(r.SheetFormat)) == set(FORMATS)
    assert set(typing.get_args(r.DataFormat)) == set(FORMATS) - {"pdf", "zip"}
    assert typing.get_args(r.IncidentKind) == INCIDENT_KINDS
    assert set(typing.get_args(r.Ecology)) == set(ECOLOGY) | {"none", ""}
    zoom = r.MapLayersQuery.model_fields["zoom"].metadata
    assert (zoom[0].ge, zoom[1].le) == (min(ZOOMS), max(ZOOMS))


def test_the_core_errors_know_no_http_and_share_the_base_class():
    for name in dir(hydro_errors):
        obj = getattr(hydro_errors, name)
        if isinstance(obj, type) and issubclass(obj, Exception):
            assert issubclass(obj, WebgisError)
            assert not hasattr(obj, "http_status")
            assert obj is WebgisError or errors_http.STATUS.get(obj.code) == 422


def test_every_request_facing_code_has_a_status():
    from webgis import errors

    for cls in (errors.BadRequest, errors.NotFound, errors.Unprocessable, errors.Unauthorized,
                errors.Forbidden):
        assert 400 <= errors_http.STATUS[cls.code] < 500

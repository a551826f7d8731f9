"""Property tests (Hypothesis) of every request parser: whatever arrives, a parser returns a
valid value or raises the domain error that becomes a 4xx JSON answer — never anything else
(which would be a 500). Also the JSON guards and the encoder of error bodies."""

from __future__ import annotations

import json
import math
from datetime import datetime

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.exceptions import NotFound
from werkzeug.routing import Map, ValidationError

from webgis.contract.errors import parse
from webgis.contract.requests import (
    EARLIEST,
    LATEST,
    AnalysisRequest,
    IncidentListQuery,
    LayerQuery,
    SaveIncident,
    ScenarioSheetQuery,
)
from webgis.edge import (
    MAX_ID,
    EdgeMiddleware,
    IdConverter,
    bad_text,
    check_strings,
    json_too_deep,
)
from webgis.errors import BadRequest, Unprocessable, WebgisError
from webgis.jsonprovider import OrjsonProvider
from webgis.services.analysis import MAX_HORIZON_H, parse_request
from webgis.services.layers import tolerance_for_zoom

SETTINGS = settings(max_examples=200, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow])
CODES = ["BENZENE", "ANTIMONY", "PHENOL"]
VALID = {
    "location": {"lon": 103.1, "lat": 35.92},
    "pollutant": "BENZENE",
    "release": {"mass_kg": 2000, "duration_h": 0},
    "season": "normal",
    "horizon_h": 72,
    "started_at": "2026-05-01T08:00:00+08:00",
}

# Any text, lone surrogates and control characters included.
any_text = st.text(st.characters(codec=None, exclude_categories=()), max_size=40)
numbers = st.one_of(
    st.integers(min_value=-(2**200), max_value=2**200),
    st.floats(allow_nan=True, allow_infinity=True),
)
scalars = st.one_of(st.none(), st.booleans(), numbers, any_text)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=5),
                            st.dictionaries(any_text, inner, max_size=5)),
    max_leaves=30,
)
digitish = st.text(st.sampled_from("0123456789²³¹٣١٠۹ +-.e_\x00"), max_size=25)


def _provider() -> OrjsonProvider:
    return OrjsonProvider(Flask(__name__))


def _serialisable(err: WebgisError) -> None:
    """The error body goes through the app's encoder to valid JSON."""
    text = _provider().dumps(err.to_dict())
    body = json.loads(text)
    assert isinstance(body["error"], str) and isinstance(body["fields"], dict)


def _mutations():
    paths = [("location",), ("location", "lon"), ("location", "lat"), ("pollutant",),
             ("release",), ("release", "mass_kg"), ("release", "duration_h"), ("season",),
             ("horizon_h",), ("started_at",), ("casualties",), ("evacuated",), ("loss_cny",)]
    return st.tuples(st.sampled_from(paths), json_values)


@SETTINGS
@given(json_values)
def test_parse_request_any_json(body):
    try:
        req = parse_request(body, CODES)
    except WebgisError as err:
        _serialisable(err)
    else:
        assert req.pollutant in CODES


@SETTINGS
@given(_mutations())
def test_parse_request_one_field_wrong(mutation):
    path, value = mutation
    body = json.loads(json.dumps(VALID))
    target = body
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    try:
        req = parse_request(body, CODES)
    except (Unprocessable, BadRequest) as err:
        _serialisable(err)
        return
    assert -180 <= req.lon <= 180 and -90 <= req.lat <= 90
    assert math.isfinite(req.mass_kg) and req.mass_kg > 0
    assert 0 < req.horizon_h <= MAX_HORIZON_H
    if req.started_at is not None:
        assert EARLIEST <= req.started_at < LATEST


@SETTINGS
@given(st.one_of(any_text, st.datetimes().map(datetime.isoformat),
                 st.datetimes(timezones=st.timezones()).map(datetime.isoformat), json_values))
def test_parse_instant(raw):
    body = {**VALID, "started_at": raw}
    try:
        value = parse(AnalysisRequest, body).started_at
    except Unprocessable as err:
        assert "started_at" in err.fields
        _serialisable(err)
    else:
        assert raw is None or (EARLIEST <= value < LATEST and value.tzinfo is not None)


@SETTINGS
@given(st.one_of(digitish, any_text))
def test_limit_query(raw):
    try:
        value = parse(IncidentListQuery, {"limit": raw}).limit
    except Unprocessable as err:
        assert "limit" in err.fields
        _serialisable(err)
    else:
        assert 1 <= value <= 100


@SETTINGS
@given(st.one_of(any_text, st.lists(st.one_of(digitish, st.floats().map(str)), max_size=6)
                 .map(",".join)))
def test_parse_bbox(raw):
    try:
        box = parse(LayerQuery, {"bbox": raw}).bbox
    except Unprocessable as err:
        assert "bbox" in err.fields
        _serialisable(err)
    else:
        if box is not None:
            minx, miny, maxx, maxy = box
            assert -180 <= minx < maxx <= 180 and -90 <= miny < maxy <= 90


@SETTINGS
@given(st.one_of(digitish, any_text, st.floats().map(str)))
def test_tolerance_for_zoom(raw):
    try:
        tol = tolerance_for_zoom(parse(LayerQuery, {"zoom": raw}).zoom)
    except Unprocessable as err:
        assert "zoom" in err.fields
        _serialisable(err)
    else:
        assert tol is None or (math.isfinite(tol) and tol > 0)


@SETTINGS
@given(st.one_of(st.none(), any_text))
def test_lang_and_format(raw):
    for field in ("lang", "format"):
        try:
            parse(ScenarioSheetQuery, {field: raw} if raw is not None else {})
        except Unprocessable as err:
            assert field in err.fields
            _serialisable(err)


def _depth(value) -> int:
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    return 0


bracket_text = st.text(st.sampled_from('[]{}"\\ax'), max_size=10)
nested = st.recursive(
    st.one_of(st.integers(), bracket_text),
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(bracket_text, inner, max_size=3)),
    max_leaves=40,
)


@SETTINGS
@given(nested, st.integers(min_value=0, max_value=8))
def test_json_depth_matches_the_structure(value, limit):
    text = json.dumps(value)
    assert json_too_deep(text, limit) == (_depth(value) > limit)


@SETTINGS
@given(json_values)
def test_check_strings_names_a_real_field(value):
    def texts(v):
        if isinstance(v, str):
            yield v
        elif isinstance(v, list):
            for item in v:
                yield from texts(item)
        elif isinstance(v, dict):
            for key, item in v.items():
                yield key
                yield from texts(item)

    dirty = any(bad_text(t) for t in texts(value))
    try:
        check_strings(value)
    except Unprocessable as err:
        assert dirty and len(err.fields) == 1
        _serialisable(err)
    else:
        assert not dirty


@SETTINGS
@given(json_values)
def test_error_bodies_always_encode(value):
    text = _provider().dumps({"error": "x", "fields": {"f": value}})
    assert json.loads(text)["error"] == "x"


@SETTINGS
@given(st.text(st.sampled_from("0123456789"), min_size=1, max_size=30))
def test_id_converter(digits):
    conv = IdConverter(Map())
    try:
        value = conv.to_python(digits)
    except NotFound:  # an id no row can have: 404 on every route (not 405)
        assert len(digits) > 12 or int(digits) > MAX_ID
    except (ValidationError, ValueError):
        assert len(digits) > 12 or int(digits) > MAX_ID
    else:
        assert value == int(digits) <= MAX_ID


@SETTINGS
@given(st.one_of(digitish, any_text.filter(lambda t: "\x00" not in t)),
       st.text(max_size=50))
def test_middleware_limits_never_raise(length, path):
    mw = EdgeMiddleware(lambda env, sr: [b""], {"MAX_CONTENT_LENGTH": 1000})
    refused = mw._check({"CONTENT_LENGTH": length, "PATH_INFO": path, "QUERY_STRING": ""})
    if refused is not None:
        assert refused[0] in (400, 413, 414, 431)


@pytest.mark.parametrize("body", [None, [], "x", 1, {"request": []}])
def test_save_parser_refuses_non_objects(body):
    with pytest.raises(WebgisError):
        parse(SaveIncident, body)


@SETTINGS
@given(json_values)
def test_save_parser(body):
    try:
        save = parse(SaveIncident, body)
    except WebgisError as err:
        _serialisable(err)
    else:
        assert isinstance(save.request, AnalysisRequest) and save.kind in ("incident", "drill")

"""JSON responses through orjson: an analysis answer is ~150 KB of numbers, and the
standard library encoder spends more time on it than the transport model does."""

from __future__ import annotations

import decimal
import json
import math
from typing import Any

import orjson
from flask import Flask
from flask.json.provider import DefaultJSONProvider

from webgis.edge import WebgisRequest

_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY


def _default(obj: Any) -> Any:
    if isinstance(obj, decimal.Decimal):
        return float(obj)
    if isinstance(obj, set | frozenset | tuple):
        return list(obj)
    raise TypeError(f"{type(obj).__name__} is not JSON serialisable")


class OrjsonProvider(DefaultJSONProvider):
    """Faster `dumps` (UTF-8 text, key order kept, NaN as null); `loads` stays the standard
    library's, which reads a bare NaN so the API can answer it with a 422 naming the field."""

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        try:
            return orjson.dumps(obj, default=_default, option=_OPTIONS).decode()
        except orjson.JSONEncodeError:
            # An integer beyond 64 bits or a lone surrogate (an error echoing what was
            # sent): the standard library writes both as valid JSON.
            return json.dumps(_plain(obj), default=_default, ensure_ascii=True)


def _plain(obj: Any, depth: int = 0) -> Any:
    """`obj` with non-finite floats as null (as orjson writes them); depth-capped."""
    if depth > 64:
        return None
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {str(k): _plain(v, depth + 1) for k, v in obj.items()}
    if isinstance(obj, list | tuple | set | frozenset):
        return [_plain(v, depth + 1) for v in obj]
    return obj


class WebgisFlask(Flask):
    """Flask with the orjson provider and the guarded request (see `webgis.edge`)."""

    json_provider_class = OrjsonProvider
    request_class = WebgisRequest

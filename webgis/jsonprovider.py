"""JSON responses through orjson: an analysis answer is ~150 KB of numbers, and the
standard library encoder spends more time on it than the transport model does."""

from __future__ import annotations

import decimal
from typing import Any

import orjson
from flask import Flask
from flask.json.provider import DefaultJSONProvider

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
        return orjson.dumps(obj, default=_default, option=_OPTIONS).decode()


class WebgisFlask(Flask):
    """Flask with the orjson provider."""

    json_provider_class = OrjsonProvider

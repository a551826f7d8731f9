"""Validation errors as the product's error: a pydantic `ValidationError` becomes one
`Unprocessable` (code ``invalid``, a 422 at the edge) whose `fields` name every offending
field by its dotted path (``location.lon``, ``casualties.deaths``, ``body`` for the whole
body), and whose message is an English template the edge translates.
"""

from __future__ import annotations

import types
import typing
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from webgis.errors import Unprocessable

M = TypeVar("M", bound=BaseModel)

#: The message of each pydantic error type (``%(field)s`` and the error's context). Types
#: not listed fall back to "<field> is invalid". Each template has a Chinese entry in
#: webgis/translations/zh.
TEMPLATES: dict[str, str] = {
    "missing": "%(field)s is required",
    "float_type": "%(field)s must be a number",
    "float_parsing": "%(field)s must be a number",
    "finite_number": "%(field)s must be a finite number",
    "int_type": "%(field)s must be a whole number",
    "int_parsing": "%(field)s must be a whole number",
    "int_from_float": "%(field)s must be a whole number",
    "bool_type": "%(field)s must be true or false",
    "string_type": "%(field)s must be text",
    "model_type": "%(field)s must be an object",
    "model_attributes_type": "%(field)s must be an object",
    "dict_type": "%(field)s must be an object",
    "greater_than": "%(field)s must be > %(gt)s",
    "greater_than_equal": "%(field)s must be ≥ %(ge)s",
    "less_than": "%(field)s must be < %(lt)s",
    "less_than_equal": "%(field)s must be ≤ %(le)s",
    "literal_error": "%(field)s must be one of %(expected)s",
    "string_too_long": "%(field)s must be at most %(max_length)s characters",
    "instant": "%(field)s must be an ISO-8601 date-time",
    "instant_range": "%(field)s must be between %(earliest)s and %(latest)s",
    "control_characters": "%(field)s must not contain control characters",
    "extra_forbidden": "%(field)s is not a known field",
    "duplicate_step": "%(field)s: step %(i)s repeats %(phase)s order %(order)s",
    "deadline_before_found": "%(field)s: the deadline must not be before the day it was found",
    "date_from_datetime_parsing": "%(field)s must be a date (YYYY-MM-DD)",
    "date_parsing": "%(field)s must be a date (YYYY-MM-DD)",
    "unit_unknown": "%(field)s: unknown unit %(unit)s; use mg/L or µg/L",
    # s7-ratesflow: rate series and today's flow (webgis.contract.requests)
    "rate_series": "%(field)s: %(reason)s (%(where)s)",
    "series_mass": "%(field)s must be the rate series' integral, %(mass)s kg (or left out)",
    "series_mass_max": "%(field)s: the rate series releases more than %(max)s kg",
    "series_duration": "%(field)s must be the rate series' last time, %(end)s h (or 0)",
    "flow_place": "%(field)s: give the reach_code or the station_code (one of them)",
    "bbox_format": "%(field)s must be four numbers: minlon,minlat,maxlon,maxlat",
    "bbox_range": ("%(field)s out of range or empty (need -180<=minlon<maxlon<=180, "
                   "-90<=minlat<maxlat<=90)"),
}
_FALLBACK = "%(field)s is invalid"


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model an annotation holds (directly, in a union or `Annotated`)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType, typing.Annotated,
                                         list):  # a list's items: ``lines[0].quantity``
        for arg in typing.get_args(annotation):
            found = _model_in(arg)
            if found is not None:
                return found
    return None


def field_path(model: type[BaseModel], loc: tuple[int | str, ...]) -> str:
    """The dotted field name of an error location; union member tags are dropped."""
    parts: list[str] = []
    current: type[BaseModel] | None = model
    for part in loc:
        if isinstance(part, int):
            parts.append(f"[{part}]")
        elif current is not None and part in current.model_fields:
            parts.append(part)
            current = _model_in(current.model_fields[part].annotation)
    return ".".join(parts).replace(".[", "[") or "body"


def _plain(value: Any) -> Any:
    return value if isinstance(value, str | int | float | bool | type(None)) else str(value)


def from_validation(model: type[BaseModel], exc: ValidationError) -> Unprocessable:
    """One `Unprocessable` naming every field of `exc`; the message is the first error's."""
    fields: dict[str, Any] = {}
    first: tuple[str, dict[str, Any]] | None = None
    for err in exc.errors(include_url=False):
        name = field_path(model, tuple(err["loc"]))
        if err["type"] == "extra_forbidden" and err["loc"]:
            # an unknown field is named itself, under its parent's path
            parent = field_path(model, tuple(err["loc"][:-1]))
            unknown = str(err["loc"][-1])
            name = unknown if parent == "body" else f"{parent}.{unknown}"
        value = None if err["type"] == "missing" else err.get("input")
        fields.setdefault(name, value if isinstance(value, dict | list) else _plain(value))
        if first is None:
            ctx = {k: _plain(v) for k, v in (err.get("ctx") or {}).items()}
            first = (TEMPLATES.get(err["type"], _FALLBACK), {**ctx, "field": name})
    assert first is not None  # a ValidationError has at least one error
    template, params = first
    return Unprocessable(template, fields, params=params)


def parse(model: type[M], data: Any) -> M:
    """`data` validated by `model`, or an `Unprocessable` naming the fields."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise from_validation(model, exc) from None

"""Request parsing for the handlers: the JSON body, the query string or path values,
validated by a contract model (`webgis.contract.requests`); errors name the field."""

from __future__ import annotations

from typing import Any, TypeVar

from flask import request
from pydantic import BaseModel

from webgis.contract.errors import parse
from webgis.errors import BadRequest

M = TypeVar("M", bound=BaseModel)


def body(model: type[M]) -> M:
    """The JSON body as `model`: 400 when it cannot be read, 422 naming invalid fields."""
    data = request.get_json(silent=True)
    if data is None:
        raise BadRequest("the body must be a JSON object", fields={"body": "malformed JSON"})
    return parse(model, data)


def query(model: type[M]) -> M:
    """The query string as `model` (the first value of a repeated parameter); 422."""
    return parse(model, request.args.to_dict())


def values(model: type[M], **data: Any) -> M:
    """Path values as `model`; 422 naming the value."""
    return parse(model, data)

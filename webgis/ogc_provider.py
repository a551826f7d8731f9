"""pygeoapi's PostgreSQL provider on psycopg 3, for `/ogc` (webgis.ogc).

pygeoapi's own provider hard-codes the psycopg2 driver; the app already uses psycopg 3, so
this subclass changes the SQLAlchemy driver name and keeps everything else (bbox with
ST_Intersects, paging, item by id). Two fixes for bad input, which pygeoapi 0.21 turns into
500s: a property filter's value is converted to the column's type first (`is_reservoir=true`,
`length_m=1000`; a value that does not convert is a 400 naming the property), and `datetime`
on a collection without a time property is a 400, not a failed query. Imported by
pygeoapi's plugin loader on the first `/ogc` request, not when the app starts.
"""

from __future__ import annotations

import math
from typing import Any

from pygeoapi.provider.base import ProviderInvalidQueryError
from pygeoapi.provider.sql import GenericSQLProvider
from pygeoapi.provider.sql import PostgreSQLProvider as _PygeoapiPostgreSQLProvider
from sqlalchemy import and_

# Engines the provider made (pygeoapi caches one per connection), to close them on demand.
# Held strongly: an engine collected with pooled connections open would leave them to the
# garbage collector (a ResourceWarning); they live as long as the process anyway.
_ENGINES: set[Any] = set()
_TRUE, _FALSE = {"true", "1", "yes"}, {"false", "0", "no"}


def _typed(name: str, python_type: type | None, value: str) -> Any:
    """`value` (a query-string text) as a `python_type` value for comparing with the column."""
    if python_type is bool:
        if value.strip().lower() in _TRUE:
            return True
        if value.strip().lower() in _FALSE:
            return False
        raise ProviderInvalidQueryError(user_msg=f"{name}: expected true or false")
    if python_type in (int, float):
        try:
            number = python_type(value)
        except ValueError:
            raise ProviderInvalidQueryError(
                user_msg=f"{name}: expected {'an integer' if python_type is int else 'a number'}"
            ) from None
        if not math.isfinite(number):
            raise ProviderInvalidQueryError(user_msg=f"{name}: expected a finite number")
        return number
    return value


class PostgreSQLProvider(_PygeoapiPostgreSQLProvider):
    """pygeoapi's PostgreSQL provider over psycopg 3, with typed property filters."""

    def __init__(self, provider_def: dict):
        GenericSQLProvider.__init__(  # the parent's __init__ differs only in the driver name
            self, provider_def, "postgresql+psycopg",
            {"client_encoding": "utf8", "application_name": "webgis-ogc"},
        )
        _ENGINES.add(self._engine)

    def _get_property_filters(self, properties):
        if not properties:
            return True
        filters = []
        for name, value in properties:
            column = getattr(self.table_model, name)
            try:
                python_type = column.type.python_type
            except NotImplementedError:
                python_type = None
            filters.append(column == _typed(name, python_type, value))
        return and_(*filters)

    def _get_datetime_filter(self, datetime_):
        if datetime_ not in (None, "../..") and self.time_field is None:
            raise ProviderInvalidQueryError(
                user_msg="datetime: this collection has no time property")
        return super()._get_datetime_filter(datetime_)


def dispose_engines() -> None:
    """Close the provider's pooled connections (tests, and before a fork)."""
    for engine in list(_ENGINES):
        engine.dispose()

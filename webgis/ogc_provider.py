"""pygeoapi's PostgreSQL provider on psycopg 3, for `/ogc` (webgis.ogc).

pygeoapi's own provider hard-codes the psycopg2 driver; the app already uses psycopg 3, so
this subclass changes only the SQLAlchemy driver name and keeps everything else (bbox with
ST_Intersects, property filters, paging, item by id). Imported by pygeoapi's plugin loader
on the first `/ogc` request, not when the app starts.
"""

from __future__ import annotations

import weakref

from pygeoapi.provider.sql import GenericSQLProvider
from pygeoapi.provider.sql import PostgreSQLProvider as _PygeoapiPostgreSQLProvider

# Engines the provider made (pygeoapi caches one per connection), to close them on demand.
_ENGINES: weakref.WeakSet = weakref.WeakSet()


class PostgreSQLProvider(_PygeoapiPostgreSQLProvider):
    """pygeoapi's PostgreSQL provider over psycopg 3 rather than psycopg2."""

    def __init__(self, provider_def: dict):
        GenericSQLProvider.__init__(  # the parent's __init__ differs only in the driver name
            self, provider_def, "postgresql+psycopg",
            {"client_encoding": "utf8", "application_name": "webgis-ogc"},
        )
        _ENGINES.add(self._engine)


def dispose_engines() -> None:
    """Close the provider's pooled connections (tests, and before a fork)."""
    for engine in list(_ENGINES):
        engine.dispose()

"""The JSON API, versioned under /api/v1. Handlers parse, call a service, serialise."""

# Routes register on import.
from webgis.api import health, incidents, incidents_store, layers, sheets  # noqa: E402,F401
from webgis.api.blueprint import bp

__all__ = ["bp"]

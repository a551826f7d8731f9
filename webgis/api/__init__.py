"""The JSON API, versioned under /api/v1. Handlers parse, call a service, serialise."""

# Routes register on import.
from webgis.api import (  # noqa: E402,F401
    alerts,
    dispatch,
    drills,
    health,
    incident_aggregate,
    incidents,
    incidents_store,
    layers,
    learning,
    plans,
    readings,
    registers,
    reports,
    scenarios,
    screening,
    sheets,
    source_search,
    supervision,
    survey_import,
    upstream,
)
from webgis.api.blueprint import bp

__all__ = ["bp"]

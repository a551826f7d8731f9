"""The JSON API, versioned under /api/v1. Handlers parse, call a service, serialise."""

from flask import Blueprint

bp = Blueprint("api", __name__)

# Routes register on import.
from webgis.api import health, incidents, incidents_store, layers, sheets  # noqa: E402,F401

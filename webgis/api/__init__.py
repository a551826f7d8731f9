"""The JSON API, versioned under /api/v1. Handlers parse, call a service, serialise."""

from flask import Blueprint

bp = Blueprint("api", __name__)

from webgis.api import health, incidents, layers  # noqa: E402,F401  (routes register on import)
from webgis.api import sheets  # noqa: E402,F401  (response sheets)

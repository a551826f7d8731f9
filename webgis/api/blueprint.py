"""The JSON API's blueprint, in a module of its own: the route modules register on it and
the package's `__init__` imports them, so no route module imports the package (no cycle)."""

from flask import Blueprint

bp = Blueprint("api", __name__.rsplit(".", 1)[0])

"""Pages."""

from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("web", __name__)


@bp.get("/")
def index():
    """The duty officer's start page."""
    return render_template("index.html")

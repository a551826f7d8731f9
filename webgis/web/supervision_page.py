"""The risk supervision page (`/supervision`, issue 17 item 5): the dashboard by prefecture
and basin, the hazard ledger with overdue ones in red, and the forms that record, move and
close hazards (through the API, so the rules and the audit are the API's)."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from webgis.contract.errors import parse
from webgis.contract.supervision import HazardQuery
from webgis.exports.supervision import VALUE_LABELS
from webgis.i18n import select_locale
from webgis.services import hazards, supervision

bp = Blueprint("supervision", __name__)
WRITERS = ("duty_officer", "leader", "planner", "admin")


@bp.get("/supervision")
def supervision_page():
    """Signed-in users only (the ledger names enterprises and their failings)."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    query = parse(HazardQuery, {k: v for k, v in request.args.items() if k != "lang"})
    return render_template(
        "supervision.html", board=supervision.dashboard(), ledger=hazards.list_hazards(query),
        query=query, lang=select_locale(), can_write=current_user.role in WRITERS,
        csrf=generate_csrf(), basins=supervision.BASIN_NAMES, labels=VALUE_LABELS)

"""The department's own pages (issue 17): risk supervision (`/supervision`: the dashboard by
prefecture and basin, the hazard ledger with overdue ones in red, the forms that record,
move and close hazards) and the river plans (`/plans`: progress across the key rivers,
`/plans/<river>`: the plan's steps edited as versions). The pages write through the API,
so the rules and the audit are the API's. Signed-in users only."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from webgis.contract.errors import parse
from webgis.contract.supervision import HazardQuery
from webgis.edge import current_settings
from webgis.errors import Forbidden
from webgis.exports.supervision import VALUE_LABELS
from webgis.i18n import select_locale
from webgis.services import hazards, plan_versions, registers, supervision, survey_import

bp = Blueprint("registers", __name__)
WRITERS = ("duty_officer", "leader", "planner", "admin")
EDITORS = ("planner", "duty_officer", "leader", "admin")
#: English message ids of the coded values the plan pages show (translated by `_()`).
LABELS = {
    "status_labels": {"bundled": "Bundled steps", "drafted": "Draft in progress",
                      "reviewed": "Reviewed, not yet issued", "issued": "Issued",
                      "revision_due": "Revision due"},
    "version_labels": {"draft": "draft", "reviewed": "reviewed", "issued": "issued",
                       "superseded": "superseded"},
    "phase_labels": {p: p for p in ("report", "assess", "contain", "treat", "monitor",
                                    "recover")},
    "basin_labels": {"yellow": "Yellow River basin", "yangtze": "Yangtze basin",
                     "inland": "Inland rivers"},
}


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


def _signed_in():
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


@bp.get("/plans")
def plans_page():
    """Progress of the key rivers' plans: reported and recorded."""
    if not current_user.is_authenticated:
        return _signed_in()
    return render_template("plans.html", board=plan_versions.plans_dashboard(),
                           lang=select_locale(), **LABELS)


@bp.get("/plans/<river>")
def plan_page(river: str):
    """One river's plan: the steps in use, the versions, and the editor."""
    if not current_user.is_authenticated:
        return _signed_in()
    return render_template("plan_edit.html", plan=plan_versions.plan_detail(river),
                           lang=select_locale(), csrf=generate_csrf(),
                           can_edit=current_user.role in EDITORS, **LABELS)


@bp.get("/registers")
def registers_page():
    """Depot stock, teams, enterprises and interception spaces, editable by role."""
    if not current_user.is_authenticated:
        return _signed_in()
    return render_template("registers.html", stock=registers.list_stock(),
                           teams=registers.list_teams(),
                           enterprises=registers.list_enterprises(),
                           spaces=registers.list_spaces(), lang=select_locale(),
                           csrf=generate_csrf(), can_edit=current_user.role in WRITERS)


#: The import page's layers (issue 17 item 2) and their labels.
IMPORT_LAYERS = (("enterprises", _l("Enterprises (with substances)")),
                 ("intakes", _l("Drinking-water intakes")),
                 ("sections", _l("Monitoring sections")),
                 ("spaces", _l("Interception spaces")),
                 ("depots", _l("Depots and their inventory")),
                 ("teams", _l("Rescue teams")))


@bp.get("/import")
def import_page():
    """Upload a department's survey: preview on a map, then commit (admins only)."""
    if not current_user.is_authenticated:
        return _signed_in()
    if current_user.role != "admin":
        raise Forbidden("importing a survey is for administrators")
    return render_template("import.html", layers=IMPORT_LAYERS,
                           profiles=survey_import.profiles(current_settings())["profiles"],
                           csrf=generate_csrf(), lang=select_locale())

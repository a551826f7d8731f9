"""The words of the response sheet and its data files, from the one Flask-Babel catalogue.

The sheet uses the map's catalogue (`webgis/translations`, source strings in English):
``LABELS`` names each sheet label's message id, ``label(key, lang)`` translates it with
:func:`webgis.i18n.translations` (no Flask request needed, so the CLI's `webgis sheet`
works too). Where the printed form needs another Chinese word than the map for the same
English text (e.g. "Receptors": 敏感点 on the sheet, 敏感目标 on the map), the message has
the context ``sheet`` (``NP_``). `tests/unit/exports/test_sheet_language.py` checks that
every message here has its Chinese translation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from webgis.i18n import LANGUAGES, translations

if TYPE_CHECKING:
    from webgis.exports.context import SheetContext

SHEET = "sheet"
Message = str | tuple[str, str]


def N_(msgid: str) -> str:
    """Marks ``msgid`` for the catalogue (`pybabel extract -k N_`); translated later."""
    return msgid


def NP_(context: str, msgid: str) -> tuple[str, str]:
    """Marks ``msgid`` in ``context`` (`pybabel extract -k NP_:1c,2`)."""
    return context, msgid


LABELS: dict[str, Message] = {
    # document
    "sheet_title": N_("Field response sheet: water pollution incident"),
    "default_title": N_("{pollutant} spill in the {river}"),
    "scenario": N_("scenario (not saved)"),
    "drill": N_("DRILL"),
    "drill_tag": N_("[{drill}]"),
    "page": N_("page {n} of {total}"),
    "generated": N_("generated {at}"),
    "model_note": N_(
        "Arrival times and concentrations are 1D model estimates: 'expected' is the "
        "expected case, 'earliest' the worst case (upper-envelope velocity); road times "
        "are estimates. Field monitoring prevails."
    ),
    "live_link": N_("Live incident: "),
    "scan": N_("scan for the live incident"),
    # header
    "incident": N_("Incident"),
    "time": N_("Time"),
    "discovered": N_("Discovered"),
    "place": N_("Place"),
    "place_value": N_("{river} (reach {reach}, {offset} m from the channel)  {lon}°E, {lat}°N"),
    "pollutant_mass": N_("Pollutant and mass"),
    "mass_value": N_("{name}  {mass} kg{duration}"),
    "instant": N_(", instantaneous"),
    "over_hours": N_(", over {h} h"),
    # s7-ratesflow: a release given as a rate series, and today's flow
    "rate_series": N_("Release rate series"),
    "rate_series_value": N_("from {t} h: {r} kg/h"),
    "as_series": N_(", as a rate series"),
    "flow_today": N_("Today's discharge"),
    "flow_today_value": N_(
        "{q} m³/s at {where} (season's {qs} m³/s, × {ratio}) replaces the season's "
        "discharge along the path"),
    "level": N_("Suggested level"),
    "level_value": N_("level {level} ({name})"),
    "level_I": N_("especially major"),
    "level_II": N_("major"),
    "level_III": N_("larger"),
    "level_IV": N_("general"),
    "deadline": N_("Reporting deadline"),
    "deadline_value": N_("by {at} ({minutes} min after discovery, report as level {report_as})"),
    "officer": N_("Issuing officer"),
    "officer_blank": N_("____________ (signature)"),
    "season_horizon": N_("Season / horizon"),
    "season_dry": N_("dry season"),
    "season_normal": N_("normal flow"),
    "season_flood": N_("flood season"),
    "hours": N_("{h} h"),
    "reasons": N_("Why this level"),
    # map
    "map": N_("Situation map"),
    "map_legend_incident": NP_("sheet", "incident"),
    "map_legend_path": N_("plume path (arrival, h)"),
    "map_legend_ws": N_("drinking-water intake"),
    "map_legend_section": N_("monitoring section"),
    "map_legend_ip": N_("interception point"),
    "map_legend_depot": N_("material depot"),
    "map_legend_team": N_("rescue team"),
    "map_legend_boundary": N_("boundary crossing"),
    "map_legend_dispatch": N_("dispatch"),
    "arrival_h": N_("arrival (h)"),
    "km": N_("km"),
    "north": N_("N"),
    # receptor table
    "receptors": N_("Receptors downstream (by river km)"),
    "col_no": N_("#"),
    "col_kind": N_("Kind"),
    "col_name": N_("Name"),
    "col_km": NP_("sheet", "km"),
    "col_arrival": N_("Arrival (earliest)"),
    "col_arrival_clock": N_("Expected arrival"),
    "col_earliest": N_("Earliest arrival"),
    "col_peak_time": N_("Peak at"),
    "col_peak": N_("Peak mg/L"),
    "col_peak_oil": N_("Dissolved petroleum peak mg/L"),
    "slick_line": N_(
        "Slick: arrives {arr} (earliest {warr}), passed by {end} (latest {wend}), {len} "
        "km long (longest {wlen} km), {ev}% evaporated"
    ),
    "oil_note": N_(
        "Floating oil is forecast as a slick moving with the surface current (1.18 × the "
        "cross-section mean velocity expected; the worst case takes 1.25 × plus down-"
        "river wind drift for the earliest arrival and the mean velocity for the latest "
        "passage end, i.e. the longest slick); evaporation by Fingas' equation, credited "
        "in the expected case only. Concentrations are dissolved/dispersed petroleum (GB "
        "3838-2002 petroleum 0.05 mg/L), bounded by the product's water-accommodated "
        "fraction (WAF {waf} mg/L), never a bulk concentration of the product. Oil "
        "stranded on the banks can keep leaching after the slick has passed."
    ),
    "sketch_slick": N_("slick at {arr}, {len} km long"),
    "sketch_peak_oil": N_("petroleum {peak} mg/L"),
    "col_limit": N_("Limit mg/L"),
    "col_exceed": N_("× limit / hours"),
    "col_limit_basis": N_("Limit basis"),
    "col_solubility": N_("Solubility"),
    "col_near_field": N_("Near field"),
    "exceeds_yes": N_("above"),
    "undissolved": N_("exceeds solubility: undissolved product"),
    "near_field": N_("near field (bank above the cross-section mean)"),
    "kind_water_source": N_("intake"),
    "kind_section": N_("section"),
    "kind_interception": N_("interception"),
    "kind_confluence": N_("confluence"),
    "kind_boundary": N_("boundary"),
    # interception
    "interceptions": N_("Interception points (upstream to downstream)"),
    "col_type": N_("Type"),
    "col_capacity": N_("Capacity / holding"),
    "col_techniques": N_("Techniques"),
    "col_access": N_("Access"),
    "col_plume": N_("Plume earliest"),
    "col_assigned": N_("Assigned"),
    "holding": N_("holds {h} h"),
    "access_road": N_("{km} km from road"),
    "type_dam": N_("dam"),
    "type_hydropower": N_("hydropower"),
    "type_sluice": N_("sluice"),
    "type_reservoir": N_("reservoir"),
    "type_bridge": N_("bridge"),
    "type_pond": NP_("sheet", "pond"),
    "type_shoal": N_("shoal"),
    "type_weir": N_("weir"),
    "type_cofferdam_site": N_("cofferdam site"),
    "tech_intercept": N_("intercept"),
    "tech_divert": N_("divert"),
    "tech_dose": N_("dose"),
    "tech_boom": N_("boom"),
    "tech_absorb": N_("absorb"),
    "tech_store": N_("store"),
    "tech_dilute": N_("dilute"),
    "tech_cofferdam": N_("cofferdam"),
    # depots and teams
    "depots": N_("Depots and materials to dispatch"),
    "col_depot": N_("Depot"),
    "col_target": N_("To"),
    "col_distance": N_("Road km"),
    "col_travel": N_("Travel"),
    "col_eta": N_("ETA"),
    "col_in_time": N_("Before plume"),
    "col_materials": N_("Materials (for this pollutant)"),
    "yes": N_("yes"),
    "no": N_("no"),
    "more_materials": N_("({n} in all)"),
    "teams": N_("Team assignments"),
    "col_team": N_("Team"),
    "col_headcount": N_("Staff"),
    "col_contact": N_("Contact"),
    "none": N_("none"),
    # plan
    "plan": N_("Plan checklist"),
    "plan_from": N_("From: {title}"),
    "col_done": N_("Done"),
    "col_phase": N_("Phase"),
    "col_step": N_("Step"),
    "col_responsible": N_("Responsible"),
    "col_due": N_("Due"),
    "phase_report": N_("report"),
    "phase_assess": N_("assess"),
    "phase_contain": N_("contain"),
    "phase_treat": N_("treat"),
    "phase_monitor": N_("monitor"),
    "phase_recover": N_("recover"),
    "due_value": N_("{at} ({minutes} min)"),
    # contacts
    "contacts": NP_("sheet", "Contacts"),
    "col_role": N_("Role"),
    "col_unit": N_("Unit"),
    "col_person": NP_("sheet", "Name"),
    "col_phone": N_("Phone"),
    "fictitious": N_(" (sample)"),
    "notify": N_("Downstream notifications"),
    "col_admin": N_("Notify"),
    "col_reason": N_("Reason"),
    # sketch
    "sketch": N_("Sketch map of sensitive points that may be affected"),
    "sketch_note": N_(
        "Art. 13 of the 2011 reporting measures: the initial report carries a sketch map "
        "of the sensitive points that may be affected."
    ),
    "sketch_axis": N_("river km from the incident"),
    "sketch_start": NP_("sheet", "incident"),
    "sketch_peak": N_("peak {peak} mg/L"),
    "sketch_limit": N_(" (limit {limit})"),
    "exceed_mark": N_("above limit"),
    # data files
    "sheet_receptors": NP_("sheet", "Receptors"),
    "sheet_materials": N_("Materials"),
    "sheet_summary": N_("Summary"),
    "sheet_interceptions": N_("Interception"),
    "sheet_teams": NP_("sheet", "Teams"),
    "sheet_plan": N_("Plan"),
    "sheet_contacts": NP_("sheet", "Contacts"),
    "folder_path": N_("Plume path"),
    "folder_receptors": NP_("sheet", "Receptors"),
    "folder_depots": N_("Depots"),
    "folder_teams": N_("Teams"),
    "route_name": N_("Plume path, {river}"),
    "col_quantity": N_("Quantity"),
    "col_unit_m": N_("Unit"),
    "col_code": N_("Code"),
    "col_lon": N_("Lon"),
    "col_lat": N_("Lat"),
    "col_worst_arrival": N_("Earliest arrival h"),
    "col_arrival_h": N_("Arrival h"),
    "col_peak_h": N_("Peak h"),
    "col_exceeds": N_("Exceeds"),
    "col_exceed_hours": NP_("sheet", "Hours above"),
    "col_worst_peak": N_("Worst peak mg/L"),
    "col_worst_peak_oil": N_("Worst dissolved petroleum peak mg/L"),
    "col_slick_arrival_h": N_("Slick arrival h"),
    "col_slick_worst_arrival_h": N_("Slick earliest arrival h"),
    "col_slick_end_h": N_("Slick passage end h"),
    "col_slick_worst_end_h": N_("Slick latest passage end h"),
    "col_slick_length": N_("Slick length km"),
    "col_slick_worst_length": N_("Longest slick km"),
    "col_evaporated": N_("Evaporated %"),
    "col_river": N_("River"),
    "col_field": N_("Field"),
    "col_value": N_("Value"),
    # punctuation: Chinese lists take 、 and ；, English ", " and "; "
    "sep": N_(", "),
    "clauses": N_("; "),
    "label_colon": N_("{label}: "),
}


def message(key: str) -> Message | None:
    """The message id (with its context, if any) of the label ``key``."""
    return LABELS.get(key)


def label(key: str, lang: str = "zh", **kw: Any) -> str:
    """The label in ``lang`` (zh or en), formatted with ``kw``; the key when unknown."""
    msg = LABELS.get(key)
    if msg is None:
        return key
    cat = translations(lang)
    text = cat.pgettext(*msg) if isinstance(msg, tuple) else cat.gettext(msg)
    return text.format(**kw) if kw else text


def every_label() -> str:
    """Every label in every language, unformatted (the PDF's font subset covers them)."""
    return "".join(label(key, lang) for lang in LANGUAGES for key in LABELS)


def target_name(ctx: SheetContext, row: dict[str, Any]) -> str:
    """The name of the interception point a depot or team goes to, in the sheet's language
    (the row's own ``target_name`` is the Chinese one)."""
    return ctx.name(ctx.target(row)) or str(row.get("target_name") or "")

"""Every string the map's scripts show, translated on the server (Flask-Babel).

The scripts call `t("English text")` or `t("code_value")`; the page embeds this
dictionary in its language. Plain sentences are their own key; coded values (risk levels,
pollutant classes, plan phases...) map a `prefix_value` key to an English label.
`tests/unit/test_web_strings.py` checks that every `t("...")` in `static/app/` is here and
that every label has a Chinese translation.
"""

from __future__ import annotations

from functools import lru_cache

from babel.messages.pofile import read_po
from flask_babel import lazy_gettext as _l
from flask_babel import pgettext

from webgis.i18n import TRANSLATIONS

# The model's method and assumptions are written in English by the core
# (webgis.hydro.analysis) and the analysis service; their translations are the catalogue's
# messages in this context, served under their English text.
MODEL_CONTEXT = "model"

# Plain strings: the English text is the key.
PLAIN = [
    _l("Another officer changed this incident: it was reloaded, check and try again"),
    _l("Access"), _l("Address"), _l("Analyse a spill here"), _l("Arrival time"), _l("Arrival"),
    _l("Base"), _l("Basin"), _l("Capacity"), _l("Choose a pollutant from the list"),
    _l("Class III"), _l("Class"), _l("Concentration / limit"), _l("Concentration charts"),
    _l("Concentration curve"), _l("Contact"), _l("Contacts"), _l("Coordinates"), _l("Copy link"),
    _l("Copy this link"), _l("Could not load the map layers"), _l("Could not locate the outfall"),
    _l("Could not open the incident"), _l("Could not save"), _l("Depots and teams to targets"),
    _l("Depots ranked"), _l("Distance downstream"), _l("Distance from road"),
    _l("Drinking-water source"), _l("Equipment"), _l("Flows into"),
    _l("Give the spill location: pick it on the map or type coordinates"),
    _l("Hazardous substances"), _l("Headcount"), _l("Holding time"), _l("Hours above limit"),
    _l("Exceeds solubility: undissolved product"), _l("Class II (intakes)"), _l("Solubility"),
    _l("Modelled as"),
    _l("Near field: the bank is above the cross-section mean"),
    _l("Hours above"), _l("Illustrative (fictitious) enterprise"), _l("In time"), _l("Industry"),
    _l("Inventory"), _l("Key river"), _l("Kind"), _l("Length"), _l("Level"), _l("Limit mg/L"),
    _l("Limit"), _l("Link copied"), _l("Loading…"), _l("Longitudinal peak profile"),
    _l("Material"), _l("Max. stored (t)"), _l("Model and assumptions"), _l("Name"),
    _l("No administrative boundary on the path."), _l("No incidents saved yet."),
    _l("No stock recorded"), _l("Nothing found"), _l("Now"), _l("Operator"),
    _l("Outfall of {name} on reach {reach}"), _l("Outfall"), _l("Pause"),
    _l("Peak concentration (expected)"), _l("Peak mg/L"), _l("Peak"), _l("Plan filed"),
    _l("Plan steps"), _l("Play"), _l("Playback time"), _l("Plume path"), _l("Population served"),
    _l("Provincial exit"), _l("Quantity"), _l("Reach"), _l("Receptors downstream"),
    _l("Receptors on the path"), _l("Receptors"),
    _l("Red rows exceed the limit; pale rows exceed only in the worst case (in brackets)."),
    _l("Report as {lv}:"), _l("Report due {time} ({min} min after discovery)"),
    _l("Discovered {time}"), _l("The discovery cannot be before the start of the release"),
    _l("+{n} more"), _l("Standby intakes (no population served; they do not raise the level):"),
    _l("Rescue teams"),
    _l("Response sheet (PDF)"), _l("Risk level"), _l("River"), _l("Save incident"),
    _l("Saved as incident #{id}"), _l("Sign in as a duty officer to save"), _l("Specialities"),
    _l("Spill from this enterprise"), _l("Spill point"), _l("Status"), _l("Substance"),
    _l("Supplies"), _l("Target class"), _l("Target"), _l("Techniques"),
    _l("The duration must be 0 (instantaneous) or more hours"),
    _l("The mass must be a positive number of kg"),
    _l("The province reports to the Ministry within {m} min."),
    _l("The scenario in the link is not valid JSON"), _l("Title of the incident"), _l("Travel"),
    _l("Unit"), _l("Who to notify"), _l("Worst case"), _l("arrives after the plume"),
    _l("arrives before the plume"), _l("computed in {ms} ms"), _l("continuous over {h} h"),
    _l("earliest"), _l("fictitious"), _l("hours after the spill"), _l("instantaneous"),
    _l("km downstream of the spill"), _l("km"), _l("limit"), _l("max"), _l("no"), _l("none"),
    _l("overdue by {d}"), _l("path"), _l("started"), _l("within {m} min"), _l("worst"),
    _l("yes"), _l("{d} left"), _l("{m} m from the point"), _l("{n} people"),
    _l("{pollutant} spill in the {river}"),
    # search result kinds, resource tables, incident list
    _l("Town"), _l("Enterprise"), _l("Intake"), _l("Section"), _l("Interception point"),
    _l("Depot"), _l("Team"), _l("drill"), _l("incident"),
    # floating oils as a slick (issue 11)
    _l("Oil slick"), _l("passed by"), _l("latest"), _l("longest"), _l("evaporated"),
    _l("Dissolved petroleum"), _l("Dissolved petroleum mg/L"),
    _l("Floating oil: it travels as a slick (arrival, length and passage in the table); "
       "concentrations are dissolved petroleum, bounded by the product's "
       "water-accommodated fraction ({waf} mg/L), not the product itself."),
    # list punctuation (the same messages as the sheet's), the off-river error
    _l(", "), _l("; "),
    _l("The point is {d} m from the nearest river ({river}); pick a point within {max} m of a "
       "river"),
    _l("No river near this point; pick a point on a river"),
    # working together and the legend (issue 14: workspace.js, incident_session.js, legend.js)
    _l("Already saved as incident #{id}"), _l("Sign in"),
    _l("Live"),
    _l("Not live: retrying"), _l("Not live: signed out"),
    _l("{who}: {what}"),
    _l("another officer"), _l("and {n} more changes by other officers"),
    _l("Back where you were before signing in"),
    _l("Incident"), _l("Drinking-water intakes"), _l("Material depots"),
    _l("Monitoring sections"), _l("Interception points"),
    _l("Inland rivers"),
    _l("Gansu border"),
    _l("Prefecture and county boundaries"),
    _l("Provincial capital"),
    _l("City or county seat"),
    _l("Planned depot"),
    _l("Enterprise, major risk"),
    _l("Enterprise, larger risk"),
    _l("Enterprise, general risk"),
    _l("Group of enterprises (colour: the worst risk in it)"),
    _l("Searched coordinates"),
    _l("Plume path (colour: arrival time, see the scale)"),
    _l("Intake on the path"),
    _l("Section on the path"),
    _l("Interception point on the path"),
    _l("Provincial boundary on the path"),
    _l("Above the limit (red ring)"),
    _l("Depot route, arrives before the plume"),
    _l("Route arrives after the plume"),
    _l("Team route"),
    _l("Rank of a depot or team"),
    _l("Plume front (playback)"),
    _l("Layers"),
    # incident reports and the reporting clock (static/app/incident_reports.js)
    _l("Reporting clock"), _l("All reports issued"), _l("{kind} due {time}"), _l("Reports"),
    _l("Issued"), _l("Draft"), _l("No reports yet"), _l("Issued by {who} at {time}"),
    _l("Drafted by {who} at {time}"), _l("corrects {doc}"),
    _l("An issued report never changes: to correct it, draft a correction"),
    _l("Draft a correction"), _l("Save draft"), _l("Issue"), _l("Word (DOCX)"),
    _l("Could not save the report"), _l("Saved"), _l("Report issued"),
    _l("Click again to issue: it cannot be changed afterwards"),
    _l("Provincial report to the MEE due {time}"),
    _l("{n} d"),
    # the living incident: facts, status, forecasts, timeline (issue 14, helper A)
    _l("version {v}"), _l("Reopen (monitoring)"), _l("Confirm: close the incident"),
    _l("Move to: {status}"), _l("Closed: only an admin can reopen it"), _l("Status: {status}"),
    _l("Nothing changed"), _l("Forecast #{n} made from the revised facts"),
    _l("Current forecast only"), _l("Forecast #{n}"), _l("Current forecast: #{n}"),
    _l("All events"), _l("No events of this kind"),
    # dispatch and the plan checklist (issue 14, incident_dispatch.js)
    _l("Dispatched (#{id})"), _l("Dispatches of your team"), _l("ETA"),
    _l("Give a number from 0 to the quantity dispatched"),
    _l("How much was used? The rest goes back to the depot."), _l("Confirm return"),
    _l("drill: stock not taken"),
    _l("No dispatches yet."), _l("No plan steps for this incident."),
    _l("Quantities to send (in stock now)"), _l("Save the incident to tick plan steps"),
    _l("Status: {s}"), _l("after the plume"), _l("available"), _l("before the plume"),
    _l("default for the phase"), _l("due times from discovery"), _l("due"), _l("estimate"),
    _l("not on the current forecast's path"), _l("not reached in the forecast"),
    _l("overdue"), _l("plume (worst case)"), _l("used"),
    # downstream alerts (issue 14, static/app/incident_alerts.js)
    _l("E-mailed to {to}"), _l("E-mail failed: {why}"), _l("E-mail pending"),
    _l("Not e-mailed: no address (print or phone it)"),
    _l("Not e-mailed: SMTP not configured (print or phone it)"), _l("alerted"),
    _l("alert ended"), _l("No administration downstream to notify."), _l("Send alert"),
    _l("no longer in the forecast"), _l("e-mail (optional)"), _l("No alert sent yet."),
    _l("Alert"), _l("Alert update"), _l("End of alert"), _l("Acknowledged by {name} at {at}"),
    _l("not acknowledged (alert ended)"), _l("Not acknowledged yet"),
    _l("overdue: more than {m} min"), _l("Print"), _l("Acknowledgement link (no sign-in)"),
    _l("Alerts with an e-mail address are e-mailed; every alert can be printed."),
    _l("E-mail is not configured: print the alerts or read them over the phone."),
    _l("{n} alerts sent"), _l("{n} updates sent"), _l("Click again to end the alert for all"),
    _l("End of alert sent to {n}"),
    # issue 16 item 2: source search from an alarm (static/app/source_search.js)
    _l("Not a time: {v}"), _l("Candidate sources"), _l("Alarm"), _l("Open an incident from it"),
    _l("Mass needed (estimated)"), _l("Release window"),
    # issue 16: bands, calibration, upstream (static/app/incident_learning.js)
    _l("Analyse a spill first"), _l("Band P5–P95"), _l("Calibrated band P5–P95"),
    _l("Cannot read lines"),
    _l("Estimated: ↑ the worst case was raised to the ensemble's P95 peak or P5 arrival."),
    _l("Fitted"), _l("Reported"), _l("Upstream"), _l("not identified: prior kept"),
    _l("via a reservoir"),
    _l("Misfit (rms of ln): before {a}, after {b}; {n} readings, {c} below detection."),
    _l("Uncalibrated → calibrated, hours after the reported start; below: the calibrated "
       "band P5–P95. Estimated."),
    _l("{n} features upstream within {km} km of river."),
    # monitoring readings (issue 14 item 3, static/app/incident_readings.js)
    _l("A point on the river (tap the map)"), _l("Arrival error (observed − predicted): {h} h"),
    _l("Arrival error: not yet (no reading reached the threshold of {c} mg/L)"),
    _l("Choose a CSV or Excel file first"), _l("Field"), _l("Give the concentration (0 or more)"),
    _l("Line"), _l("No readings yet."), _l("Observed"),
    _l("Peak ratio (observed max / predicted max): {r}"), _l("Point"),
    _l("Predicted (current forecast)"), _l("Problem"), _l("Reading saved"),
    _l("Remove this reading? The timeline keeps it."), _l("Remove"), _l("Remove?"),
    _l("Tap the river on the map where the sample was taken"),
    _l("The forecast expects no pollutant here (beyond its path or horizon)."),
    _l("Too few readings to judge ({n} valid, at least {min} needed)."),
    _l("entered by mistake"), _l("file encoding"), _l("invalid"),
    _l("the readings do not span the predicted peak time: the highest reading may have missed "
       "the peak"),
    _l("threshold {c} mg/L"), _l("{m} m from the river"), _l("{n} readings stored"),
    _l("{n} readings"),
]

# Coded values: key -> English label.
CODED = {
    "depot_provincial": _l("provincial depot"), "depot_basin": _l("basin depot"),
    "status_operational": _l("operational"), "status_planned": _l("planned"),
    "status_under_construction": _l("under construction"),
    "risk_major": _l("major risk"), "risk_larger": _l("larger risk"),
    "risk_general": _l("general risk"),
    "serves_city": _l("city"), "serves_county": _l("county"), "serves_township": _l("township"),
    "section_state": _l("state-controlled section"),
    "section_province": _l("province-controlled section"),
    "place_capital": _l("provincial capital"), "place_prefecture_seat": _l("prefecture seat"),
    "place_county_seat": _l("county seat"), "place_town": _l("town"),
    "basin_yellow": _l("Yellow River basin"), "basin_yangtze": _l("Yangtze basin"),
    "basin_inland": _l("inland basin"),
    "ip_bridge": _l("bridge"), "ip_cofferdam_site": _l("cofferdam site"), "ip_dam": _l("dam"),
    "ip_hydropower": _l("hydropower station"), "ip_pond": _l("pond"),
    "ip_reservoir": _l("reservoir"), "ip_shoal": _l("shoal"), "ip_sluice": _l("sluice"),
    "ip_weir": _l("weir"),
    "tech_absorb": _l("absorb"), "tech_boom": _l("boom"), "tech_cofferdam": _l("cofferdam"),
    "tech_dilute": _l("dilute"), "tech_divert": _l("divert"), "tech_dose": _l("dose reagents"),
    "tech_intercept": _l("intercept"), "tech_store": _l("store"),
    "class_acid_alkali": _l("acid or alkali"), "class_cyanide": _l("cyanide"),
    "class_heavy_metal": _l("heavy metal"), "class_metalloid": _l("metalloid"),
    "class_nutrient": _l("nutrient"), "class_oil": _l("oil"), "class_organic": _l("organic"),
    "class_other": _l("other"), "class_oxygen_demand": _l("oxygen demand"),
    "class_volatile_organic": _l("volatile organic"),
    "behaviour_dissolves": _l("dissolves"), "behaviour_floats": _l("floats"),
    "behaviour_sinks": _l("sinks"), "behaviour_volatile": _l("volatile"),
    "season_dry": _l("dry season"), "season_normal": _l("normal season"),
    "season_flood": _l("flood season"),
    "rk_water_source": _l("intake"), "rk_section": _l("section"),
    "rk_interception": _l("interception"), "rk_confluence": _l("confluence"),
    "rk_boundary": _l("boundary"), "rk_outfall": _l("outfall"),
    "cal_mass_kg": _l("released mass"), "cal_start_h": _l("release start (offset)"),
    "cal_duration_h": _l("release duration"), "cal_velocity_factor": _l("velocity factor"),
    "cal_dispersion_factor": _l("dispersion factor"),
    "phase_report": _l("report"), "phase_assess": _l("assess"), "phase_contain": _l("contain"),
    "phase_treat": _l("treat"), "phase_monitor": _l("monitor"), "phase_recover": _l("recover"),
    "dispatch_dispatched": _l("dispatched"), "dispatch_en_route": _l("en route"),
    "dispatch_on_site": _l("on site"), "dispatch_deployed": _l("deployed"),
    "dispatch_returned": _l("returned"),
    "level_I": _l("Level I (especially major)"), "level_II": _l("Level II (major)"),
    "level_III": _l("Level III (larger)"), "level_IV": _l("Level IV (general)"),
    "level_unknown": _l("Level not assessed"),
    "rkind_initial": _l("Initial report"), "rkind_followup": _l("Follow-up report"),
    "rkind_final": _l("Final report"),
    # the living incident (issue 14): statuses, event kinds, roles, facts
    "st_reported": _l("reported"), "st_responding": _l("responding"),
    "st_monitoring": _l("monitoring"), "st_closed": _l("closed"),
    "ev_created": _l("Incident created"), "ev_facts_revised": _l("Facts revised"),
    "ev_analysis_rerun": _l("Analysis re-run"), "ev_status_changed": _l("Status changed"),
    "ev_level_changed": _l("Level changed"), "ev_reading_entered": _l("Reading entered"),
    "ev_report_drafted": _l("Report drafted"), "ev_report_issued": _l("Report issued"),
    "ev_alert_sent": _l("Alert sent"), "ev_alert_acknowledged": _l("Alert acknowledged"),
    "ev_alert_ended": _l("Alert ended"), "ev_dispatch_created": _l("Resources dispatched"),
    "ev_dispatch_status": _l("Dispatch status"), "ev_plan_step_done": _l("Plan step done"),
    "ev_plan_step_undone": _l("Plan step undone"), "ev_closed": _l("Incident closed"),
    "ev_comment": _l("Comment"),
    "role_admin": _l("administrator"), "role_duty_officer": _l("duty officer"),
    "role_leader": _l("leader"), "role_planner": _l("planner"),
    "role_field_team": _l("field team"), "role_system": _l("system"),
    "fact_location": _l("Spill location"), "fact_location.lon": _l("Longitude"),
    "fact_location.lat": _l("Latitude"), "fact_enterprise": _l("Enterprise"),
    "fact_pollutant": _l("Pollutant"), "fact_release.mass_kg": _l("Mass entering the river (kg)"),
    "fact_mass_kg": _l("Mass entering the river (kg)"),
    "fact_release.duration_h": _l("Release duration (h, 0 = instantaneous)"),
    "fact_duration_h": _l("Release duration (h, 0 = instantaneous)"),
    "fact_started_at": _l("Start of the release"),
    "fact_discovered_at": _l("Discovered at (the reporting clock starts here)"),
    "fact_casualties.deaths": _l("Deaths"), "fact_casualties_deaths": _l("Deaths"),
    "fact_casualties.poisoned": _l("Poisoned or seriously injured"),
    "fact_casualties_poisoned": _l("Poisoned or seriously injured"),
    "fact_evacuated": _l("Evacuated or relocated"),
    "fact_loss_cny": _l("Direct economic loss (CNY)"),
    "fact_sensitive_groups": _l("Residential areas, schools or hospitals affected"),
    "fact_mass_incident": _l("Mass incident or large social impact"),
    "fact_ecology": _l("Ecological damage"), "fact_season": _l("Season"),
    "fact_horizon_h": _l("Horizon"),
    # where a monitoring reading came from
    "source_hand": _l("entered by hand"), "source_file": _l("uploaded file"),
    "source_station": _l("automatic station"), "ev_reading_removed": _l("Reading removed"),
    # units of the material catalogue
    "t": _l("t"), "m": _l("m"), "m2": _l("m²"), "piece": _l("pieces"), "set": _l("sets"),
    "kit": _l("kits"),
    # industries of the risk enterprises
    "industry_aluminium": _l("aluminium"), "industry_brewing": _l("brewing"),
    "industry_building_materials": _l("building materials"), "industry_chemical": _l("chemicals"),
    "industry_coal_chemical": _l("coal chemicals"), "industry_coal_mining": _l("coal mining"),
    "industry_coking": _l("coking"), "industry_electronics": _l("electronics"),
    "industry_electroplating": _l("electroplating"), "industry_ferroalloy": _l("ferroalloys"),
    "industry_fertilizer": _l("fertiliser"), "industry_food": _l("food processing"),
    "industry_gold_mining": _l("gold mining"), "industry_hazardous_waste": _l("hazardous waste"),
    "industry_landfill": _l("landfill"), "industry_metal_mining": _l("metal mining"),
    "industry_nonferrous_smelting": _l("non-ferrous smelting"),
    "industry_oil_depot": _l("oil depot"),
    "industry_oil_extraction": _l("oil extraction"), "industry_petrochemical": _l("petrochemicals"),
    "industry_pharmaceutical": _l("pharmaceuticals"), "industry_power": _l("power generation"),
    "industry_refinery": _l("oil refining"), "industry_steel": _l("steel"),
    "industry_tailings": _l("tailings pond"), "industry_tannery": _l("tannery"),
    "industry_wastewater": _l("wastewater treatment"),
}


# Risk screening (issue 15; static/app/screening.js)
PLAIN += [
    _l("Request failed"), _l("Only planners may start or cancel a screening"),
    _l("Screening"), _l("spills"), _l("Enterprises by threat"), _l("Intakes"),
    _l("Population"), _l("Warning time"), _l("Intakes by threatening sources"),
    _l("Sources"), _l("Rivers by exposure"), _l("Receptors exceeded"),
    _l("Screening: threats"),
    # the scenario library (static/app/scenarios.js)
    _l("Run"), _l("Duplicate"), _l("Delete"), _l("Delete this scenario?"),
    _l("Analyse a spill first"), _l("Name of the scenario"), _l("First interception"),
    _l("Compared scenarios"),
    _l("The file is not GeoJSON"), _l("Inside the area"), _l("Enterprises"),
    _l("Tailings facilities"), _l("Wastewater plants"),
    # s7-ratesflow: the release as a rate series and today's flow (static/app/release_form.js)
    _l("Remove this row"), _l("Total released: {kg} kg"),
    _l("Each rate-series row needs an hour and a rate in kg/h"),
    _l("Give the section or reach code of today's discharge"),
    _l("Today's discharge must be a positive number of m³/s"), _l("rate series: {rows}"),
    _l("today's discharge {q} m³/s at {where} (× {ratio} of the season's)"),
    # s7-speed: the intakes' longest exceedance, counted to the horizon
    _l("Longest exceedance"), _l("≥ {h} (beyond horizon)"),
    # drills (static/app/drills.js)
    _l("played"), _l("not yet"), _l("Drill score"), _l("Injects must be a JSON list"),
]
# Drawing the screening area on the map (static/app/area_draw.js)
PLAIN += [
    _l("Drag to move the circle"), _l("Drag to change the radius"),
    _l("Drag to move this vertex"),
    _l("Click the epicentre, then drag or click again for the radius. Esc cancels."),
    _l("Click to add vertices; double-click, click the first vertex or Finish closes. "
       "Esc cancels."),
    _l("Finish or cancel the drawing first"), _l("Draw a circle or type its centre and radius"),
    _l("Draw a polygon or choose a GeoJSON file"),
]
CODED.update({
    "outcome_met": _l("met"), "outcome_late": _l("late"), "outcome_missing": _l("missing"),
})
CODED.update({
    "status_queued": _l("queued"), "status_running": _l("running"), "status_done": _l("done"),
    "status_failed": _l("failed"), "status_cancelled": _l("cancelled"),
    "kind_province": _l("province-wide"), "kind_area": _l("area"),
})


@lru_cache(maxsize=1)
def model_messages() -> tuple[str, ...]:
    """The English texts of the model's method and assumptions that the catalogue holds."""
    with (TRANSLATIONS / "zh" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return tuple(str(m.id) for m in read_po(fh) if m.context == MODEL_CONTEXT and m.id)


def js_strings() -> dict[str, str]:
    """The dictionary for the scripts, in the current request's language."""
    out = {str(s._args[0]): str(s) for s in PLAIN}
    out.update({key: str(label) for key, label in CODED.items()})
    # only where the page's language differs from the English (t() falls back to the key)
    for text in model_messages():
        translated = pgettext(MODEL_CONTEXT, text)
        if translated != text:
            out[text] = translated
    return out

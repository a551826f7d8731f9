"""An incident's timeline in its exports (issue 14): a worksheet of the XLSX and a section
of the PDF, each event with when, who and what, in the sheet's language.

The events come in the context (`SheetContext.events`, the rows the API shows); a scenario
has none and its files carry no timeline.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from webgis.exports.labels import N_
from webgis.i18n import translations

if TYPE_CHECKING:
    from webgis.exports.context import SheetContext

#: The words of each event kind (the page's Timeline tab uses the same messages).
EVENT_LABELS: dict[str, str] = {
    "created": N_("Incident created"), "facts_revised": N_("Facts revised"),
    "analysis_rerun": N_("Analysis re-run"), "status_changed": N_("Status changed"),
    "level_changed": N_("Level changed"), "reading_entered": N_("Reading entered"),
    "report_drafted": N_("Report drafted"), "report_issued": N_("Report issued"),
    "alert_sent": N_("Alert sent"), "alert_acknowledged": N_("Alert acknowledged"),
    "alert_ended": N_("Alert ended"), "dispatch_created": N_("Resources dispatched"),
    "dispatch_status": N_("Dispatch status"), "plan_step_done": N_("Plan step done"),
    "plan_step_undone": N_("Plan step undone"), "closed": N_("Incident closed"),
    "comment": N_("Comment"),
}
HEADINGS = (N_("No."), N_("When"), N_("Event"), N_("Who"), N_("What"))
TITLE = N_("Timeline")


def word(text: str, lang: str) -> str:
    """`text` (an English message id) in `lang`."""
    return translations(lang).gettext(text)


def kind_label(kind: str, lang: str) -> str:
    """The words of an event kind; the kind itself for one added later."""
    msg = EVENT_LABELS.get(kind)
    return word(msg, lang) if msg else kind


def rows(ctx: SheetContext) -> list[list[Any]]:
    """One row per event: seq, time, kind (in words), who (and role), what."""
    out = []
    for ev in ctx.events:
        who = ev.get("actor") or ""
        if ev.get("actor_role"):
            who = f"{who} ({ev['actor_role']})" if who else str(ev["actor_role"])
        at = str(ev.get("at") or "")[:19].replace("T", " ")
        out.append([ev.get("seq"), at, kind_label(str(ev.get("kind")), ctx.lang), who,
                    ev.get("summary") or ""])
    return out


def all_text(ctx: SheetContext) -> str:
    """Every character the timeline prints (the PDF's font subset covers them)."""
    words = [word(m, lang) for lang in ("zh", "en")
             for m in (*EVENT_LABELS.values(), *HEADINGS, TITLE)]
    return "".join(words) + "".join(str(c) for row in rows(ctx) for c in row)


def add_xlsx_sheet(wb: Any, ctx: SheetContext, make_sheet: Any) -> None:
    """The "Timeline" worksheet (only for a saved incident with events)."""
    if not ctx.events:
        return
    make_sheet(wb, word(TITLE, ctx.lang), [word(h, ctx.lang) for h in HEADINGS], rows(ctx),
               [6, 20, 18, 24, 80])


def pdf_flowables(ctx: SheetContext, st: dict[str, Any]) -> list[Any]:
    """The timeline section of the PDF (nothing for a scenario)."""
    if not ctx.events:
        return []
    from xml.sax.saxutils import escape

    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph

    from webgis.exports.pdfkit import para, table

    data = [[para(word(h, ctx.lang), st["head"]) for h in HEADINGS]]
    data += [[para(c, st["cell"]) for c in row] for row in rows(ctx)]
    widths = [10 * mm, 30 * mm, 28 * mm, 32 * mm, 86 * mm]
    return [Paragraph(escape(word(TITLE, ctx.lang)), st["h2"]), table(data, widths)]

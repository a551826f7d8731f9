"""The reporting clock (webgis.services.report_clock): which report is due next and when,
by our reading of the 2011 measures (Art. 3 and 12)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from webgis.services.report_clock import IssuedReport, reporting_clock

FOUND = datetime(2026, 5, 1, 0, 40, tzinfo=UTC)
LEVEL_IV = {"suggested": "IV", "report_as": "III/IV", "report_due_min": 240,
            "discovered_at": FOUND.isoformat(),
            "report_due_at": (FOUND + timedelta(minutes=240)).isoformat()}


def clock(level=LEVEL_IV, status="responding", issued=(), events=(), now=FOUND, **kw):
    return reporting_clock(level=level, status=status, discovered_at=None, issued=list(issued),
                           events=list(events), followup_h=kw.get("followup_h", 24),
                           final_days=kw.get("final_days", 30), now=now)


def test_initial_due_from_discovery_and_overdue_after():
    c = clock(now=FOUND + timedelta(hours=1))
    assert (c["next"], c["rule"]) == ("initial", "art3")
    assert c["due_at"] == (FOUND + timedelta(hours=4)).isoformat() and not c["overdue"]
    assert c["seconds_left"] == 3 * 3600
    late = clock(now=FOUND + timedelta(hours=4, seconds=1))
    assert late["overdue"] and late["seconds_left"] == -1


def test_initial_from_discovery_when_the_forecast_gives_no_due_time():
    level = {"suggested": "II", "report_as": "I/II", "report_due_min": 120,
             "discovered_at": FOUND.isoformat()}
    assert clock(level=level)["due_at"] == (FOUND + timedelta(hours=2)).isoformat()


def test_follow_up_a_set_time_after_the_last_report():
    at = FOUND + timedelta(hours=3)
    issued = [IssuedReport("initial", at, "IV", "III/IV")]
    c = clock(issued=issued, now=at, followup_h=12)
    assert (c["next"], c["rule"]) == ("followup", "art12_followup")
    assert c["due_at"] == (at + timedelta(hours=12)).isoformat()
    later = at + timedelta(hours=20)
    c = clock(issued=[*issued, IssuedReport("followup", later, "IV", "III/IV")], now=later)
    assert c["due_at"] == (later + timedelta(hours=24)).isoformat()


def test_a_more_severe_level_asks_for_a_report_under_the_new_level():
    at = FOUND + timedelta(hours=3)
    issued = [IssuedReport("initial", at, "IV", "III/IV")]
    raised = {**LEVEL_IV, "suggested": "II", "report_as": "I/II", "report_due_min": 120}
    changed = at + timedelta(hours=1)
    events = [{"kind": "facts_revised", "at": changed.isoformat()}]
    c = clock(level=raised, issued=issued, events=events, now=changed)
    assert c["rule"] == "art3_level"
    assert c["due_at"] == (changed + timedelta(minutes=120)).isoformat()
    # the procedure alone (III/IV -> I/II, Art. 4) counts too; a level_changed event wins
    procedure = {**LEVEL_IV, "report_as": "I/II"}
    events.append({"kind": "level_changed", "at": (at + timedelta(minutes=30)).isoformat()})
    c = clock(level=procedure, issued=issued, events=events, now=changed)
    assert c["due_at"] == (at + timedelta(minutes=150)).isoformat()
    # the same level: no earlier follow-up
    assert clock(issued=issued, events=events, now=changed)["rule"] == "art12_followup"


def test_final_report_after_closing_and_nothing_once_issued():
    at = FOUND + timedelta(hours=3)
    closed = at + timedelta(days=2)
    issued = [IssuedReport("initial", at, "IV", "III/IV")]
    events = [{"kind": "status_changed", "at": closed.isoformat(), "payload": {"to": "closed"}}]
    c = clock(status="closed", issued=issued, events=events, now=closed, final_days=10)
    assert (c["next"], c["rule"]) == ("final", "art12_final")
    assert c["due_at"] == (closed + timedelta(days=10)).isoformat()
    done = clock(status="closed", issued=[*issued, IssuedReport("final", closed, "IV", None)],
                 events=events, now=closed)
    assert done["next"] is None and done["due_at"] is None and done["overdue"] is False

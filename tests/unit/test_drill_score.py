"""The drill's after-action score, computed by hand (`webgis.response.drill_score`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from webgis.response import drill_score as ds

T0 = datetime(2026, 12, 6, 8, 0, tzinfo=UTC)


def test_drill_hours_scale_with_the_speed():
    assert ds.drill_h(T0 + timedelta(minutes=3), T0, 60) == pytest.approx(3.0)
    assert ds.drill_h(T0 + timedelta(minutes=18), T0, 10) == pytest.approx(3.0)
    assert ds.drill_h(T0 + timedelta(hours=3), T0, 1) == pytest.approx(3.0)


def test_each_criterion_met_late_or_missing_and_the_total():
    out = ds.score(
        report_due_min=120,  # level I/II: 2 h (Art. 3)
        reports=[ds.Report("initial", 2.5), ds.Report("followup", 7.0)],
        level_changes=[(6.0, 120.0)],  # follow-up due 8.0 h, issued 7.0: met
        alerts=[ds.Alert("兰州水厂", 1.0, 1.4), ds.Alert("白银水厂", 1.0, None)],
        intake_reached=True,
        steps=[ds.Step("contain-1", "围堵", 1.0, 0.5), ds.Step("monitor-1", "监测", 2.0, 3.25),
               ds.Step("notify-1", "通报", 0.5, None)],
        dispatches=[ds.Dispatched("#1", 4.0, 6.0), ds.Dispatched("#2", 9.0, 6.0)],
        plume_any=True)
    got = [(c["group"], c["outcome"], c["late_h"]) for c in out["criteria"]]
    assert got == [
        ("report", "late", 0.5),       # 2.5 h against 2 h
        ("report", "met", None),       # follow-up at 7 h, due 8 h
        ("alert", "met", None), ("alert", "missing", None),
        ("plan", "met", None), ("plan", "late", 1.25), ("plan", "missing", None),
        ("resources", "met", None), ("resources", "late", 3.0),
    ]
    # met 4, late 3, missing 2: 100 × (4 + 1.5) / 9 = 61.1
    assert (out["met"], out["late"], out["missing"]) == (4, 3, 2)
    assert out["total"] == 61.1
    assert "第三条" in out["criteria"][0]["reference"] and "120" in out["criteria"][0]["reference"]


def test_nothing_done_is_missing_everywhere():
    out = ds.score(report_due_min=240, reports=[], level_changes=[], alerts=[],
                   intake_reached=True, steps=[ds.Step("a-1", "x", 1.0, None)],
                   dispatches=[], plume_any=True)
    assert [c["outcome"] for c in out["criteria"]] == ["missing"] * 4
    assert out["total"] == 0.0 and out["criteria"][0]["due_h"] == 4.0


def test_no_intake_no_plume_no_alert_or_resource_criterion():
    out = ds.score(report_due_min=240, reports=[ds.Report("initial", 4.0)], level_changes=[],
                   alerts=[], intake_reached=False, steps=[], dispatches=[], plume_any=False)
    assert [c["outcome"] for c in out["criteria"]] == ["met"]  # exactly on time is met
    assert out["total"] == 100.0

"""Plan-step selection and downstream notifications."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from webgis.response.notify import downstream_notifications
from webgis.response.plans import (
    PlanStepInput,
    fit_interception,
    fit_responsible,
    select_plan_steps,
)


def step(phase, order, classes=(), min_level=None):
    return PlanStepInput(
        phase, order, f"{phase}{order}", f"{phase} {order}", "unit", 30, tuple(classes), min_level
    )


STEPS = [
    step("treat", 1, ["metalloid"]),
    step("monitor", 1),
    step("report", 2),
    step("contain", 1, min_level="II"),
    step("report", 1),
    step("assess", 1, ["oil"]),
    step("recover", 1, min_level="III"),
    step("contain", 2, min_level="IV"),
]


def test_steps_are_filtered_by_class_and_ordered_by_phase():
    got = select_plan_steps(STEPS, "metalloid", "IV")
    assert [(s.phase, s.order) for s in got] == [
        ("report", 1),
        ("report", 2),
        ("contain", 2),
        ("treat", 1),
        ("monitor", 1),
    ]


@pytest.mark.parametrize(
    ("level", "has_contain1", "has_recover"),
    [("I", True, True), ("II", True, True), ("III", False, True), ("IV", False, False)],
)
def test_min_level_applies_at_that_level_and_more_severe(level, has_contain1, has_recover):
    got = {(s.phase, s.order) for s in select_plan_steps(STEPS, "oil", level)}
    assert (("contain", 1) in got) == has_contain1
    assert (("recover", 1) in got) == has_recover
    assert ("assess", 1) in got and ("treat", 1) not in got


def test_bad_level_is_rejected():
    with pytest.raises(ValueError):
        select_plan_steps(STEPS, "oil", "V")


def _boundary(code, to_adcode, to_name, arrival, worst_arrival, exceeds, level="province"):
    return SimpleNamespace(
        kind="boundary",
        code=code,
        name=f"甘肃 → {to_name}",
        river_km=arrival * 3,
        arrival_h=arrival,
        peak_conc_mgl=0.2,
        limit_mgl=0.005,
        exceeds=exceeds,
        worst=SimpleNamespace(arrival_h=worst_arrival, exceeds=True),
        extra={"level": level, "to_adcode": to_adcode, "to_name": to_name, "from_name": "甘肃"},
    )


def test_notifications_one_per_region_earliest_first():
    recs = [
        _boundary("B2", "510000", "四川", 30.0, 22.0, False),
        _boundary("B1", "610000", "陕西", 10.0, 7.0, True),
        _boundary("B1b", "610000", "陕西", 40.0, 30.0, True),  # re-entry: keep the earliest
        SimpleNamespace(kind="section", extra={}),
    ]
    got = downstream_notifications(recs)
    assert [n.admin_code for n in got] == ["610000", "510000"]
    assert got[0].boundary_code == "B1"
    assert "第八条" in got[0].source
    assert "陕西" in got[0].reason_zh and "above the limit" in got[0].reason_en
    assert "worst case" in got[1].reason_en


# --- issue 11: plan steps fitted to the spill ---

KNOWN = ("兰州市", "兰州新区", "定西市", "天水市", "白银市")
WEI = ("定西市生态环境局渭源分局、定西市生态环境局陇西分局、天水市生态环境局武山分局等；"
       "定西市生态环境局、天水市生态环境局监测站；属地人民政府")


def test_responsible_units_are_cut_to_the_prefectures_the_plume_touches():
    assert fit_responsible(WEI, {"天水市"}, KNOWN) == (
        "天水市生态环境局武山分局等；天水市生态环境局监测站；属地人民政府")
    assert fit_responsible(WEI, {"定西市"}, KNOWN) == (
        "定西市生态环境局渭源分局、定西市生态环境局陇西分局等；定西市生态环境局；属地人民政府")
    assert fit_responsible(WEI, {"定西市", "天水市"}, KNOWN) == WEI


def test_responsible_units_stay_when_nothing_is_known_or_nothing_would_remain():
    assert fit_responsible(WEI, set(), KNOWN) == WEI
    assert fit_responsible(WEI, {"天水市"}, ()) == WEI
    assert fit_responsible("定西市生态环境局", {"天水市"}, KNOWN) == "定西市生态环境局"
    assert fit_responsible("甘肃省生态环境厅", {"天水市"}, KNOWN) == "甘肃省生态环境厅"
    # 兰州新区 is not 兰州市
    assert fit_responsible("兰州市生态环境局、兰州新区生态环境局", {"兰州新区"}, KNOWN) == (
        "兰州新区生态环境局")


def test_only_the_interception_points_the_plume_reaches():
    assert fit_interception(["IP1", "IP2", "IP3"], {"IP3", "IP2", "OTHER"}) == ["IP2", "IP3"]
    assert fit_interception(["IP1"], set()) == []


REPORT_STEPS = [
    step("report", 1, min_level="IV"),  # IV/III: within 4 h
    step("report", 2, min_level="II"),  # II/I: within 2 h, and to the ministry
    step("contain", 1, min_level="II"),  # provincial command
    step("contain", 2),
]


def test_report_steps_follow_the_level_the_report_goes_out_as():
    plain = select_plan_steps(REPORT_STEPS, "oil", "IV")
    assert [(s.phase, s.order) for s in plain] == [("report", 1), ("contain", 2)]
    # a level IV spill reported as II (Art. 4): the 2-hour report steps, not the command
    art4 = select_plan_steps(REPORT_STEPS, "oil", "IV", report_level="II")
    assert [(s.phase, s.order) for s in art4] == [("report", 1), ("report", 2), ("contain", 2)]
    # a report level below the grade changes nothing
    assert select_plan_steps(REPORT_STEPS, "oil", "I", report_level="II") == (
        select_plan_steps(REPORT_STEPS, "oil", "I"))
    with pytest.raises(ValueError):
        select_plan_steps(REPORT_STEPS, "oil", "IV", report_level="V")

"""The response rules with expectations worked out by hand from the regulation
(2014 plan Annex 1; 2011 measures Art. 3, 4, 8) and the dispatch rule (worst-case arrival).

Each expected number below is computed in the test from its inputs, never read from the
code's output: these tests are what the mutation run (scripts/mutation.sh) scores
``webgis.response`` against.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

import pytest
from pyproj import Geod

from webgis.response.level import (
    MEASURES_2011,
    PLAN_2014,
    SOURCE_ALERT_SHARE,
    assess_level,
    is_standby,
    report_clock,
    source_share,
)
from webgis.response.notify import ART8, downstream_notifications
from webgis.response.plans import (
    PlanStepInput,
    fit_responsible,
    select_plan_steps,
    step_applies,
)
from webgis.response.resources import (
    DEFAULT_CIRCUITY,
    DEFAULT_SPEED_KMH,
    MaterialStock,
    ResourceOrigin,
    ResourcePool,
    Target,
    serving_materials,
    useful_flags,
)

GEOD = Geod(ellps="WGS84")
ART4 = f"{MEASURES_2011}第四条"


def rank_resources(origins, targets, pollutant_class, circuity=DEFAULT_CIRCUITY,
                   speed_kmh=DEFAULT_SPEED_KMH, *, require_materials=False):
    """The one ranking API (`ResourcePool.assign`) over a fresh pool of `origins`."""
    return ResourcePool(origins).assign(targets, pollutant_class, circuity, speed_kmh,
                                        require_materials=require_materials)


def intake(name="甲", *, peak=None, worst_peak=None, limit=None, exceeds=False,
           worst_exceeds=False, arrival=None, worst_arrival=None, **extra):
    """A water-source receptor as the analysis hands it over (plain dicts)."""
    return {"kind": "water_source", "name": name, "exceeds": exceeds, "limit_mgl": limit,
            "peak_conc_mgl": peak, "arrival_h": arrival,
            "worst": {"exceeds": worst_exceeds, "peak_conc_mgl": worst_peak,
                      "arrival_h": worst_arrival},
            "extra": extra}


# --- grading (2014 plan, Annex 1) -------------------------------------------------------


@pytest.mark.parametrize(("deaths", "poisoned", "evacuated", "loss", "level"), [
    (0, 0, 0, 0.0, "IV"),
    (2, 9, 4_999, 4_999_999.0, "IV"),      # every count just below III
    (3, 0, 0, 0.0, "III"), (9, 0, 0, 0.0, "III"),
    (0, 10, 0, 0.0, "III"), (0, 49, 0, 0.0, "III"),
    (0, 0, 5_000, 0.0, "III"), (0, 0, 9_999, 0.0, "III"),
    (0, 0, 0, 5e6, "III"), (0, 0, 0, 2e7 - 1, "III"),
    (10, 0, 0, 0.0, "II"), (29, 0, 0, 0.0, "II"), (0, 50, 0, 0.0, "II"),
    (0, 99, 0, 0.0, "II"), (0, 0, 10_000, 0.0, "II"), (0, 0, 49_999, 0.0, "II"),
    (0, 0, 0, 2e7, "II"), (0, 0, 0, 1e8 - 1, "II"),
    (30, 0, 0, 0.0, "I"), (0, 100, 0, 0.0, "I"), (0, 0, 50_000, 0.0, "I"),
    (0, 0, 0, 1e8, "I"),
])
def test_casualty_evacuation_and_loss_thresholds(deaths, poisoned, evacuated, loss, level):
    a = assess_level(pollutant_class="oil", deaths=deaths, poisoned=poisoned,
                     evacuated=evacuated, loss_cny=loss)
    assert a.suggested == level
    # the lead follows the level (I/II province, III prefecture, IV county)
    assert a.lead == {"I": "province", "II": "province", "III": "prefecture",
                      "IV": "county"}[level]
    # Art. 3: 2 h for II/I, 4 h for III/IV; the province reports I/II to the MEE in 1 h
    assert a.report_due_min == (120 if level in ("I", "II") else 240)
    assert a.report_as == ("I/II" if level in ("I", "II") else "III/IV")
    assert a.province_to_mee_min == (60 if level in ("I", "II") else None)


def test_each_count_reason_says_the_number_and_the_plan():
    a = assess_level(pollutant_class="oil", deaths=4, poisoned=12, evacuated=6000,
                     loss_cny=6e6)
    got = {r.criterion: r for r in a.reasons}
    assert set(got) == {"deaths", "poisoned", "evacuated", "loss_cny"}
    assert [r.level for r in a.reasons] == ["III"] * 4
    assert got["deaths"].text_zh == "死亡4人" and got["deaths"].text_en == "4 dead"
    assert got["poisoned"].text_zh == "中毒或重伤12人"
    assert got["poisoned"].text_en == "12 poisoned or seriously injured"
    assert got["evacuated"].text_zh == "疏散、转移6000人"
    assert got["evacuated"].text_en == "6000 evacuated or relocated"
    assert got["loss_cny"].text_zh == "直接经济损失6000000元"
    assert got["loss_cny"].text_en == "direct economic loss CNY 6,000,000"
    assert all(r.source == PLAN_2014 for r in a.reasons)


def test_nothing_found_is_the_catch_all_level_iv():
    a = assess_level(pollutant_class="oil")
    (r,) = a.reasons
    assert (a.suggested, r.level, r.criterion, r.source) == ("IV", "IV", "catch_all", PLAN_2014)
    assert r.text_zh == "造成一定环境影响、尚未达到较大级别的突发环境事件"
    assert r.text_en == "some environmental impact, below the criteria of level III"
    assert a.report_reasons == [] and a.standby_intakes == ()


@pytest.mark.parametrize(("serves", "level", "zh", "en"), [
    ("city", "I", "设区的市级以上城市", "a city with districts or above"),
    ("county", "II", "县级城市", "a county-level city"),
    ("township", "III", "乡镇", "a township"),
])
def test_intake_interruption_texts(serves, level, zh, en):
    """Reported by the officer (no name) or predicted at a named intake."""
    told = assess_level(pollutant_class="oil", intakes_interrupted=[serves])
    (r,) = told.reasons
    assert (told.suggested, r.level, r.criterion) == (level, level, "intake")
    assert r.text_zh == f"{zh}集中式饮用水水源地取水中断"
    assert r.text_en == f"interruption of a centralised drinking-water intake of {en}"
    predicted = assess_level(pollutant_class="oil", receptors=[
        intake("甲", peak=2.0, limit=1.0, exceeds=True, serves=serves, population_served=10)])
    (p,) = predicted.reasons
    assert p.text_zh == f"预计{zh}集中式饮用水水源地取水中断（甲）"
    assert p.text_en == (f"predicted interruption of a centralised drinking-water intake of "
                         f"{en} (甲)")


def test_an_unknown_interruption_kind_is_ignored():
    a = assess_level(pollutant_class="oil", intakes_interrupted=["village"])
    assert a.suggested == "IV" and a.reasons[0].criterion == "catch_all"


def test_an_intake_exceeded_only_in_the_worst_case_is_no_interruption():
    """The grade counts the expected case; the worst case raises the report (Art. 4 (1))."""
    a = assess_level(pollutant_class="oil", receptors=[
        intake(peak=0.5, worst_peak=3.0, limit=1.0, worst_exceeds=True, serves="city",
               population_served=1000)])
    assert a.suggested == "IV"
    assert [r.criterion for r in a.report_reasons] == ["art4_1"]
    assert a.report_as == "I/II" and a.report_due_min == 120


# --- Art. 4 (1): 10 % of the limit in the worst case ------------------------------------


def test_source_alert_share_is_a_tenth():
    assert SOURCE_ALERT_SHARE == 0.10


@pytest.mark.parametrize(("worst_peak", "peak", "share"), [
    (0.25, 0.05, 0.25 / 2.0),   # the worst case is the larger one
    (0.05, 0.25, 0.25 / 2.0),   # either case counts
    (None, 0.3, 0.3 / 2.0),
    (float("nan"), 0.3, 0.3 / 2.0),
    (float("inf"), None, None),  # not finite: no ratio
])
def test_source_share_is_the_larger_peak_over_the_limit(worst_peak, peak, share):
    got = source_share(intake(peak=peak, worst_peak=worst_peak, limit=2.0))
    assert got == (None if share is None else pytest.approx(share))


def test_source_share_needs_a_positive_limit_and_counts_a_flagged_exceedance_as_one():
    assert source_share(intake(peak=1.0, limit=0.0)) is None
    assert source_share(intake(peak=1.0, limit=None)) is None
    assert source_share(intake(limit=None, exceeds=True)) == 1.0
    assert source_share(intake(limit=None, worst_exceeds=True)) == 1.0
    # a flagged exceedance lifts a small ratio to 1, never lowers a large one
    assert source_share(intake(peak=0.1, limit=1.0, exceeds=True)) == 1.0
    assert source_share(intake(peak=5.0, limit=1.0, worst_exceeds=True)) == 5.0
    assert source_share({"kind": "water_source", "worst": None, "peak_conc_mgl": 0.2,
                         "limit_mgl": 1.0}) == pytest.approx(0.2)


@pytest.mark.parametrize(("worst_peak", "limit", "counted"), [
    (0.1, 1.0, True), (0.0999, 1.0, False), (0.05, 0.5, True), (0.0499, 0.5, False),
    # 0.02 / 0.2 is 0.09999999999999999 in binary floating point: still exactly a tenth
    (0.02, 0.2, True), (0.003, 0.03, True), (0.0199, 0.2, False),
])
def test_art4_1_counts_from_exactly_a_tenth(worst_peak, limit, counted):
    a = assess_level(pollutant_class="oil",
                     receptors=[intake(worst_peak=worst_peak, limit=limit, worst_arrival=3.0)])
    assert a.suggested == "IV"
    assert [r.criterion for r in a.report_reasons] == (["art4_1"] if counted else [])
    assert a.report_as == ("I/II" if counted else "III/IV")
    assert a.report_due_min == (120 if counted else 240)
    assert a.province_to_mee_min == (60 if counted else None)


def test_art4_1_share_parameter_moves_the_trigger():
    r = [intake(worst_peak=0.3, limit=1.0)]
    assert assess_level(pollutant_class="oil", receptors=r, source_alert_share=0.3).report_reasons
    assert not assess_level(pollutant_class="oil", receptors=r,
                            source_alert_share=0.31).report_reasons


def test_art4_1_reason_text_by_hand():
    a = assess_level(pollutant_class="oil", receptors=[
        intake("甲", worst_peak=0.25, limit=1.0),
        intake("乙", worst_peak=2.0, limit=1.0),
        intake("丙（备用）", worst_arrival=4.0, population_served=0),
        intake("丁", worst_peak=0.5, limit=1.0, status="standby"),
    ])
    (r,) = a.report_reasons
    assert (r.level, r.criterion, r.source) == ("II", "art4_1", f"{ART4}第（一）项")
    assert r.text_zh == (
        "饮用水水源保护区可能受到影响（最不利情况下峰值达到限值的10%及以上即计入）："
        "甲：最不利情况峰值为限值的25%；乙：最不利情况峰值达到或超过限值；"
        "丙（备用）：污染物可到达（无法与限值比较）；丁（备用）：最不利情况峰值为限值的50%")
    assert r.text_en == (
        "drinking-water source may be affected (counted from a worst-case peak of 10% of the "
        "limit): 甲: worst-case peak 25% of the limit; 乙: worst-case peak at or above the "
        "limit; 丙（备用）: reached (no peak/limit ratio); 丁 (standby): worst-case "
        "peak 50% of the limit")
    assert a.standby_intakes == ("丙（备用）", "丁")


def test_an_intake_the_plume_never_reaches_is_not_counted():
    a = assess_level(pollutant_class="oil", receptors=[intake(limit=None)])
    assert a.report_reasons == [] and a.report_as == "III/IV"
    reached = assess_level(pollutant_class="oil", receptors=[intake(limit=None, arrival=7.0)])
    assert [r.criterion for r in reached.report_reasons] == ["art4_1"]
    nan = assess_level(pollutant_class="oil",
                       receptors=[intake(limit=None, arrival=math.nan, worst_arrival=math.inf)])
    assert nan.report_reasons == []


# --- standby intakes --------------------------------------------------------------------


@pytest.mark.parametrize(("extra", "standby"), [
    ({"status": "standby"}, True),
    ({"status": "active", "population_served": 100}, False),
    ({"population_served": 0}, True),
    ({"population_served": 0.0}, True),
    ({"population_served": -1}, True),
    ({"population_served": 1}, False),
    ({"population_served": False}, False),  # a bool is no count
    ({"population_served": "0"}, False),
    ({}, False),
])
def test_standby_intakes(extra, standby):
    assert is_standby(extra) is standby


def test_a_standby_intake_above_the_limit_does_not_raise_the_grade_but_the_report():
    spare = intake("备用水源", peak=3.0, worst_peak=3.0, limit=1.0, exceeds=True,
                   worst_exceeds=True, serves="city", population_served=0)
    a = assess_level(pollutant_class="oil", receptors=[spare])
    assert a.suggested == "IV"
    assert a.standby_intakes == ("备用水源",)
    assert a.report_as == "I/II" and a.report_due_min == 120
    live = assess_level(pollutant_class="oil", receptors=[{**spare, "extra": {
        "serves": "city", "population_served": 5}}])
    assert live.suggested == "I" and live.standby_intakes == ()


# --- boundaries, Art. 4 (2)-(5), ecology ------------------------------------------------


def boundary(level, *, exceeds=False, worst_exceeds=False, name="界"):
    return {"kind": "boundary", "name": name, "exceeds": exceeds,
            "worst": {"exceeds": worst_exceeds}, "extra": {"level": level}}


@pytest.mark.parametrize(("kind", "level", "zh", "en", "art4_4"), [
    ("country", "I", "跨国境", "cross-border (international)", True),
    ("province", "II", "跨省级行政区域", "cross-province", True),
    ("prefecture", "III", "跨设区的市级行政区域", "cross-prefecture", False),
])
def test_boundary_exceeded_in_the_expected_case_grades(kind, level, zh, en, art4_4):
    a = assess_level(pollutant_class="oil", receptors=[boundary(kind, exceeds=True, name="B")])
    (r,) = a.reasons
    assert (a.suggested, r.criterion) == (level, "boundary")
    assert r.text_zh == f"造成{zh}影响（B，预计超标）"
    assert r.text_en == f"{en} impact (B, predicted above the limit)"
    assert ("art4_4" in [x.criterion for x in a.report_reasons]) is art4_4
    flag = assess_level(pollutant_class="oil", **{
        {"country": "cross_border", "province": "cross_province",
         "prefecture": "cross_prefecture"}[kind]: True})
    (f,) = flag.reasons
    assert f.text_zh == f"造成{zh}影响" and f.text_en == f"{en} impact"
    assert flag.suggested == level


@pytest.mark.parametrize(("kind", "art4_4"), [("province", True), ("country", True),
                                              ("prefecture", False), ("county", False)])
def test_boundary_exceeded_only_in_the_worst_case_is_a_possible_impact(kind, art4_4):
    a = assess_level(pollutant_class="oil",
                     receptors=[boundary(kind, worst_exceeds=True)])
    assert a.suggested == "IV"
    assert [r.criterion for r in a.report_reasons] == (["art4_4"] if art4_4 else [])


def test_a_boundary_below_the_limit_in_both_cases_is_nothing():
    a = assess_level(pollutant_class="oil", receptors=[boundary("province")])
    assert a.suggested == "IV" and a.report_reasons == []


@pytest.mark.parametrize(("kwargs", "criterion", "zh", "en"), [
    ({"sensitive_groups": True}, "art4_2", "涉及居民聚居区、学校、医院等敏感区域和敏感人群",
     "residential areas, schools, hospitals or other sensitive groups involved"),
    ({"pollutant_class": "heavy_metal"}, "art4_3", "涉及重金属或者类金属污染",
     "heavy metals or metalloids involved"),
    ({"pollutant_class": "metalloid"}, "art4_3", "涉及重金属或者类金属污染",
     "heavy metals or metalloids involved"),
    ({"cross_province": True}, "art4_4", "有可能产生跨省或者跨国影响",
     "possible cross-province or cross-border impact"),
    ({"cross_border": True}, "art4_4", "有可能产生跨省或者跨国影响",
     "possible cross-province or cross-border impact"),
    ({"mass_incident": True}, "art4_5", "可能或已引发大规模群体性事件",
     "mass incident or large social impact possible"),
])
def test_art4_items_by_hand(kwargs, criterion, zh, en):
    a = assess_level(**{"pollutant_class": "oil", **kwargs})
    (r,) = a.report_reasons
    item = {"art4_2": "二", "art4_3": "三", "art4_4": "四", "art4_5": "五"}[criterion]
    assert (r.level, r.criterion, r.text_zh, r.text_en, r.source) == (
        "II", criterion, zh, en, f"{ART4}第（{item}）项")
    assert a.report_as == "I/II" and a.report_due_min == 120 and a.province_to_mee_min == 60


def test_cross_prefecture_alone_does_not_escalate_the_report():
    a = assess_level(pollutant_class="oil", cross_prefecture=True)
    assert a.suggested == "III" and a.report_reasons == [] and a.report_due_min == 240


def test_organics_are_no_heavy_metal():
    assert assess_level(pollutant_class="volatile_organic").report_reasons == []


@pytest.mark.parametrize(("ecology", "level"), [
    ("function_lost", "I"), ("function_partly_lost", "II"), ("species_damaged", "III")])
def test_ecology_row(ecology, level):
    a = assess_level(pollutant_class="oil", ecology=ecology, deaths=3)
    crit = {r.criterion: r.level for r in a.reasons}
    assert crit == {"deaths": "III", "ecology": level}
    assert a.suggested == level


def test_the_most_severe_reason_wins_in_any_order():
    for kw in ({"deaths": 3, "evacuated": 10_000}, {"deaths": 10, "evacuated": 5_000}):
        assert assess_level(pollutant_class="oil", **kw).suggested == "II"
    a = assess_level(pollutant_class="oil", deaths=3, poisoned=100, evacuated=10_000)
    assert a.suggested == "I"


# --- the reporting clock (Art. 3, from discovery) ---------------------------------------


@pytest.mark.parametrize(("kwargs", "due_h", "mee_h"), [
    ({}, 4, None),                              # IV
    ({"deaths": 3}, 4, None),                   # III
    ({"deaths": 10}, 2, 3),                     # II: +2 h, the province +1 h more
    ({"deaths": 30}, 2, 3),                     # I
    ({"sensitive_groups": True}, 2, 3),         # IV reported as II (Art. 4)
])
def test_report_deadline_counted_from_discovery_by_hand(kwargs, due_h, mee_h):
    tz = timezone(timedelta(hours=8))
    found = datetime(2026, 3, 1, 23, 30, tzinfo=tz)
    clock = report_clock(assess_level(pollutant_class="oil", **kwargs), found)
    assert clock["discovered_at"] == "2026-03-01T23:30:00+08:00"
    due = {4: "2026-03-02T03:30:00+08:00", 2: "2026-03-02T01:30:00+08:00"}[due_h]
    assert clock["report_due_at"] == due
    assert clock["province_to_mee_due_at"] == (
        None if mee_h is None else "2026-03-02T02:30:00+08:00")


# --- downstream notifications (Art. 8) --------------------------------------------------


def crossing(to_code, to_name, *, arrival, worst=None, km=0.0, level="province",
             from_code="620000", from_name="甘肃省", peak=0.5, limit=1.0, exceeds=False,
             worst_exceeds=False, code="X", **extra):
    return {"kind": "boundary", "name": f"{to_name}界", "code": code, "river_km": km,
            "arrival_h": arrival, "peak_conc_mgl": peak, "limit_mgl": limit,
            "exceeds": exceeds,
            "worst": None if worst is None else {"arrival_h": worst, "exceeds": worst_exceeds},
            "extra": {"to_adcode": to_code, "to_name": to_name, "from_adcode": from_code,
                      "from_name": from_name, "level": level, **extra}}


def test_downstream_provinces_notified_the_home_province_never():
    """Gansu → Qinghai → Gansu → Ningxia: Qinghai and Ningxia, never Gansu (home)."""
    rs = [
        crossing("630000", "青海省", arrival=10.0, worst=6.0, km=100.0, code="B1"),
        crossing("620000", "甘肃省", arrival=20.0, worst=12.0, km=200.0, code="B2",
                 from_code="630000", from_name="青海省"),
        crossing("640000", "宁夏回族自治区", arrival=40.0, worst=25.0, km=400.0, code="B3"),
        {"kind": "water_source", "name": "W", "arrival_h": 1.0, "extra": {}},
    ]
    got = downstream_notifications(rs, home_adcode="620000")
    assert [(n.admin_code, n.boundary_code) for n in got] == [("630000", "B1"),
                                                              ("640000", "B3")]
    assert all(n.source == ART8 and n.level == "province" for n in got)
    assert (got[0].arrival_h, got[0].worst_arrival_h, got[0].river_km) == (10.0, 6.0, 100.0)
    assert got[0].from_name == "甘肃省" and got[0].admin_name == "青海省"


def test_the_spills_own_administration_is_never_notified_even_without_a_home_code():
    rs = [crossing("630000", "青海省", arrival=5.0, worst=4.0, from_code="620000"),
          crossing("620000", "甘肃省", arrival=9.0, worst=7.0, from_code="630000")]
    assert [n.admin_code for n in downstream_notifications(rs)] == ["630000"]
    # per level: the prefecture the spill lies in is dropped, a province is kept
    mixed = [crossing("621100", "定西市", arrival=2.0, worst=1.0, level="prefecture",
                      from_code="620100"),
             crossing("620100", "兰州市", arrival=3.0, worst=2.0, level="prefecture",
                      from_code="621100"),
             crossing("620100", "兰州市?", arrival=3.5, worst=2.5, level="province",
                      from_code="999999")]
    got = downstream_notifications(mixed)
    assert [(n.admin_code, n.level) for n in got] == [("621100", "prefecture"),
                                                       ("620100", "province")]


def test_one_notification_per_administration_the_earliest_worst_arrival():
    rs = [crossing("640000", "宁夏", arrival=30.0, worst=20.0, km=300.0, code="late"),
          crossing("640000", "宁夏", arrival=31.0, worst=18.0, km=310.0, code="early"),
          crossing("640000", "宁夏", arrival=29.0, worst=19.0, km=290.0, code="mid"),
          crossing("610000", "陕西", arrival=25.0, worst=18.0, km=250.0, code="sx")]
    got = downstream_notifications(rs, home_adcode="620000")
    # sorted by worst arrival, ties by river km: 陕西 (18 h, 250 km) before 宁夏 (18 h, 310)
    assert [(n.admin_code, n.boundary_code) for n in got] == [("610000", "sx"),
                                                              ("640000", "early")]


def test_a_crossing_without_a_worst_case_uses_the_expected_arrival():
    (n,) = downstream_notifications([crossing("640000", "宁夏", arrival=12.0, exceeds=True)])
    assert n.worst_arrival_h == 12.0 and n.exceeds
    # a nameless administration is keyed by its name
    rs = [crossing(None, "某县", arrival=3.0, worst=2.0, level="county"),
          crossing(None, "某县", arrival=2.5, worst=1.0, level="county", code="C2")]
    (c,) = downstream_notifications(rs)
    assert (c.admin_name, c.boundary_code, c.admin_code) == ("某县", "C2", None)


def test_notification_reason_texts_by_hand():
    (above,) = downstream_notifications([crossing(
        "640000", "宁夏", arrival=12.34, worst=8.06, peak=0.12345, limit=0.05, exceeds=True)])
    assert above.reason_zh == ("污染团预计12.3小时后（最早8.1小时）到达宁夏界，"
                               "峰值约0.123 mg/L，标准0.05 mg/L，预计超标；"
                               "依第八条通报同级生态环境部门")
    assert above.reason_en == (
        "plume expected at the 宁夏 boundary in 12.3 h (earliest 8.1 h), peak about "
        "0.123 mg/L, limit 0.05 mg/L, above the limit; notify the same-level environment "
        "authority (Art. 8)")
    (worst,) = downstream_notifications([crossing(
        "640000", "宁夏", arrival=5.0, worst=4.0, limit=None, worst_exceeds=True)])
    assert "最不利情况下超标" in worst.reason_zh and "标准" not in worst.reason_zh
    assert "above the limit in the worst case" in worst.reason_en
    assert "limit " not in worst.reason_en.replace("limit in", "")
    (below,) = downstream_notifications([crossing("640000", "宁夏", arrival=5.0, worst=4.0)])
    assert "预计未超标" in below.reason_zh and "below the limit" in below.reason_en
    (stretch,) = downstream_notifications([crossing(
        "640000", "宁夏", arrival=5.0, worst=4.0, stretch=True, stretch_from_km=10.4,
        stretch_to_km=22.6, crossings=7)])
    assert "（沿边界河段约10–23 km，绘制河线往返穿越7次，计为一次）" in stretch.reason_zh
    assert ("(border stretch km 10–23: 7 crossings of the drawn line counted once)"
            in stretch.reason_en)


# --- plans --------------------------------------------------------------------------------


def test_step_applies_by_class_and_min_level():
    s = PlanStepInput("contain", 1, "z", "e", "r", classes=("oil",), min_level="III")
    assert [step_applies(s, "oil", lv) for lv in ("I", "II", "III", "IV")] == [
        True, True, True, False]
    assert not step_applies(s, "heavy_metal", "I")
    with pytest.raises(ValueError, match="level"):
        step_applies(s, "oil", "V")
    with pytest.raises(ValueError, match="min_level"):
        step_applies(PlanStepInput("x", 1, "", "", "", min_level="V"), "oil", "I")


def test_report_steps_at_the_report_level_only_when_more_severe():
    r2 = PlanStepInput("report", 1, "2h", "", "", min_level="II")
    r4 = PlanStepInput("report", 2, "4h", "", "")
    c2 = PlanStepInput("contain", 1, "dam", "", "", min_level="II")
    mon = PlanStepInput("monitor", 1, "mon", "", "")
    steps = [mon, c2, r4, r2]
    assert select_plan_steps(steps, "oil", "IV") == [r4, mon]
    assert select_plan_steps(steps, "oil", "IV", "II") == [r2, r4, mon]
    # a report level below the grade changes nothing
    assert select_plan_steps(steps, "oil", "II", "IV") == [r2, r4, c2, mon]
    with pytest.raises(ValueError, match="report_level"):
        select_plan_steps(steps, "oil", "IV", "V")


def test_fit_responsible_by_hand():
    known = ("兰州市", "白银市")
    text = "兰州市生态环境局、白银市生态环境局；省生态环境厅；白银市水务局等"
    assert fit_responsible(text, {"兰州市"}, known) == "兰州市生态环境局；省生态环境厅"
    assert fit_responsible(text, {"白银市"}, known) == (
        "白银市生态环境局；省生态环境厅；白银市水务局等")
    assert fit_responsible("兰州市生态环境局", {"白银市"}, known) == "兰州市生态环境局"
    assert fit_responsible(text, set(), known) == text
    assert fit_responsible("", {"兰州市"}, known) == ""


# --- depots and teams: dispatched against the worst-case (earliest) arrival --------------

PAC = MaterialStock("PAC", "聚合氯化铝", 5.0, "t", ("heavy_metal",))
BOOM = MaterialStock("BOOM", "围油栏", 200.0, "m", ("oil",))
BAGS = MaterialStock("BAGS", "编织袋", 1000.0, "个")


def km(a, b):
    return GEOD.inv(a[0], a[1], b[0], b[1])[2] / 1000.0


def test_travel_time_slack_and_choice_by_hand():
    """An origin 0.3° north of two points on a river: travel = km × 1.4 / 50 km/h."""
    o = ResourceOrigin("T", "队", 104.0, 36.3)
    up = Target("UP", "上", 104.0, 36.0, plume_arrival_h=0.5, river_km=5.0)
    down = Target("DN", "下", 104.1, 36.0, plume_arrival_h=4.0, river_km=30.0)
    (r,) = rank_resources([o], [down, up], "oil")
    straight_up, straight_dn = km((104.0, 36.3), (104.0, 36.0)), km((104.0, 36.3), (104.1, 36.0))
    travel_up, travel_dn = straight_up * 1.4 / 50.0, straight_dn * 1.4 / 50.0
    assert travel_up > 0.5  # ~0.93 h: too late for the upstream point ...
    assert travel_dn < 4.0  # ... so the first point it reaches in time is downstream
    assert (r.target_code, r.target_name, r.arrives_before_plume) == ("DN", "下", True)
    assert r.straight_km == pytest.approx(straight_dn, rel=1e-12)
    assert r.distance_km == pytest.approx(straight_dn * 1.4, rel=1e-12)
    assert r.travel_h == pytest.approx(travel_dn, rel=1e-12)
    assert r.slack_h == pytest.approx(4.0 - travel_dn, rel=1e-12)
    # with a faster convoy the upstream point is reached in time
    (fast,) = rank_resources([o], [down, up], "oil", circuity=1.0, speed_kmh=80.0)
    assert fast.target_code == "UP"
    assert fast.slack_h == pytest.approx(0.5 - straight_up / 80.0, rel=1e-12)


def test_late_everywhere_takes_the_least_late_point():
    o = ResourceOrigin("T", "队", 104.0, 37.0)
    a = Target("A", "a", 104.0, 36.0, plume_arrival_h=0.1, river_km=1.0)
    b = Target("B", "b", 104.0, 36.1, plume_arrival_h=0.2, river_km=2.0)
    (r,) = rank_resources([o], [a, b], "oil")
    lateness_b = 0.2 - km((104.0, 37.0), (104.0, 36.1)) * 1.4 / 50
    assert (r.target_code, r.arrives_before_plume) == ("B", False)
    assert r.slack_h == pytest.approx(lateness_b, rel=1e-12) and r.slack_h < 0


def test_arriving_exactly_with_the_plume_is_not_in_time():
    """Zero slack is not "before the plume": an origin on the point, plume already there."""
    here = ResourceOrigin("H", "h", 104.0, 36.0)
    (r,) = rank_resources([here], [Target("P", "p", 104.0, 36.0, plume_arrival_h=0.0)], "oil")
    assert r.travel_h == 0.0 and r.slack_h == 0.0 and not r.arrives_before_plume


def test_a_point_the_plume_never_reaches_is_in_time_without_slack():
    o = ResourceOrigin("T", "t", 104.0, 36.5)
    (r,) = rank_resources([o], [Target("P", "p", 104.0, 36.0, plume_arrival_h=None)], "oil")
    assert r.arrives_before_plume and r.slack_h is None
    assert r.travel_h == pytest.approx(km((104.0, 36.5), (104.0, 36.0)) * 1.4 / 50)


def test_targets_ordered_upstream_by_river_km_then_arrival():
    o = ResourceOrigin("T", "t", 104.0, 36.0)
    # both reachable in time: the one with the smaller river_km wins whatever the list order
    t1 = Target("K10", "", 104.2, 36.0, plume_arrival_h=9.0, river_km=10.0)
    t2 = Target("K20", "", 104.0, 36.01, plume_arrival_h=8.0, river_km=20.0)
    assert rank_resources([o], [t2, t1], "oil")[0].target_code == "K10"
    # without river_km the earlier arrival is taken as the more upstream
    n1 = Target("N1", "", 104.2, 36.0, plume_arrival_h=9.0)
    n2 = Target("N2", "", 104.0, 36.01, plume_arrival_h=8.0)
    assert rank_resources([o], [n1, n2], "oil")[0].target_code == "N2"
    # a point with river_km comes before one without
    assert rank_resources([o], [n2, t1], "oil")[0].target_code == "K10"


def test_ranking_order_in_time_first_then_by_travel():
    t = Target("P", "p", 104.0, 36.0, plume_arrival_h=1.0, river_km=0.0)
    near = ResourceOrigin("NEAR", "", 104.0, 36.1)    # ~11 km: 0.31 h, in time
    nearer = ResourceOrigin("NR2", "", 104.0, 36.05)  # ~5.5 km: in time, faster
    far = ResourceOrigin("FAR", "", 104.0, 36.5)      # ~55 km: 1.55 h, late
    got = rank_resources([far, near, nearer], [t], "oil")
    assert [r.code for r in got] == ["NR2", "NEAR", "FAR"]
    assert [r.arrives_before_plume for r in got] == [True, True, False]


def test_materials_serving_the_class_and_require_materials():
    depot = ResourceOrigin("D", "库", 104.0, 36.1, [PAC, BOOM, BAGS,
                                                   ("EMPTY", "空", 0.0, "t", ())],
                           extra={"name_en": "Depot"})
    only_pac = ResourceOrigin("D2", "库2", 104.0, 36.2, [PAC])
    t = Target("P", "p", 104.0, 36.0, plume_arrival_h=5.0)
    assert [m.code for m in serving_materials(depot.materials, "oil")] == ["BOOM", "BAGS"]
    assert [m.code for m in serving_materials(depot.materials, "heavy_metal")] == ["PAC",
                                                                                  "BAGS"]
    listed = [("L", "l", 1.0, "t", ["oil"]), ("N", "n", 1.0, "t", ["heavy_metal"])]
    assert [m.code for m in serving_materials(listed, "oil")] == ["L"]
    kept = rank_resources([depot, only_pac], [t], "oil", require_materials=True)
    assert [r.code for r in kept] == ["D"]
    assert [m.code for m in kept[0].materials] == ["BOOM", "BAGS"]
    assert kept[0].extra == {"name_en": "Depot"}
    assert [r.code for r in rank_resources([depot, only_pac], [t], "oil")] == ["D", "D2"]


@pytest.mark.parametrize(("circuity", "speed"), [(0.99, 50.0), (1.4, 0.0), (1.4, -1.0)])
def test_bad_road_parameters_are_rejected(circuity, speed):
    with pytest.raises(ValueError, match="circuity"):
        rank_resources([], [], "oil", circuity=circuity, speed_kmh=speed)


def test_circuity_one_is_allowed():
    o = ResourceOrigin("T", "t", 104.0, 36.1)
    (r,) = rank_resources([o], [Target("P", "p", 104.0, 36.0, 2.0)], "oil", circuity=1.0)
    assert r.distance_km == r.straight_km


def test_the_pool_remembers_known_points_and_measures_others():
    o = [ResourceOrigin("A", "", 104.0, 36.1), ResourceOrigin("B", "", 104.5, 36.0)]
    pool = ResourcePool(o, points=[(104.0, 36.0), (104.0, 36.0)])
    (known,) = pool.straight_km([(104.0, 36.0)])
    assert known == pytest.approx([km((104.0, 36.1), (104.0, 36.0)),
                                   km((104.5, 36.0), (104.0, 36.0))], rel=1e-12)
    other, again = pool.straight_km([(105.0, 36.0), (104.0, 36.0)])
    assert other == pytest.approx([km((104.0, 36.1), (105.0, 36.0)),
                                   km((104.5, 36.0), (105.0, 36.0))], rel=1e-12)
    assert again is known
    assert ResourcePool([]).straight_km([(1.0, 2.0)]) == [[]]


def test_no_target_rows_come_last_and_are_never_useful():
    o = [ResourceOrigin("A", "", 104.0, 36.1)]
    (r,) = rank_resources(o, [], "oil")
    assert r.target_code is None and math.isnan(r.travel_h) and not r.arrives_before_plume
    assert r.slack_h is None
    assert useful_flags([r]) == [False]


def test_useful_flags_by_hand():
    """At most 5 useful; late rows only while fewer than 3 are useful."""
    t = Target("P", "p", 104.0, 36.0, plume_arrival_h=1.0)
    in_time = [ResourceOrigin(f"I{i}", "", 104.0, 36.0 + 0.01 * (i + 1)) for i in range(6)]
    late = [ResourceOrigin(f"L{i}", "", 104.0, 37.0 + 0.1 * i) for i in range(4)]
    ranked = rank_resources(in_time + late, [t], "oil")
    assert [r.arrives_before_plume for r in ranked] == [True] * 6 + [False] * 4
    assert useful_flags(ranked) == [True] * 5 + [False] * 5
    only_late = rank_resources(late, [t], "oil")
    assert useful_flags(only_late) == [True, True, True, False]
    one_in_time = rank_resources(in_time[:1] + late, [t], "oil")
    assert useful_flags(one_in_time) == [True, True, True, False, False]
    assert useful_flags(ranked, max_n=2) == [True, True] + [False] * 8
    assert useful_flags(only_late, min_n=1) == [True, False, False, False]


# --- edges the mutation run found untested -----------------------------------------------


def test_a_minimal_boundary_receptor_gives_a_notification_with_safe_defaults():
    """No code, km, arrivals, peak, limit or flags: the fields default (not crash)."""
    (n,) = downstream_notifications([{"kind": "boundary", "name": "某界",
                                      "extra": {"to_adcode": "640000"}}])
    assert (n.admin_code, n.admin_name, n.level, n.boundary_code) == (
        "640000", "某界", "prefecture", "")
    assert math.isnan(n.arrival_h) and math.isnan(n.worst_arrival_h)
    assert math.isnan(n.river_km)
    assert n.peak_conc_mgl == 0.0 and n.exceeds is False
    assert n.reason_zh == ("污染团预计nan小时后（最早nan小时）到达某界界，峰值约0 mg/L，"
                           "预计未超标；依第八条通报同级生态环境部门")
    # attribute-style receptors (dataclasses) work the same
    from types import SimpleNamespace
    (o,) = downstream_notifications([SimpleNamespace(kind="boundary", extra={
        "to_adcode": "640000", "level": "province"}, name="N", worst=SimpleNamespace())])
    assert o.admin_name == "N" and o.level == "province" and math.isnan(o.worst_arrival_h)
    assert o.exceeds is False and "预计未超标" in o.reason_zh
    (p,) = downstream_notifications([{"kind": "boundary", "extra": {"to_adcode": "1"}}])
    assert p.admin_name == ""


def test_notifications_skip_other_receptors_anywhere_in_the_list():
    rs = [{"kind": "water_source", "name": "W"},
          crossing("640000", "宁夏", arrival=5.0, worst=4.0),
          {"kind": "section", "name": "S"},
          crossing("610000", "陕西", arrival=6.0, worst=5.0)]
    assert [n.admin_code for n in downstream_notifications(rs)] == ["640000", "610000"]


def test_the_origin_of_a_crossing_without_a_level_is_a_prefecture():
    rs = [{"kind": "boundary", "name": "a", "arrival_h": 1.0,
           "extra": {"to_adcode": "B", "from_adcode": "A"}},
          {"kind": "boundary", "name": "b", "arrival_h": 2.0,
           "extra": {"to_adcode": "A", "from_adcode": "B"}}]
    assert [n.admin_code for n in downstream_notifications(rs)] == ["B"]


def test_same_code_other_names_is_one_administration_and_ties_keep_the_first():
    rs = [crossing("640000", "宁夏", arrival=5.0, worst=4.0, code="first"),
          crossing("640000", "宁夏回族自治区", arrival=5.0, worst=4.0, code="second")]
    (n,) = downstream_notifications(rs)
    assert n.boundary_code == "first" and n.peak_conc_mgl == 0.5


def test_a_worst_case_without_flags_counts_as_not_exceeded():
    (n,) = downstream_notifications([crossing("640000", "宁夏", arrival=5.0, worst=4.0)
                                     | {"worst": {"arrival_h": 4.0}}])
    assert "预计未超标" in n.reason_zh
    assert source_share(intake(worst_peak=0.05, limit=1.0) | {
        "worst": {"peak_conc_mgl": 0.05}}) == pytest.approx(0.05)
    a = assess_level(pollutant_class="oil", receptors=[
        boundary("province") | {"worst": None}])
    assert a.report_reasons == []


@pytest.mark.parametrize(("share", "text"), [
    (1.0, "甲：最不利情况峰值达到或超过限值"),
    (1.5, "甲：最不利情况峰值达到或超过限值"),
    (0.99, "甲：最不利情况峰值为限值的99%"),
])
def test_art4_1_wording_at_and_above_the_limit(share, text):
    a = assess_level(pollutant_class="oil", receptors=[intake(worst_peak=share, limit=1.0)])
    assert text in a.report_reasons[0].text_zh


def test_later_criteria_count_after_an_ignored_or_unconfirmed_one():
    a = assess_level(pollutant_class="oil", intakes_interrupted=["village", "county"])
    assert a.suggested == "II"
    b = assess_level(pollutant_class="oil", receptors=[
        boundary("province", worst_exceeds=True, name="甲"),
        boundary("prefecture", exceeds=True, name="乙")])
    assert b.suggested == "III" and [r.criterion for r in b.reasons] == ["boundary"]
    (r,) = assess_level(pollutant_class="oil", intakes_interrupted=["city"]).reasons
    assert r.source == PLAN_2014


def test_unknown_ecology_names_the_choices():
    with pytest.raises(ValueError, match="ecology must be one of"):
        assess_level(pollutant_class="oil", ecology="dead fish")


def test_steps_of_an_unknown_phase_go_last():
    odd = PlanStepInput("debrief", 1, "", "", "")
    rep = PlanStepInput("report", 1, "", "", "")
    assert select_plan_steps([odd, rep], "oil", "IV") == [rep, odd]


def test_rank_keeps_the_names_and_accepts_a_slow_convoy():
    o = ResourceOrigin("T", "队", 104.0, 36.1)
    t = Target("P", "点", 104.0, 36.0, plume_arrival_h=100.0)
    (r,) = rank_resources([o], [t], "oil", speed_kmh=0.5)  # on foot in a flood: allowed
    assert (r.code, r.name, r.target_name) == ("T", "队", "点")
    assert r.travel_h == pytest.approx(km((104.0, 36.1), (104.0, 36.0)) * 1.4 / 0.5)
    with pytest.raises(ValueError, match="circuity must be ≥ 1 and speed_kmh > 0"):
        rank_resources([o], [t], "oil", speed_kmh=0.0)
    (none,) = rank_resources([o], [], "oil")
    assert math.isnan(none.distance_km) and math.isnan(none.straight_km)

"""Incident grading (2014 plan, Annex 1) and the reporting clock (2011 measures)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest

from webgis.response.level import assess_level, report_clock


def receptor(kind, exceeds=False, worst_exceeds=False, name="R", **extra):
    return SimpleNamespace(
        kind=kind,
        name=name,
        exceeds=exceeds,
        worst=SimpleNamespace(exceeds=worst_exceeds),
        extra=extra,
    )


@pytest.mark.parametrize(
    ("field", "value", "level"),
    [
        ("deaths", 30, "I"),
        ("deaths", 29, "II"),
        ("deaths", 10, "II"),
        ("deaths", 3, "III"),
        ("deaths", 2, "IV"),
        ("poisoned", 100, "I"),
        ("poisoned", 50, "II"),
        ("poisoned", 10, "III"),
        ("poisoned", 9, "IV"),
        ("evacuated", 50_000, "I"),
        ("evacuated", 10_000, "II"),
        ("evacuated", 5_000, "III"),
        ("evacuated", 4_999, "IV"),
        ("loss_cny", 1e8, "I"),
        ("loss_cny", 2e7, "II"),
        ("loss_cny", 5e6, "III"),
        ("loss_cny", 4.9e6, "IV"),
    ],
)
def test_count_criteria_with_inclusive_lower_bounds(field, value, level):
    a = assess_level(pollutant_class="oil", **{field: value})
    assert a.suggested == level


@pytest.mark.parametrize(
    ("serves", "level"), [("city", "I"), ("county", "II"), ("township", "III")]
)
def test_predicted_exceedance_at_an_intake_counts_as_interruption(serves, level):
    a = assess_level(
        pollutant_class="oil", receptors=[receptor("water_source", True, True, serves=serves)]
    )
    assert a.suggested == level
    assert any(r.criterion == "intake" and "predicted" in r.text_en for r in a.reasons)


@pytest.mark.parametrize(
    ("kind", "level"), [("country", "I"), ("province", "II"), ("prefecture", "III")]
)
def test_cross_boundary_impact(kind, level):
    a = assess_level(
        pollutant_class="oil", receptors=[receptor("boundary", True, True, level=kind)]
    )
    assert a.suggested == level
    flag = assess_level(
        pollutant_class="oil", **{f"cross_{'border' if kind == 'country' else kind}": True}
    )
    assert flag.suggested == level


def test_a_plume_below_the_limit_everywhere_is_level_iv_reported_in_4_hours():
    a = assess_level(
        pollutant_class="oil",
        receptors=[receptor("water_source", serves="city"), receptor("boundary", level="province")],
    )
    assert a.suggested == "IV"
    assert a.report_due_min == 240
    assert a.report_as == "III/IV"
    assert a.lead == "county"
    assert a.reasons[0].criterion == "catch_all"


def test_level_i_ii_are_reported_within_2_hours():
    a = assess_level(pollutant_class="oil", deaths=12)
    assert (a.suggested, a.report_due_min, a.province_to_mee_min, a.lead) == (
        "II",
        120,
        60,
        "province",
    )


@pytest.mark.parametrize(
    ("kwargs", "item"),
    [
        ({"pollutant_class": "heavy_metal"}, "第（三）项"),
        ({"pollutant_class": "metalloid"}, "第（三）项"),
        ({"pollutant_class": "oil", "sensitive_groups": True}, "第（二）项"),
        ({"pollutant_class": "oil", "mass_incident": True}, "第（五）项"),
        (
            {
                "pollutant_class": "oil",
                "receptors": [receptor("water_source", False, True, serves="city")],
            },
            "第（一）项",
        ),
        (
            {
                "pollutant_class": "oil",
                "receptors": [receptor("boundary", False, True, level="province")],
            },
            "第（四）项",
        ),
    ],
)
def test_article_4_escalates_reporting_to_2_hours(kwargs, item):
    a = assess_level(**kwargs)
    assert a.suggested == "IV"  # the grade itself is unchanged...
    assert a.report_as == "I/II"  # ...but it is reported as II/I
    assert a.report_due_min == 120
    assert any(item in r.source and "第四条" in r.source for r in a.report_reasons)


def test_most_severe_criterion_wins_and_all_reasons_are_listed():
    a = assess_level(
        pollutant_class="oil",
        deaths=4,
        evacuated=20_000,
        receptors=[receptor("water_source", True, serves="township")],
    )
    assert a.suggested == "II"
    assert {r.criterion for r in a.reasons} == {"deaths", "evacuated", "intake"}
    assert all(r.text_zh and r.text_en and "2014" in r.source for r in a.reasons)


# --- issue 11: Art. 4 (1) from a share of the limit, standby intakes, ecology, the clock ---


def intake(peak_worst, limit=0.01, name="R", arrival=3.0, exceeds=False, **extra):
    """A water_source receptor with a worst-case peak (mg/L) and a limit."""
    extra.setdefault("serves", "city")
    extra.setdefault("population_served", 100_000)
    return SimpleNamespace(
        kind="water_source", name=name, exceeds=exceeds, limit_mgl=limit,
        peak_conc_mgl=peak_worst / 2, arrival_h=arrival,
        worst=SimpleNamespace(exceeds=limit is not None and peak_worst > limit,
                              peak_conc_mgl=peak_worst, arrival_h=arrival * 0.8),
        extra=extra,
    )


@pytest.mark.parametrize(
    ("peak", "triggered"),
    [(0.001, True), (0.0035, True), (0.00099, False), (0.0, False)],
)
def test_art4_1_triggers_from_a_tenth_of_the_limit_in_the_worst_case(peak, triggered):
    # limit 0.01 mg/L: 10 % is 0.001 mg/L (inclusive); nothing exceeds in either case
    a = assess_level(pollutant_class="organic", receptors=[intake(peak)])
    assert a.suggested == "IV"
    art4_1 = [r for r in a.report_reasons if r.criterion == "art4_1"]
    assert bool(art4_1) == triggered
    assert (a.report_as, a.report_due_min) == (("I/II", 120) if triggered else ("III/IV", 240))


def test_art4_1_reason_states_the_share_and_the_rule():
    a = assess_level(pollutant_class="organic", receptors=[intake(0.0035, name="甲水源")])
    (r,) = a.report_reasons
    assert "甲水源：最不利情况峰值为限值的35%" in r.text_zh
    assert "10%" in r.text_zh and "worst-case peak 35% of the limit" in r.text_en
    assert r.source.endswith("第四条第（一）项")


def test_art4_1_an_intake_without_a_limit_counts_once_the_plume_reaches_it():
    reached = assess_level(pollutant_class="oil", receptors=[intake(0.2, limit=None)])
    assert [r.criterion for r in reached.report_reasons] == ["art4_1"]
    never = assess_level(pollutant_class="oil",
                         receptors=[intake(0.0, limit=None, arrival=float("nan"))])
    assert never.report_reasons == []
    # a slick: a limit (石油类 0.05 mg/L) but no dissolved peak to compare with it
    slick = intake(0.0, limit=0.05)
    slick.peak_conc_mgl = slick.worst.peak_conc_mgl = None
    got = assess_level(pollutant_class="oil", receptors=[slick])
    assert [r.criterion for r in got.report_reasons] == ["art4_1"]
    assert "reached (no peak/limit ratio)" in got.report_reasons[0].text_en


@pytest.mark.parametrize("flag", [{"population_served": 0}, {"status": "standby"}])
def test_a_standby_intake_is_listed_but_does_not_raise_the_grade(flag):
    # far above the limit in both cases: a served city intake would make it level I
    served = assess_level(pollutant_class="organic",
                          receptors=[intake(0.5, exceeds=True, name="甲")])
    assert served.suggested == "I"
    spare = assess_level(pollutant_class="organic",
                         receptors=[intake(0.5, exceeds=True, name="甲", **flag)])
    assert spare.suggested == "IV"
    assert not any(r.criterion == "intake" for r in spare.reasons)
    assert spare.standby_intakes == ("甲",)
    (r,) = spare.report_reasons  # still a protected source: Art. 4 (1)
    assert r.criterion == "art4_1" and "甲（备用）" in r.text_zh and "(standby)" in r.text_en


@pytest.mark.parametrize(
    ("ecology", "level"),
    [("function_lost", "I"), ("function_partly_lost", "II"), ("species_damaged", "III")],
)
def test_ecology_row_of_the_2014_plan(ecology, level):
    a = assess_level(pollutant_class="oil", ecology=ecology)
    assert a.suggested == level
    (r,) = a.reasons
    assert r.criterion == "ecology" and r.text_zh and r.text_en and "2014" in r.source


def test_unknown_ecology_is_rejected():
    with pytest.raises(ValueError):
        assess_level(pollutant_class="oil", ecology="some")


def test_sensitive_groups_and_mass_incident_are_listed_together():
    a = assess_level(pollutant_class="oil", sensitive_groups=True, mass_incident=True,
                     evacuated=6_000)
    assert a.suggested == "III" and a.report_as == "I/II" and a.report_due_min == 120
    assert [r.criterion for r in a.report_reasons] == ["art4_2", "art4_5"]


def test_the_report_clock_runs_from_discovery():
    found = datetime(2026, 5, 1, 10, 30, tzinfo=timezone(timedelta(hours=8)))
    four = report_clock(assess_level(pollutant_class="oil"), found)
    assert four == {"discovered_at": "2026-05-01T10:30:00+08:00",
                    "report_due_at": "2026-05-01T14:30:00+08:00",
                    "province_to_mee_due_at": None}
    two = report_clock(assess_level(pollutant_class="heavy_metal"), found)
    assert two["report_due_at"] == "2026-05-01T12:30:00+08:00"
    assert two["province_to_mee_due_at"] == "2026-05-01T13:30:00+08:00"

"""Incident grading (2014 plan, Annex 1) and the reporting clock (2011 measures)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from webgis.response.level import assess_level


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

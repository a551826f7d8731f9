"""Suggested incident level and the legal reporting clock.

Grading: National Environmental Emergency Plan 2014 (国家突发环境事件应急预案,
国办函〔2014〕119号), Annex 1 (事件分级标准). Reporting: Measures for reporting
environmental emergency information (突发环境事件信息报告办法, MEP Order No. 17, in force
2011-05-01), Art. 3 (time limits) and Art. 4 (report as II/I when unclear).
"以上" includes the boundary number, "以下" excludes it.

The level is a *suggestion* for the duty officer: a predicted exceedance at an intake is
counted as an interruption of that intake, and a predicted exceedance beyond a boundary
as a cross-boundary impact (erring towards the higher level, as the plan allows the level
to be lowered later).

The reporting clock runs from discovery (Art. 3: "发现或者得知"), not from the start of the
release: :func:`report_clock` turns a discovery time and an assessment into the due times.
Art. 4 (1) ("a drinking-water source protection zone is or may be affected") is read on the
safe side: any intake the worst case reaches with a peak of at least
:data:`SOURCE_ALERT_SHARE` of its limit may be affected, not only a predicted exceedance.
A standby intake (no population served) is still a protected source (Art. 4 (1)), but its
interruption cuts nobody's supply, so it does not raise the grade by the population served.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

LEVELS = ("I", "II", "III", "IV")  # I most severe
_SEVERITY = {name: i for i, name in enumerate(LEVELS)}  # 0 = I
PLAN_2014 = "国家突发环境事件应急预案（国办函〔2014〕119号）附件1"
MEASURES_2011 = "突发环境事件信息报告办法（环境保护部令第17号）"
HEAVY_CLASSES = frozenset({"heavy_metal", "metalloid"})
# Art. 3: IV/III within 4 h, II/I within 2 h (to own government and the higher EPB).
REPORT_DUE_MIN = {"I": 120, "II": 120, "III": 240, "IV": 240}
PROVINCE_TO_MEE_MIN = 60  # Art. 3: the provincial EPB reports I/II to the MEE within 1 h
# Art. 4 (1) trigger: an intake the worst case reaches at >= 10 % of its limit "may be
# affected". Why 10 %: the worst case is a cross-section mean from a 1D model, while the
# bank-side water an intake draws can be several times that mean near the source; release
# masses reported in the first hour are often wrong by a factor of a few; and the model's
# own spread between cases is a factor of 2-3. One order of magnitude below the limit covers
# these together; below it, field test kits hardly tell the plume from the background.
SOURCE_ALERT_SHARE = 0.10
# A share computed as peak / limit can land a rounding step below the trigger it equals
# (0.02 / 0.2 == 0.09999999999999999): the comparison allows that much, on the safe side.
SHARE_ROUNDING = 1e-9
# 2014 plan, Annex 1, ecology row: what the officer observed -> level.
ECOLOGY = {
    "function_lost": ("I", "区域生态功能丧失或该区域国家重点保护物种灭绝",
                      "regional ecological function lost, or a nationally protected species "
                      "wiped out in the region"),
    "function_partly_lost": ("II", "区域生态功能部分丧失或该区域国家重点保护野生动植物种群大批死亡",
                             "regional ecological function partly lost, or mass death of "
                             "protected wild populations in the region"),
    "species_damaged": ("III", "国家重点保护的动植物物种受到破坏",
                        "nationally protected species damaged"),
}


@dataclass(frozen=True, slots=True)
class LevelReason:
    """One reason, with the level it implies and the clause it comes from."""

    level: str
    criterion: str
    text_zh: str
    text_en: str
    source: str


@dataclass(frozen=True, slots=True)
class LevelAssessment:
    """Suggested level, reasons, and when and how the first report is due."""

    suggested: str
    reasons: list[LevelReason]
    report_due_min: int
    report_as: str
    report_reasons: list[LevelReason]
    province_to_mee_min: int | None
    lead: str
    standby_intakes: tuple[str, ...] = ()


def _tier(value: float, thresholds: tuple[float, float, float]) -> str | None:
    """Level for a count with I/II/III lower bounds (inclusive), None below III."""
    for level, bound in zip(("I", "II", "III"), thresholds, strict=True):
        if value >= bound:
            return level
    return None


_COUNTS = (
    ("deaths", (30, 10, 3), "死亡{v}人", "{v} dead"),
    ("poisoned", (100, 50, 10), "中毒或重伤{v}人", "{v} poisoned or seriously injured"),
    ("evacuated", (50_000, 10_000, 5_000), "疏散、转移{v}人", "{v} evacuated or relocated"),
    ("loss_cny", (1e8, 2e7, 5e6), "直接经济损失{v:.0f}元", "direct economic loss CNY {v:,.0f}"),
)
_INTAKE = {
    "city": ("I", "设区的市级以上城市", "a city with districts or above"),
    "county": ("II", "县级城市", "a county-level city"),
    "township": ("III", "乡镇", "a township"),
}
_BOUNDARY = {
    "country": ("I", "跨国境", "cross-border (international)"),
    "province": ("II", "跨省级行政区域", "cross-province"),
    "prefecture": ("III", "跨设区的市级行政区域", "cross-prefecture"),
}


def _attr(obj: Any, name: str, default: Any = None) -> Any:
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def is_standby(extra: Any) -> bool:
    """A standby intake: flagged ``status: standby`` or serving no population (the dataset
    marks standby intakes with ``population_served`` 0 and "（备用）" in the name)."""
    if _attr(extra, "status") == "standby":
        return True
    pop = _attr(extra, "population_served")
    return isinstance(pop, int | float) and not isinstance(pop, bool) and pop <= 0


def source_share(receptor: Any) -> float | None:
    """Worst-case peak over the limit at a receptor (None: no limit or no peak).

    An exceedance flagged by either case counts as at least 1 even when the numbers are
    missing (a slick, an undissolved product), so the trigger never errs low.
    """
    worst = _attr(receptor, "worst")
    limit = _attr(receptor, "limit_mgl")
    share = None
    for peak in (_attr(worst, "peak_conc_mgl") if worst is not None else None,
                 _attr(receptor, "peak_conc_mgl")):
        if (isinstance(peak, int | float) and isinstance(limit, int | float)
                and limit > 0 and math.isfinite(peak)):
            share = max(share or 0.0, peak / limit)
    if bool(_attr(receptor, "exceeds", False)) or (
            worst is not None and bool(_attr(worst, "exceeds", False))):
        share = max(share or 0.0, 1.0)
    return share


def _reaches(receptor: Any) -> bool:
    """Whether the worst case (or the expected one) predicts an arrival at all."""
    worst = _attr(receptor, "worst")
    for arr in (_attr(worst, "arrival_h") if worst is not None else None,
                _attr(receptor, "arrival_h")):
        if isinstance(arr, int | float) and math.isfinite(arr):
            return True
    return False


def assess_level(
    *,
    pollutant_class: str,
    receptors: Sequence[Any] = (),
    deaths: int = 0,
    poisoned: int = 0,
    evacuated: int = 0,
    loss_cny: float = 0.0,
    intakes_interrupted: Iterable[str] = (),
    cross_border: bool = False,
    cross_province: bool = False,
    cross_prefecture: bool = False,
    sensitive_groups: bool = False,
    mass_incident: bool = False,
    ecology: str | None = None,
    source_alert_share: float = SOURCE_ALERT_SHARE,
) -> LevelAssessment:
    """Suggest I–IV from casualties, losses, ecology, intakes and boundaries; set the clock.

    ``receptors`` are plume receptor results (``kind``, ``name``, ``exceeds``, ``limit_mgl``,
    ``worst`` with ``exceeds``/``peak_conc_mgl``/``arrival_h``, ``extra``): a
    ``water_source`` whose ``extra["serves"]`` is city/county/township counts as interrupted
    when its expected peak exceeds the limit (unless it is a standby intake, see
    :func:`is_standby`), and as "may be affected" (Art. 4 (1)) when the worst case reaches
    it at ``source_alert_share`` of its limit or more (or either case exceeds it; an intake
    the plume reaches where no ratio can be formed — no limit, or no dissolved peak such as
    a floating slick — counts too); a ``boundary`` with
    ``extra["level"]`` province/prefecture/country counts as a cross-boundary impact when
    exceeded, and a possible cross-province impact (Art. 4 (4)) in either case.
    ``sensitive_groups`` (Art. 4 (2)) and ``mass_incident`` (Art. 4 (5)) make the report
    go out as II/I; ``ecology`` (a key of :data:`ECOLOGY`) grades by the plan's ecology row.
    """
    if ecology is not None and ecology not in ECOLOGY:
        raise ValueError(f"ecology must be one of {tuple(ECOLOGY)}")
    reasons = _count_reasons(deaths, poisoned, evacuated, loss_cny, ecology)
    found = _read_receptors(receptors, source_alert_share)
    found.interrupted[:0] = [(s, None) for s in intakes_interrupted]
    found.boundaries[:0] = [(kind, "", True) for kind, flag in (
        ("country", cross_border), ("province", cross_province),
        ("prefecture", cross_prefecture)) if flag]
    reasons += _impact_reasons(found)
    suggested = _suggested(reasons)
    report_reasons = _report_reasons(
        found, source_alert_share, sensitive_groups=sensitive_groups,
        heavy=pollutant_class in HEAVY_CLASSES,
        cross=cross_border or cross_province or any(
            b[0] in ("province", "country") for b in found.boundaries),
        mass_incident=mass_incident)
    report_as = "I/II" if _SEVERITY[suggested] <= 1 or report_reasons else "III/IV"
    due = 120 if report_as == "I/II" else REPORT_DUE_MIN[suggested]
    lead = {"I": "province", "II": "province", "III": "prefecture", "IV": "county"}[suggested]
    return LevelAssessment(
        suggested=suggested,
        reasons=reasons,
        report_due_min=due,
        report_as=report_as,
        report_reasons=report_reasons,
        province_to_mee_min=PROVINCE_TO_MEE_MIN if report_as == "I/II" else None,
        lead=lead,
        standby_intakes=tuple(found.standby),
    )


def _count_reasons(deaths: int, poisoned: int, evacuated: int, loss_cny: float,
                   ecology: str | None) -> list[LevelReason]:
    """The plan's rows for casualties, evacuation, losses and ecology."""
    reasons: list[LevelReason] = []
    values = {"deaths": deaths, "poisoned": poisoned, "evacuated": evacuated, "loss_cny": loss_cny}
    for key, bounds, zh, en in _COUNTS:
        v = values[key]
        level = _tier(v, bounds)
        if level:
            reasons.append(LevelReason(level, key, zh.format(v=v), en.format(v=v), PLAN_2014))
    if ecology is not None:
        level, zh, en = ECOLOGY[ecology]
        reasons.append(LevelReason(level, "ecology", zh, en, PLAN_2014))
    return reasons


@dataclass(slots=True)
class _Findings:
    """What the plume's receptors say for the grade and the report."""

    interrupted: list[tuple[str, str | None]] = field(default_factory=list)  # serves, name
    may_affect_source: list[tuple[str, float | None, bool]] = field(
        default_factory=list)  # name, share, standby
    standby: list[str] = field(default_factory=list)
    boundaries: list[tuple[str, str, bool]] = field(default_factory=list)  # level, name, conf.


def _read_receptors(receptors: Sequence[Any], source_alert_share: float) -> _Findings:
    """Intakes interrupted or possibly affected, standby intakes, boundaries reached."""
    found = _Findings()
    for r in receptors:
        kind = _attr(r, "kind")
        extra = _attr(r, "extra", {}) or {}
        exceeds = bool(_attr(r, "exceeds", False))
        worst = _attr(r, "worst")
        worst_exceeds = bool(_attr(worst, "exceeds", False)) if worst is not None else False
        name = _attr(r, "name", "")
        if kind == "water_source":
            spare = is_standby(extra)
            if spare:
                found.standby.append(name)
            if exceeds and extra.get("serves") in _INTAKE and not spare:
                found.interrupted.append((extra["serves"], name))
            share = source_share(r)
            if (share is not None and share >= source_alert_share * (1 - SHARE_ROUNDING)) or (
                    share is None and _reaches(r)):
                found.may_affect_source.append((name, share, spare))
        elif kind == "boundary":
            level = extra.get("level")
            if level in _BOUNDARY and (exceeds or worst_exceeds):
                found.boundaries.append((level, name, exceeds))
    return found


def _impact_reasons(found: _Findings) -> list[LevelReason]:
    """The plan's rows for interrupted intakes and confirmed cross-boundary impacts."""
    reasons: list[LevelReason] = []
    for serves, name in found.interrupted:
        if serves not in _INTAKE:
            continue
        level, zh, en = _INTAKE[serves]
        pred_zh, pred_en = ("预计", "predicted ") if name else ("", "")
        where_zh = f"（{name}）" if name else ""
        where_en = f" ({name})" if name else ""
        reasons.append(
            LevelReason(
                level,
                "intake",
                f"{pred_zh}{zh}集中式饮用水水源地取水中断{where_zh}",
                f"{pred_en}interruption of a centralised drinking-water intake of {en}{where_en}",
                PLAN_2014,
            )
        )
    for level_kind, name, confirmed in found.boundaries:
        if not confirmed:
            continue
        level, zh, en = _BOUNDARY[level_kind]
        reasons.append(
            LevelReason(
                level,
                "boundary",
                f"造成{zh}影响" + (f"（{name}，预计超标）" if name else ""),
                f"{en} impact" + (f" ({name}, predicted above the limit)" if name else ""),
                PLAN_2014,
            )
        )
    return reasons


def _suggested(reasons: list[LevelReason]) -> str:
    """The most severe level among the reasons; none: IV, with the catch-all reason."""
    if reasons:
        return min((r.level for r in reasons), key=_SEVERITY.__getitem__)
    reasons.append(
        LevelReason(
            "IV",
            "catch_all",
            "造成一定环境影响、尚未达到较大级别的突发环境事件",
            "some environmental impact, below the criteria of level III",
            PLAN_2014,
        )
    )
    return "IV"


# Art. 4 (2)-(5) of the 2011 measures: (code, zh, en, item)
_ART4_ITEMS = {
    "art4_2": ("涉及居民聚居区、学校、医院等敏感区域和敏感人群",
               "residential areas, schools, hospitals or other sensitive groups involved",
               "第（二）项"),
    "art4_3": ("涉及重金属或者类金属污染", "heavy metals or metalloids involved", "第（三）项"),
    "art4_4": ("有可能产生跨省或者跨国影响", "possible cross-province or cross-border impact",
               "第（四）项"),
    "art4_5": ("可能或已引发大规模群体性事件", "mass incident or large social impact possible",
               "第（五）项"),
}


def _report_reasons(found: _Findings, source_alert_share: float, *, sensitive_groups: bool,
                    heavy: bool, cross: bool, mass_incident: bool) -> list[LevelReason]:
    """Why the first report goes out as II/I (Art. 4 of the 2011 measures)."""
    art4 = f"{MEASURES_2011}第四条"
    out: list[LevelReason] = []
    if found.may_affect_source:
        out.append(_source_reason(found.may_affect_source, source_alert_share, art4))
    for code, applies in (("art4_2", sensitive_groups), ("art4_3", heavy),
                          ("art4_4", cross), ("art4_5", mass_incident)):
        if applies:
            zh, en, item = _ART4_ITEMS[code]
            out.append(LevelReason("II", code, zh, en, f"{art4}{item}"))
    return out


def _source_reason(may_affect: list[tuple[str, float | None, bool]], source_alert_share: float,
                   art4: str) -> LevelReason:
    """Art. 4 (1): the intakes that may be affected, each with its worst-case share."""
    pct = f"{source_alert_share:.0%}"

    def item(name: str, share: float | None, spare: bool, en: bool) -> str:
        tag = (" (standby)" if en else "（备用）") if spare and "备用" not in name else ""
        if share is None:
            return name + tag + (": reached (no peak/limit ratio)" if en
                                 else "：污染物可到达（无法与限值比较）")
        if share >= 1:  # the ratio itself is the receptor table's business
            return name + tag + (": worst-case peak at or above the limit" if en
                                 else "：最不利情况峰值达到或超过限值")
        return name + tag + (f": worst-case peak {share:.0%} of the limit" if en
                             else f"：最不利情况峰值为限值的{share:.0%}")

    return LevelReason(
        "II",
        "art4_1",
        f"饮用水水源保护区可能受到影响（最不利情况下峰值达到限值的{pct}及以上即计入）："
        + "；".join(item(*m, False) for m in may_affect),
        f"drinking-water source may be affected (counted from a worst-case peak of "
        f"{pct} of the limit): " + "; ".join(item(*m, True) for m in may_affect),
        f"{art4}第（一）项",
    )


def report_clock(assessment: LevelAssessment, discovered_at: datetime) -> dict[str, str | None]:
    """Due times of the first report, counted from discovery (Art. 3: "发现或者得知").

    ``report_due_at``: to the own government and the next EPB (4 h for IV/III, 2 h when
    reported as II/I); ``province_to_mee_due_at``: the provincial EPB's report to the MEE
    (1 h after it receives the report, so at the latest 3 h after discovery), II/I only.
    """
    due = discovered_at + timedelta(minutes=assessment.report_due_min)
    mee = (due + timedelta(minutes=assessment.province_to_mee_min)
           if assessment.province_to_mee_min is not None else None)
    return {
        "discovered_at": discovered_at.isoformat(),
        "report_due_at": due.isoformat(),
        "province_to_mee_due_at": mee.isoformat() if mee else None,
    }

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
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

LEVELS = ("I", "II", "III", "IV")  # I most severe
_SEVERITY = {name: i for i, name in enumerate(LEVELS)}  # 0 = I
PLAN_2014 = "国家突发环境事件应急预案（国办函〔2014〕119号）附件1"
MEASURES_2011 = "突发环境事件信息报告办法（环境保护部令第17号）"
HEAVY_CLASSES = frozenset({"heavy_metal", "metalloid"})
# Art. 3: IV/III within 4 h, II/I within 2 h (to own government and the higher EPB).
REPORT_DUE_MIN = {"I": 120, "II": 120, "III": 240, "IV": 240}
PROVINCE_TO_MEE_MIN = 60  # Art. 3: the provincial EPB reports I/II to the MEE within 1 h


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
) -> LevelAssessment:
    """Suggest I–IV from casualties, losses, intakes and boundaries; set the report clock.

    ``receptors`` are plume receptor results (``kind``, ``name``, ``exceeds``,
    ``worst.exceeds``, ``extra``): a ``water_source`` whose ``extra["serves"]`` is
    city/county/township counts as interrupted when its expected peak exceeds the limit,
    and as "may be affected" (Art. 4 (1)) when either case exceeds it; a ``boundary``
    with ``extra["level"]`` province/prefecture/country counts as a cross-boundary impact
    when exceeded, and a possible cross-province impact (Art. 4 (4)) in either case.
    """
    reasons: list[LevelReason] = []
    values = {"deaths": deaths, "poisoned": poisoned, "evacuated": evacuated, "loss_cny": loss_cny}
    for key, bounds, zh, en in _COUNTS:
        v = values[key]
        level = _tier(v, bounds)
        if level:
            reasons.append(LevelReason(level, key, zh.format(v=v), en.format(v=v), PLAN_2014))

    interrupted = [(s, None) for s in intakes_interrupted]
    may_affect_source: list[str] = []
    boundaries: list[tuple[str, str, bool]] = []
    if cross_border:
        boundaries.append(("country", "", True))
    if cross_province:
        boundaries.append(("province", "", True))
    if cross_prefecture:
        boundaries.append(("prefecture", "", True))
    for r in receptors:
        kind = _attr(r, "kind")
        extra = _attr(r, "extra", {}) or {}
        exceeds = bool(_attr(r, "exceeds", False))
        worst = _attr(r, "worst")
        worst_exceeds = bool(_attr(worst, "exceeds", False)) if worst is not None else False
        name = _attr(r, "name", "")
        if kind == "water_source":
            if exceeds and extra.get("serves") in _INTAKE:
                interrupted.append((extra["serves"], name))
            if exceeds or worst_exceeds:
                may_affect_source.append(name)
        elif kind == "boundary":
            level = extra.get("level")
            if level in _BOUNDARY and (exceeds or worst_exceeds):
                boundaries.append((level, name, exceeds))

    for serves, name in interrupted:
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
    for level_kind, name, confirmed in boundaries:
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

    if reasons:
        suggested = min((r.level for r in reasons), key=_SEVERITY.__getitem__)
    else:
        suggested = "IV"
        reasons.append(
            LevelReason(
                "IV",
                "catch_all",
                "造成一定环境影响、尚未达到较大级别的突发环境事件",
                "some environmental impact, below the criteria of level III",
                PLAN_2014,
            )
        )

    report_reasons: list[LevelReason] = []
    art4 = f"{MEASURES_2011}第四条"
    if may_affect_source:
        report_reasons.append(
            LevelReason(
                "II",
                "art4_1",
                f"饮用水水源保护区可能受到影响（{'、'.join(may_affect_source)}）",
                f"drinking-water source may be affected ({', '.join(may_affect_source)})",
                f"{art4}第（一）项",
            )
        )
    if sensitive_groups:
        report_reasons.append(
            LevelReason(
                "II",
                "art4_2",
                "涉及居民聚居区、学校、医院等敏感区域和敏感人群",
                "residential areas, schools, hospitals or other sensitive groups involved",
                f"{art4}第（二）项",
            )
        )
    if pollutant_class in HEAVY_CLASSES:
        report_reasons.append(
            LevelReason(
                "II",
                "art4_3",
                "涉及重金属或者类金属污染",
                "heavy metals or metalloids involved",
                f"{art4}第（三）项",
            )
        )
    if cross_border or cross_province or any(b[0] in ("province", "country") for b in boundaries):
        report_reasons.append(
            LevelReason(
                "II",
                "art4_4",
                "有可能产生跨省或者跨国影响",
                "possible cross-province or cross-border impact",
                f"{art4}第（四）项",
            )
        )
    if mass_incident:
        report_reasons.append(
            LevelReason(
                "II",
                "art4_5",
                "可能或已引发大规模群体性事件",
                "mass incident or large social impact possible",
                f"{art4}第（五）项",
            )
        )
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
    )

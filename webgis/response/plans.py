"""Select the steps of a river's plan ("one river, one policy") for an incident.

A river's plan is written for the whole river: its steps name the bureaus and branches of
every prefecture along it. For one spill only the prefectures the plume crosses act, so
:func:`fit_responsible` keeps those units (and every unit not tied to a prefecture: the
provincial department, local governments, water suppliers); :func:`fit_interception`
keeps the plan's pre-selected interception points that the plume reaches.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import lru_cache

PHASES = ("report", "assess", "contain", "treat", "monitor", "recover")
_PHASE_ORDER = {p: i for i, p in enumerate(PHASES)}
_LEVEL_RANK = {"I": 0, "II": 1, "III": 2, "IV": 3}  # I most severe


@dataclass(frozen=True, slots=True)
class PlanStepInput:
    """A plan step as stored; ``classes`` empty = all classes, ``min_level`` None = all levels."""

    phase: str
    order: int
    text_zh: str
    text_en: str
    responsible: str
    due_min: int | None = None
    classes: tuple[str, ...] = ()
    min_level: str | None = None


def step_applies(step: PlanStepInput, pollutant_class: str, level: str) -> bool:
    """A step with ``min_level`` III applies at III, II and I."""
    if level not in _LEVEL_RANK:
        raise ValueError(f"level must be one of {tuple(_LEVEL_RANK)}")
    if step.classes and pollutant_class not in step.classes:
        return False
    if step.min_level is None:
        return True
    if step.min_level not in _LEVEL_RANK:
        raise ValueError(f"step min_level must be one of {tuple(_LEVEL_RANK)}")
    return _LEVEL_RANK[level] <= _LEVEL_RANK[step.min_level]


def select_plan_steps(
    steps: Sequence[PlanStepInput], pollutant_class: str, level: str,
    report_level: str | None = None,
) -> list[PlanStepInput]:
    """Steps for this pollutant class and level, in phase order then step order.

    ``report_level``: the level the first report goes out as, when Art. 4 of the 2011
    measures makes it more severe than the grade (e.g. "II" for a level IV spill that may
    affect a drinking-water source): the report-phase steps are those of that level (the
    2-hour report and the province's report to the ministry), the others of ``level``.
    """
    if report_level is not None and report_level not in _LEVEL_RANK:
        raise ValueError(f"report_level must be one of {tuple(_LEVEL_RANK)}")
    at_report = level if report_level is None or _LEVEL_RANK[report_level] > _LEVEL_RANK[
        level] else report_level
    chosen = [s for s in steps if step_applies(
        s, pollutant_class, at_report if s.phase == "report" else level)]
    return sorted(chosen, key=lambda s: (_PHASE_ORDER.get(s.phase, len(PHASES)), s.order))


_GROUP_SEP = "；"
_ITEM_SEP = "、"
_ETC = "等"


def fit_responsible(text: str, prefectures: Collection[str], known: Collection[str]) -> str:
    """``text`` (units separated by "、" within groups separated by "；") keeping only the
    units of ``prefectures`` among the ``known`` prefecture names.

    A unit belongs to a prefecture when its name starts with the prefecture's name (Gansu's
    bureaus are "<市/州>生态环境局", branches "<市/州>生态环境局<县>分局"); units that start
    with no known prefecture stay. A group left empty goes; if nothing would remain, or no
    prefecture is known to be touched, the text stays as it is (never an empty "who").
    A trailing "等" (the plan shortened the list) stays on a group that keeps units.
    """
    if not prefectures or not known or not text:
        return text
    # the same plan texts and prefectures recur from spill to spill: kept (a pure function
    # of its arguments, which are read as sets)
    return _fit_responsible(text, frozenset(prefectures), frozenset(known))


@lru_cache(maxsize=4096)
def _fit_responsible(text: str, prefectures: frozenset[str], known: frozenset[str]) -> str:
    keep = tuple(sorted(prefectures))
    names = tuple(sorted(known))
    groups = []
    changed = False
    for group in text.split(_GROUP_SEP):
        etc = group.endswith(_ETC)
        items = (group[:-1] if etc else group).split(_ITEM_SEP)
        kept = [u for u in items
                if not u.startswith(names) or u.startswith(keep)]
        if len(kept) != len(items):
            changed = True
        if kept:
            groups.append(_ITEM_SEP.join(kept) + (_ETC if etc else ""))
    if not changed or not groups:
        return text
    return _GROUP_SEP.join(groups)


def fit_interception(codes: Sequence[str], reached: Collection[str]) -> list[str]:
    """The plan's pre-selected interception points (in the plan's order) that the plume
    reaches; upstream of the spill or beyond its reach they are of no use to this spill."""
    return [c for c in codes if c in reached]

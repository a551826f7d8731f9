"""Select the steps of a river's plan ("one river, one policy") for an incident."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

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
    steps: Sequence[PlanStepInput], pollutant_class: str, level: str
) -> list[PlanStepInput]:
    """Steps for this pollutant class and level, in phase order then step order."""
    chosen = [s for s in steps if step_applies(s, pollutant_class, level)]
    return sorted(chosen, key=lambda s: (_PHASE_ORDER.get(s.phase, len(PHASES)), s.order))

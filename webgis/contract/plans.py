"""River plans as living documents (issue 17 item 4): the steps a planner edits, the
actions on a version (review, issue), and the progress dashboard across the key rivers."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    StringConstraints,
    field_validator,
)
from pydantic_core import PydanticCustomError

from webgis.contract.text import no_control_characters

Phase = Literal["report", "assess", "contain", "treat", "monitor", "recover"]
PollutantClass = Literal["heavy_metal", "metalloid", "oil", "volatile_organic", "organic",
                         "acid_alkali", "cyanide", "nutrient", "oxygen_demand", "other"]


Text = Annotated[str, Strict(), BeforeValidator(no_control_characters),
                 StringConstraints(strip_whitespace=True, max_length=2000)]
RowVersion = Annotated[int, Strict(), Field(ge=1, le=2_000_000_000)]


class PlanStepIn(BaseModel):
    """One step as the plan states it: its phase and order, what to do (Chinese required),
    who does it, the time target in minutes from discovery (none: no target), the pollutant
    classes it is for (empty: all) and the lowest response level it applies from."""

    model_config = ConfigDict(extra="forbid")

    phase: Phase
    order: Annotated[int, Strict(), Field(ge=1, le=999)]
    text_zh: Annotated[Text, StringConstraints(min_length=1)]
    text_en: Text = ""
    responsible: Text = ""
    due_min: Annotated[int, Strict(), Field(ge=0, le=60 * 24 * 90)] | None = None
    classes: Annotated[list[PollutantClass], Field(max_length=10)] = []
    min_level: Literal["I", "II", "III", "IV"] | None = None


class SavePlanDraft(BaseModel):
    """``PUT /api/v1/river-plans/<river>/draft``: the whole list of steps of the draft (a new
    draft when there is none: then no ``expected_row_version``) and a note on what changed."""

    model_config = ConfigDict(extra="forbid")

    expected_row_version: RowVersion | None = None
    steps: Annotated[list[PlanStepIn], Field(min_length=1, max_length=300)]
    note: Text = ""

    @field_validator("steps")
    @classmethod
    def _orders_unique(cls, steps: list[PlanStepIn]) -> list[PlanStepIn]:
        seen: set[tuple[str, int]] = set()
        for i, step in enumerate(steps):
            key = (step.phase, step.order)
            if key in seen:
                raise PydanticCustomError(
                    "duplicate_step", "step %(i)s repeats %(phase)s order %(order)s",
                    {"i": i, "phase": step.phase, "order": step.order})
            seen.add(key)
        return steps


class PlanAction(BaseModel):
    """``POST /api/v1/river-plans/<river>/review`` or ``/issue``: the version of the draft read."""

    model_config = ConfigDict(extra="forbid")

    expected_row_version: RowVersion


class PlanStepOut(BaseModel):
    phase: str
    order: int
    text_zh: str
    text_en: str
    responsible: str
    due_min: int | None
    classes: list[str]
    min_level: str | None


class PlanVersionOut(BaseModel):
    version_no: int
    status: Literal["draft", "reviewed", "issued", "superseded"]
    row_version: int
    note: str
    steps: list[PlanStepOut]
    created_by: str | None
    created_at: str | None
    reviewed_by: str | None
    reviewed_at: str | None
    issued_by: str | None
    issued_at: str | None


class PlanDetail(BaseModel):
    """One river's plan: the steps incidents use now (``in_use``: the issued version's, or
    the bundled ones), its status, and every version kept in the product."""

    river_code: str
    river_name_zh: str
    river_name_en: str
    title_zh: str
    bundled_version: str
    status: Literal["bundled", "drafted", "reviewed", "issued", "revision_due"]
    reported_status: Literal["compiled", "to_compile"] | None
    revision_due_on: str | None
    in_use: Literal["bundled", "issued"]
    steps: list[PlanStepOut]
    versions: list[PlanVersionOut]


class PlanRow(BaseModel):
    river_code: str
    river_name_zh: str
    river_name_en: str
    basin: str
    plan_batch: int | None
    status: Literal["bundled", "drafted", "reviewed", "issued", "revision_due"]
    reported_status: Literal["compiled", "to_compile"] | None
    issued_version: int | None
    issued_at: str | None
    revision_due_on: str | None
    open_version: int | None


class PlansDashboard(BaseModel):
    """``GET /api/v1/river-plans``: every key river's plan and the counts — what the department
    reported (35 compiled, 53 to go: the bundled starting state, marked as reported) and
    what is recorded in the product (versions issued here)."""

    rivers: list[PlanRow]
    reported: dict[str, int]
    recorded: dict[str, int]
    revision_years: int

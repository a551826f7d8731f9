"""Risk supervision's requests and answers (issue 17 item 5): hazards found at enterprises,
their rectification, the enterprises' plan filing and the dashboard."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    StringConstraints,
    model_validator,
)
from pydantic_core import PydanticCustomError

from webgis.contract.text import no_control_characters

Category = Literal["management", "water_containment", "air_containment", "supplies", "plan",
                   "other"]
Grade = Literal["major", "general"]
HazardStatus = Literal["found", "rectifying", "closed"]


Text = Annotated[str, Strict(), BeforeValidator(no_control_characters),
                 StringConstraints(strip_whitespace=True, max_length=4000)]
Code = Annotated[str, Strict(), StringConstraints(min_length=1, max_length=40)]
Version = Annotated[int, Strict(), Field(ge=1, le=2_000_000_000)]
#: Dates between these are plausible for a hazard record (a typo such as 0202 is refused).
EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)
Day = Annotated[date, Field(ge=EARLIEST, le=LATEST)]


class NewHazard(BaseModel):
    """``POST /api/v1/hazards``: a hazard found at an enterprise (its code), what it is, and
    the deadline set for its rectification (on or after the day it was found)."""

    model_config = ConfigDict(extra="forbid")

    enterprise: Code
    found_on: Day
    category: Category
    grade: Grade
    description: Annotated[Text, StringConstraints(min_length=1)]
    deadline: Day

    @model_validator(mode="after")
    def _deadline_after_found(self) -> NewHazard:
        if self.deadline < self.found_on:
            raise PydanticCustomError("deadline_before_found",
                                      "the deadline must not be before the day it was found")
        return self


class HazardChange(BaseModel):
    """``PATCH /api/v1/hazards/<code>``: the version read, and what changes. Status moves
    found → rectifying → closed (or back from rectifying to found); closing needs the day it
    was closed and the rectification done (text, and evidence uploaded before)."""

    model_config = ConfigDict(extra="forbid")

    expected_version: Version
    status: HazardStatus | None = None
    description: Annotated[Text, StringConstraints(min_length=1)] | None = None
    deadline: Day | None = None
    grade: Grade | None = None
    category: Category | None = None
    rectification: Text | None = None
    closed_on: Day | None = None


class HazardQuery(BaseModel):
    """``GET /api/v1/hazards``: filters (all optional); ``overdue=true`` keeps open hazards
    past their deadline."""

    model_config = ConfigDict(extra="forbid")

    enterprise: Code | None = None
    status: HazardStatus | None = None
    prefecture: Annotated[str, StringConstraints(pattern=r"^\d{6}$")] | None = None
    basin: Literal["yellow", "yangtze", "inland"] | None = None
    overdue: bool | None = None
    limit: Annotated[int, Field(ge=1, le=5000)] = 200


class FilingChange(BaseModel):
    """``PATCH /api/v1/enterprises/<code>/filing``: whether the enterprise's emergency plan
    is filed (备案) with the department."""

    model_config = ConfigDict(extra="forbid")

    plan_filed: Annotated[bool, Strict()]


class EvidenceRow(BaseModel):
    id: int
    filename: str
    content_type: str
    size_bytes: int
    sha256: str
    uploaded_at: str | None
    url: str


class HazardRow(BaseModel):
    """A hazard as lists and the page show it; ``overdue`` is computed for today (China
    time)."""

    code: str
    enterprise: str
    enterprise_name: str
    prefecture: str | None
    basin: str | None
    found_on: str
    category: Category
    grade: Grade
    description: str
    deadline: str
    status: HazardStatus
    closed_on: str | None
    rectification: str
    overdue: bool
    days_overdue: int
    version: int
    evidence: list[EvidenceRow]


class HazardList(BaseModel):
    hazards: list[HazardRow]
    today: str


class DashboardRow(BaseModel):
    """Counts for one prefecture or basin."""

    code: str
    name_zh: str
    name_en: str
    enterprises: int
    major: int
    larger: int
    general: int
    plan_filed: int
    plan_not_filed: int
    hazards_open: int
    hazards_overdue: int
    hazards_closed: int


class ReportedFigure(BaseModel):
    """A figure the department reported (not counted from our records)."""

    value: int
    label_zh: str
    label_en: str
    source: str


class Dashboard(BaseModel):
    """``GET /api/v1/supervision/dashboard``: counts by prefecture and by river basin, the
    totals, and the department's reported figures (marked as such)."""

    today: str
    by_prefecture: list[DashboardRow]
    by_basin: list[DashboardRow]
    total: DashboardRow
    reported: list[ReportedFigure]


class FilingResult(BaseModel):
    code: str
    plan_filed: bool
    changed: bool

"""The scenario library (issue 15, item 1): requests and answers.

A scenario is a spill kept by name: a point (``location``) or an enterprise's outfall
(``enterprise_code``), a pollutant, a mass released over a duration, a season, a horizon,
tags and notes. Unknown fields are refused, naming them.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from webgis.contract.screening import Centre, Number
from webgis.hydro.analysis import MAX_MASS_KG

Season = Literal["dry", "normal", "flood"]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
Notes = Annotated[str, StringConstraints(max_length=4000)]
Code = Annotated[str, StringConstraints(min_length=1, max_length=40)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ScenarioFields(_Strict):
    """Everything a scenario holds (create: all but the optional ones)."""

    name: Name
    tags: Annotated[list[Tag], Field(max_length=20)] = []
    notes: Notes = ""
    location: Centre | None = None
    enterprise_code: Code | None = None
    pollutant: Code
    mass_kg: Annotated[Number, Field(gt=0, le=MAX_MASS_KG)]
    duration_h: Annotated[Number, Field(ge=0, le=8760)] = 0.0
    season: Season = "normal"
    horizon_h: Annotated[Number, Field(gt=0, le=240)] = 72.0

    @model_validator(mode="after")
    def _one_place(self) -> ScenarioFields:
        if (self.location is None) == (self.enterprise_code is None):
            raise ValueError("give either location or enterprise_code")
        return self


class ScenarioPatch(_Strict):
    """An edit: only the fields given change (a place replaces the other kind of place)."""

    name: Name | None = None
    tags: Annotated[list[Tag], Field(max_length=20)] | None = None
    notes: Notes | None = None
    location: Centre | None = None
    enterprise_code: Code | None = None
    pollutant: Code | None = None
    mass_kg: Annotated[Number, Field(gt=0, le=MAX_MASS_KG)] | None = None
    duration_h: Annotated[Number, Field(ge=0, le=8760)] | None = None
    season: Season | None = None
    horizon_h: Annotated[Number, Field(gt=0, le=240)] | None = None

    @model_validator(mode="after")
    def _one_place(self) -> ScenarioPatch:
        if self.location is not None and self.enterprise_code is not None:
            raise ValueError("give either location or enterprise_code")
        return self


class FromIncident(_Strict):
    """A scenario from a saved analysis (its request: place, pollutant, release, season)."""

    incident_id: Annotated[int, Field(ge=1, le=2**31 - 1)]
    name: Name
    tags: Annotated[list[Tag], Field(max_length=20)] = []
    notes: Notes = ""


class ScenarioQuery(_Strict):
    """Search: ``q`` in the name or notes, ``tag`` exactly."""

    q: Annotated[str, StringConstraints(max_length=200)] | None = None
    tag: Tag | None = None
    limit: Annotated[int, Field(ge=1, le=500)] = 100


class ScenarioId(_Strict):
    scenario_id: Annotated[int, Field(ge=1, le=2**31 - 1)]


class CompareRequest(_Strict):
    """Two to four scenarios side by side."""

    ids: Annotated[list[Annotated[int, Field(ge=1, le=2**31 - 1)]],
                   Field(min_length=2, max_length=4)]

    @model_validator(mode="after")
    def _distinct(self) -> CompareRequest:
        if len(set(self.ids)) != len(self.ids):
            raise ValueError("ids must not repeat")
        return self


class Scenario(BaseModel):
    """A stored scenario."""

    id: int
    name: str
    tags: list[str]
    notes: str
    location: dict[str, float]
    enterprise_code: str | None
    pollutant: str
    mass_kg: float
    duration_h: float
    season: str
    horizon_h: float
    source_incident_id: int | None
    created_at: str
    updated_at: str
    author: str


class Comparison(BaseModel):
    """Scenarios side by side: their summaries (level, length, interception) and the
    receptors every one of them reaches, with each one's arrival and peak there."""

    scenarios: list[dict[str, Any]]
    receptors: list[dict[str, Any]]

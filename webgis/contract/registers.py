"""The department's editable registers (issue 17 item 3): depot stock, rescue teams,
enterprises' substances and risk level, interception spaces. Every edit carries the
`expected_row_version` it read; a field left out is left as it is (``null`` clears an
optional date)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, Strict, StringConstraints

from webgis.contract.text import no_control_characters

Text = Annotated[str, Strict(), BeforeValidator(no_control_characters),
                 StringConstraints(strip_whitespace=True, max_length=200)]
RowVersion = Annotated[int, Strict(), Field(ge=1, le=2_000_000_000)]
Day = Annotated[date, Field(ge=date(2000, 1, 1), le=date(2100, 12, 31))]
Amount = Annotated[float, Field(ge=0, le=1e9, allow_inf_nan=False)]
Phone = Annotated[str, Strict(), StringConstraints(pattern=r"^[0-9+\-() ]{0,40}$")]


class RegisterEdit(BaseModel):
    """What every register edit carries: the row version it read."""

    model_config = ConfigDict(extra="forbid")

    expected_row_version: RowVersion


class StockChange(RegisterEdit):
    """``PATCH /api/v1/registers/stock/<depot>/<material>``: the quantity now (not below
    0), the expiry date of a material that expires, the day it was last checked."""

    quantity: Amount | None = None
    expires_on: Day | None = None
    last_checked_on: Day | None = None


class TeamChange(RegisterEdit):
    """``PATCH /api/v1/registers/teams/<code>``: contacts, headcount, specialities,
    equipment."""

    contact_name: Text | None = None
    contact_phone: Phone | None = None
    headcount: Annotated[int, Strict(), Field(ge=0, le=100_000)] | None = None
    specialities: Annotated[list[Text], Field(max_length=30)] | None = None
    equipment: Annotated[list[Text], Field(max_length=60)] | None = None


class SubstanceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pollutant: Annotated[str, Strict(), StringConstraints(min_length=1, max_length=60)]
    max_t: Annotated[float, Field(gt=0, le=1e7, allow_inf_nan=False)]


class EnterpriseChange(RegisterEdit):
    """``PATCH /api/v1/registers/enterprises/<code>``: the risk level and the substances
    held (the whole list: what is not in it is no longer held)."""

    risk_level: Literal["major", "larger", "general"] | None = None
    substances: Annotated[list[SubstanceIn], Field(max_length=100)] | None = None


class SpaceChange(RegisterEdit):
    """``PATCH /api/v1/registers/interception/<code>``: capacity (positive), status (a pond
    that became a fish farm: ``needs_recheck``), the day of the last survey."""

    capacity_m3: Annotated[float, Field(gt=0, le=1e11, allow_inf_nan=False)] | None = None
    status: Literal["available", "needs_recheck", "unavailable"] | None = None
    last_survey_on: Day | None = None


class RegisterRow(BaseModel):
    """One editable row as the registers page shows it (its fields vary by register)."""

    model_config = ConfigDict(extra="allow")

    code: str
    row_version: int


class RegisterList(BaseModel):
    rows: list[RegisterRow]

"""Importing a department's survey (issue 17 item 2): the upload's query and the report.

The file itself comes as multipart field `file`; `commit=false` asks for the preview (the
report and the features with their snap distances), nothing stored."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ImportQuery(BaseModel):
    """`?commit=false` previews; `profile` names a field-mapping profile; `crs` overrides
    the file's (EPSG:4326, EPSG:4490, any EPSG code, or gcj02)."""

    model_config = ConfigDict(extra="forbid")
    commit: bool = True
    profile: str | None = Field(default=None, max_length=100, pattern=r"^[A-Za-z0-9_.-]+$")
    crs: str | None = Field(default=None, max_length=40, pattern=r"^[A-Za-z0-9:_.-]+$")


class ImportProblem(BaseModel):
    row: int | None
    field: str | None
    message: str


class ImportReport(BaseModel):
    """What an import found and did: counts, every problem with its row and field, the
    features as GeoJSON (`snap_m` to the nearest reach, `flag` above `flag_m`)."""

    layer: str
    file: str
    format: str
    encoding: str | None
    crs: str
    rows: int
    created: int
    changed: int
    unchanged: int
    flagged: int
    flag_m: float
    errors: list[ImportProblem]
    warnings: list[ImportProblem]
    ignored_columns: list[str]
    committed: bool
    features: dict[str, Any]


class ProfileList(BaseModel):
    profiles: list[str]
    layers: list[str]

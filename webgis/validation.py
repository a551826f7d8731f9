"""Small parsers shared by the API's request checks (each error names its field)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from webgis.errors import BadRequest, Unprocessable

#: Instants the model and the database can work with: a spill's clock runs up to a
#: horizon of days past its start, so the far edges of `datetime` cannot be used.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)


def parse_instant(raw: Any, field: str) -> datetime:
    """An ISO-8601 date-time from 1900 to 2200 (UTC when no offset is given); else 422."""
    value = None
    if isinstance(raw, str) and len(raw) <= 64:
        try:
            value = datetime.fromisoformat(raw)
        except ValueError:
            value = None
    if value is None:
        raise Unprocessable(f"{field} must be an ISO-8601 date-time", fields={field: raw})
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    try:
        in_range = EARLIEST <= value < LATEST
    except OverflowError:  # an offset pushing year 1 or 9999 out of range
        in_range = False
    if not in_range:
        raise Unprocessable(f"{field} must be between {EARLIEST.year} and {LATEST.year}",
                            fields={field: raw})
    return value


def int_arg(raw: str, field: str, lo: int, hi: int) -> int:
    """A query parameter of ASCII digits from `lo` to `hi`; else 400 naming it."""
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 12 or not lo <= int(raw) <= hi:
        raise BadRequest(f"{field} must be an integer from {lo} to {hi}", fields={field: raw})
    return int(raw)

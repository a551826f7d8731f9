"""Concentration units a reading may be given in — one table and one parser for the
readings of an incident, calibration and the source search, so that a value a monitoring
team sends is understood (and refused) the same way everywhere.

Every unit is converted to mg/L (= g/m³) on the way in; the spellings people and station
software actually write (``mg/l``, ``ug/L``, ``μg/L`` with a Greek mu, ``毫克/升``,
``g/m³`` …) are accepted and normalised; anything else is the ``unit_unknown`` 422 naming
the field and the unit received.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

__all__ = ["UNITS", "ConcentrationUnit", "Unit", "normal_unit"]

#: The units the product knows, by their normal spelling, and the factor to mg/L.
UNITS: dict[str, float] = {"mg/L": 1.0, "µg/L": 1e-3, "ng/L": 1e-6,
                           "g/m3": 1.0, "mg/m3": 1e-3}
Unit = Literal["mg/L", "µg/L", "ng/L", "g/m3", "mg/m3"]

_MICRO = "(?:µ|μ|u|micro)"
_SPELLINGS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^(?:mg/l|毫克/升)$"), "mg/L"),
    (re.compile(rf"^(?:{_MICRO}g/l|微克/升)$"), "µg/L"),
    (re.compile(r"^(?:ng/l|纳克/升)$"), "ng/L"),
    (re.compile(r"^(?:g/m(?:3|³)|克/立方米)$"), "g/m3"),
    (re.compile(r"^(?:mg/m(?:3|³)|毫克/立方米)$"), "mg/m3"),
)


def normal_unit(value: Any) -> str:
    """The normal spelling of a concentration unit (a key of `UNITS`), or the
    ``unit_unknown`` error naming the unit received."""
    text = str(value).strip().replace(" ", "") if value is not None else ""
    low = text.lower()
    for pattern, unit in _SPELLINGS:
        if pattern.match(low):
            return unit
    raise PydanticCustomError("unit_unknown", "unknown unit {unit}; use mg/L or µg/L",
                              {"unit": text[:20]})


#: A request field holding a concentration unit (any accepted spelling, normalised).
ConcentrationUnit = Annotated[Unit, BeforeValidator(normal_unit)]

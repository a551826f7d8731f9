"""Free text in requests (notes, descriptions, step texts, names): no control characters,
but newlines and tabs are fine. One validator for every contract module that takes text."""

from __future__ import annotations

import re
from typing import Any

from pydantic_core import PydanticCustomError

#: C0 controls and DEL, except tab, line feed and carriage return.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def no_control_characters(value: Any) -> Any:
    """`value` unchanged, or the ``control_characters`` error (a 422 naming the field)."""
    if isinstance(value, str) and CONTROL_CHARACTERS.search(value):
        raise PydanticCustomError("control_characters", "must not contain control characters")
    return value

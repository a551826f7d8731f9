"""Field validators: each takes a raw value and returns the clean one or raises ValueError.

Small and explicit on purpose: the message of the ValueError is what the loader prints
after the file, feature and field names.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from webgis.errors import WebgisError

Validator = Callable[[Any], Any]
CODE_RE = re.compile(r"^[A-Z0-9_-]{1,40}$")
MISSING = object()


@dataclass(frozen=True)
class Field:
    """One attribute: its name, validator and whether it may be null/absent."""

    name: str
    check: Validator
    optional: bool = False
    default: Any = None


def code(value: Any) -> str:
    if not isinstance(value, str) or not CODE_RE.match(value):
        raise ValueError(f"must be a code of A-Z, 0-9, '_' or '-' (≤ 40 chars), got {value!r}")
    return value


def any_text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"must be text, got {value!r}")
    if "\x00" in value:  # PostgreSQL text cannot hold NUL
        raise ValueError("must not contain a NUL character")
    return value.strip()


def text(value: Any) -> str:
    value = any_text(value)
    if not value:
        raise ValueError("must be non-empty text")
    return value


def boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"must be true or false, got {value!r}")
    return value


def number(lo: float | None = None, hi: float | None = None, *, lo_open: bool = False,
           integer: bool = False) -> Validator:
    """A finite number within [lo, hi] (or (lo, hi] when lo_open)."""

    def check(value: Any) -> float | int:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"must be a number, got {value!r}")
        if not math.isfinite(value):
            raise ValueError(f"must be finite, got {value!r}")
        if integer and value != int(value):
            raise ValueError(f"must be a whole number, got {value!r}")
        if lo is not None and (value <= lo if lo_open else value < lo):
            raise ValueError(f"must be {'>' if lo_open else '≥'} {lo}, got {value!r}")
        if hi is not None and value > hi:
            raise ValueError(f"must be ≤ {hi}, got {value!r}")
        return int(value) if integer else float(value)

    return check


positive = number(0, lo_open=True)
non_negative = number(0)
fraction = number(0, 1)


def one_of(choices: Sequence[Any]) -> Validator:
    def check(value: Any) -> Any:
        if value not in choices:
            raise ValueError(f"must be one of {', '.join(map(str, choices))}; got {value!r}")
        return value

    return check


def list_of(item: Validator) -> Validator:
    def check(value: Any) -> list[Any]:
        if not isinstance(value, list):
            raise ValueError(f"must be a list, got {type(value).__name__}")
        return [item(v) for v in value]

    return check


def clean(record: Any, fields: Sequence[Field]) -> dict[str, Any]:
    """Validate `record` against `fields`; raises ValueError('<field>: <message>')."""
    if not isinstance(record, dict):
        raise ValueError(f"<record>: must be a mapping, got {type(record).__name__}")
    out: dict[str, Any] = {}
    for f in fields:
        value = record.get(f.name, MISSING)
        if value is MISSING or value is None:
            if not f.optional:
                raise FieldError(f.name, "is required")
            out[f.name] = f.default
            continue
        try:
            out[f.name] = f.check(value)
        except ValueError as exc:
            raise FieldError(f.name, str(exc)) from None
    return out


class FieldError(WebgisError, ValueError):
    """A bad value in a named field."""

    code = "data_invalid"

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}", {field: message})
        self.field = field
        self.message = message

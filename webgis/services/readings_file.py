"""Readings uploaded as a CSV or an Excel file (issue 14 item 3): all rows, or none.

The file is read whole first: the header row (line 1) names the columns — the template's
``浓度(value)``, or either part alone — then every data row becomes a reading checked by
the same rules as a typed one (`webgis.services.readings`). Every bad row is reported
with its line number (the spreadsheet's row) and the field; one bad row stores nothing.

CSV text is decoded as UTF-8 (with or without a byte-order mark) and, failing that, as
GB18030 (what Chinese Excel writes); the answer says which. A time without an offset is
Beijing time (UTC+8), as written on Chinese field sheets. Cells may use the Chinese
words of the template (断面/取水口/点位, 是/否, 正常/存疑/无效).
"""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta, timezone
from typing import Any

from pydantic import ValidationError

from webgis.config import Settings
from webgis.contract.errors import TEMPLATES
from webgis.contract.readings import COLUMNS, ReadingIn
from webgis.errors import Unprocessable
from webgis.exports.readings_template import template_csv, template_xlsx
from webgis.services.actor import Actor
from webgis.services.readings import RECEPTOR_KIND, Problem, add_readings, raise_problems
from webgis.services.reference import get_reference
from webgis.services.uow import reading

__all__ = ["MAX_ROWS", "parse_file", "template", "upload_readings"]

BEIJING = timezone(timedelta(hours=8), "CST")
MAX_ROWS = 5000
_KEYS = {key for key, _, _ in COLUMNS}
_ZH = {zh: key for key, zh, _ in COLUMNS}
_BRACKET = re.compile(r"[(（]\s*([A-Za-z_]+)\s*[)）]")
_WORDS: dict[str, dict[str, Any]] = {
    "station_kind": {"断面": "section", "监测断面": "section", "取水口": "intake",
                     "水源地": "intake", "点位": "point", "任意点": "point"},
    "qa_flag": {"正常": "ok", "合格": "ok", "存疑": "suspect", "可疑": "suspect",
                "无效": "invalid"},
    "below_detection": {"是": True, "否": False, "y": True, "n": False, "yes": True,
                        "no": False, "true": True, "false": False, "1": True, "0": False,
                        "√": True, "": False},
}


def _column(text: Any) -> str | None:
    """The field a header cell names (``浓度(value)``, ``浓度`` or ``value``)."""
    cell = str(text or "").strip().lstrip("\ufeff")
    m = _BRACKET.search(cell)
    if m and m.group(1).lower() in _KEYS:
        return m.group(1).lower()
    bare = _BRACKET.sub("", cell).strip()
    return _ZH.get(bare) or (bare.lower() if bare.lower() in _KEYS else None)


def _decode(data: bytes) -> tuple[str, str]:
    """The CSV's text and its encoding (UTF-8, else GB18030)."""
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        raise Unprocessable("the file is neither UTF-8 nor GB18030 text, nor an Excel "
                            "workbook", {"file": "unreadable"}) from None


def _table(data: bytes) -> tuple[list[list[Any]], str | None]:
    """The rows of the file (line 1 first) and the CSV's encoding (None: a workbook)."""
    if data[:4] == b"PK\x03\x04":  # a zip: an .xlsx workbook
        from openpyxl import load_workbook

        try:
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception:  # a damaged or foreign zip: openpyxl raises many kinds
            raise Unprocessable("the file is not a readable Excel workbook",
                                {"file": "unreadable xlsx"}) from None
        ws = wb.worksheets[0]
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
        wb.close()
        return rows, None
    text, encoding = _decode(data)
    return [list(r) for r in csv.reader(io.StringIO(text))], encoding


#: How field sheets write times besides ISO 8601 (numbers need no leading zero).
_TIME_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y年%m月%d日 %H:%M",
                 "%Y年%m月%d日%H:%M", "%Y年%m月%d日 %H时%M分", "%Y年%m月%d日%H时%M分")


def _when(text: str) -> datetime | None:
    """A time as written on a sheet: ISO 8601, ``2026/5/1 9:30``, ``2026年5月1日 9时30分``."""
    text = text.strip().replace("/", "-")
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    for fmt in _TIME_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


def _cell(key: str, value: Any) -> Any:
    """A cell as the reading model takes it: words of the template mapped, blank = absent,
    a time without offset in Beijing time."""
    if isinstance(value, str):
        value = value.strip()
    if value is None or value == "":
        return False if key == "below_detection" else None
    if key in _WORDS and isinstance(value, str):
        return _WORDS[key].get(value.lower(), value)
    if key == "sampled_at":
        if isinstance(value, datetime):
            return (value if value.tzinfo else value.replace(tzinfo=BEIJING)).isoformat()
        parsed = _when(str(value))
        if parsed is None:
            return str(value)  # the model names the field
        return (parsed if parsed.tzinfo else parsed.replace(tzinfo=BEIJING)).isoformat()
    if key == "below_detection" and isinstance(value, int | float):
        return bool(value)
    if key in ("station_code", "pollutant") and isinstance(value, int | float):
        return str(int(value)) if float(value).is_integer() else str(value)  # 1001, not 1001.0
    return value


def _message(err: Any, field: str) -> tuple[str, dict[str, Any]]:
    """A pydantic error as the contract's message template and its parameters."""
    params = {**{k: v if isinstance(v, int | float) else str(v)
                 for k, v in (err.get("ctx") or {}).items()}, "field": field}
    template = TEMPLATES.get(err["type"], "%(field)s is invalid")
    try:
        template % params
    except (KeyError, TypeError, ValueError):
        return "%(field)s is invalid", {"field": field}
    return template, params


def parse_file(data: bytes) -> tuple[list[tuple[str, int, ReadingIn]], list[Problem],
                                     str | None]:
    """The file's readings ((where, line, reading) each), the problems of the rows that
    could not be read, and the CSV's encoding."""
    if not data.strip():
        raise Unprocessable("the file is empty", {"file": "empty"})
    table, encoding = _table(data)
    if not table:
        raise Unprocessable("the file is empty", {"file": "empty"})
    columns = [_column(c) for c in table[0]]
    problems = [Problem("line 1: ", 1, "header", "unknown column %(column)r",
                        {"column": str(c)})
                for c, k in zip(table[0], columns, strict=True) if k is None and c]
    for needed in ("station_kind", "value", "sampled_at"):
        if needed not in columns:
            problems.append(Problem("line 1: ", 1, "header", "no column %(column)s",
                                    {"column": needed}))
    if problems:
        raise_problems(problems, encoding)
    items: list[tuple[str, int, ReadingIn]] = []
    for line, row in enumerate(table[1:], start=2):
        if all(v is None or str(v).strip() == "" for v in row):
            continue
        if len(items) + len(problems) >= MAX_ROWS:
            problems.append(Problem(f"line {line}: ", line, "file",
                                    "more than %(max)s rows: split the file",
                                    {"max": MAX_ROWS}))
            break
        values = {k: _cell(k, v) for k, v in zip(columns, row, strict=False) if k}
        where = f"line {line}: "
        if values.get("sampled_at") is None:
            problems.append(Problem(where, line, "sampled_at", "required in a file"))
            continue
        try:
            items.append((where, line, ReadingIn.model_validate(
                {k: v for k, v in values.items() if v is not None})))
        except ValidationError as exc:
            for err in exc.errors(include_url=False):
                field = str(err["loc"][0]) if err["loc"] else "row"
                problems.append(Problem(where, line, field, *_message(err, field)))
    if not items and not problems:
        raise Unprocessable("the file has no readings below its header", {"file": "empty"})
    return items, problems, encoding


def upload_readings(incident_id: int, data: bytes, *, expected_version: int | None,
                    actor: Actor, settings: Settings) -> dict[str, Any]:
    """Store every reading of the file, or none (422 naming each bad line and field)."""
    items, problems, encoding = parse_file(data)
    return add_readings(incident_id, items, expected_version=expected_version, actor=actor,
                        source="file", settings=settings, encoding=encoding,
                        extra_problems=problems)


def template(fmt: str) -> tuple[bytes, str]:
    """The upload template (``csv`` or ``xlsx``) and its MIME type; the workbook lists the
    dataset's sections and intakes."""
    if fmt == "csv":
        return template_csv(), "text/csv; charset=utf-8"
    with reading() as session:
        ref = get_reference(session)
        kinds = {v: k for k, v in RECEPTOR_KIND.items()}
        stations = [(kinds[r.kind], r.code, r.name) for r in ref.receptors
                    if r.kind in kinds]
    return template_xlsx(sorted(stations)), (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

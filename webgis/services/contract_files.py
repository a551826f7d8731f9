"""The published contract files, generated from the code (issue 13): the JSON Schema of
the analysis result (``docs/analysis-result.schema.json``) and the sample analysis the
export tests read (``tests/fixtures/analysis_sample.json``). ``scripts/contract_files.py``
writes them; tests check that the files equal what the code generates now."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
from sqlalchemy.orm import Session

from webgis.contract.result import result_schema

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_PATH = ROOT / "docs" / "analysis-result.schema.json"
SAMPLE_PATH = ROOT / "tests" / "fixtures" / "analysis_sample.json"

# The 2015 Longxing antimony case on the Taishi River (bundled dataset): 5 t over 2 h,
# followed 120 h (past the Shaanxi-Sichuan border), discovered as it started; the times
# are fixed so that the file does not depend on when it is generated.
SAMPLE_REQUEST: dict[str, Any] = {
    "location": {"lon": 105.27, "lat": 33.89}, "pollutant": "ANTIMONY",
    "release": {"mass_kg": 5000.0, "duration_h": 2.0}, "season": "normal", "horizon_h": 120,
    "started_at": "2026-03-14T09:30:00+08:00", "discovered_at": "2026-03-14T09:30:00+08:00",
}

_PRETTY = orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE
# the file's numbers: the last digits of a float depend on whether a transfer was cached
# (about 1e-15 relative), so the sample keeps 12 significant digits to be regenerated alike
SAMPLE_DIGITS = 12


def schema_text() -> bytes:
    """The JSON Schema of the analysis result, as the file holds it."""
    return orjson.dumps(result_schema(), option=_PRETTY)


def sample_text(session: Session) -> bytes:
    """The sample analysis (needs the bundled dataset loaded), as the file holds it."""
    from webgis.services.analysis import run_analysis

    result = orjson.loads(run_analysis(session, SAMPLE_REQUEST).json)
    return orjson.dumps(_rounded(result), option=_PRETTY)


def _rounded(value: Any) -> Any:
    """``value`` with every float to :data:`SAMPLE_DIGITS` significant digits."""
    if isinstance(value, float):
        return float(f"{value:.{SAMPLE_DIGITS}g}")
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value

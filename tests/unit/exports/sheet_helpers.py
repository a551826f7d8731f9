"""Reading exports back with poppler's command-line tools (skipped when missing)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest


def need_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} (poppler-utils) is not installed")
    return path


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    need_tool("pdftotext")
    src = tmp_path / "sheet.pdf"
    src.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(src), "-"], check=True,
                          capture_output=True).stdout.decode("utf-8")

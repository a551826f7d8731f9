"""`webgis screen` on the mini dataset and a real LocalCluster: a run with its rankings
and exports (read back), reuse, status, a refused cancel, a worker with nothing queued,
and bad input (a polygon file that is not valid, an area outside Gansu)."""

from __future__ import annotations

import json

import orjson
import pytest
from openpyxl import load_workbook

from webgis.services.screening_engine import close_local


@pytest.fixture(scope="module", autouse=True)
def _cluster():
    yield
    close_local()


def test_screen_runs_ranks_exports_and_is_reused(runner, tmp_path):
    xlsx, gj = tmp_path / "r.xlsx", tmp_path / "r.geojson"
    res = runner.invoke(args=["screen", "--season", "dry", "--area", "35.95,103.11,5",
                              "--watch", "WS_A", "--xlsx", str(xlsx), "--geojson", str(gj)])
    assert res.exit_code == 0, res.output
    assert "inside the area: 1 enterprises" in res.output
    assert "ENT_A" in res.output and "WS_A:" in res.output
    assert load_workbook(xlsx).sheetnames == ["run", "enterprises", "intakes", "rivers",
                                              "reaching"]
    assert orjson.loads(gj.read_bytes())["type"] == "FeatureCollection"
    job_id = int(res.output.split("screening job ", 1)[1].split(" ", 1)[0])
    again = runner.invoke(args=["screen", "--season", "dry", "--area", "35.95,103.11,5"])
    assert again.exit_code == 0 and f"reusing screening job {job_id}" in again.output
    status = runner.invoke(args=["screen", "status", str(job_id)])
    assert json.loads(status.output)["status"] == "done"
    cancel = runner.invoke(args=["screen", "cancel", str(job_id)])
    assert cancel.exit_code == 1 and '"status": "done"' in cancel.output
    idle = runner.invoke(args=["screen", "worker", "--once"])
    assert idle.exit_code == 0 and idle.output == ""


def test_screen_bad_areas(runner, tmp_path):
    bowtie = tmp_path / "bowtie.geojson"
    bowtie.write_text(json.dumps({"type": "Polygon", "coordinates": [
        [[103, 35], [104, 36], [104, 35], [103, 36], [103, 35]]]}))
    res = runner.invoke(args=["screen", "--area", str(bowtie)])
    assert res.exit_code == 1 and "area.polygon" in res.output
    res = runner.invoke(args=["screen", "--area", "50.0,10.0,20"])
    assert res.exit_code == 1 and "area.centre" in res.output
    res = runner.invoke(args=["screen", "--area", "x,y,z"])
    assert res.exit_code == 2 and "--area" in res.output

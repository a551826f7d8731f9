"""The maps draw something, and survive an empty result; helpers behave."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from webgis.exports import mapkit, maps
from webgis.exports.context import SheetContext, fmt_hours, fmt_num


def _arr(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(float)


def test_situation_map(ctx):
    img = _arr(maps.situation_map(ctx, 180, 130, dpi=60))
    assert img.shape[:2] == (round(130 / 25.4 * 60), round(180 / 25.4 * 60))
    assert img.std() > 20


def test_sketch_map(ctx):
    img = _arr(maps.sketch_map(ctx, 180, 150, dpi=60))
    assert (img.mean(axis=2) < 200).mean() > 0.01


def test_empty_result():
    ctx = SheetContext(result={"snap": {"river_name": "x", "lon": 104.0, "lat": 36.0}})
    assert _arr(maps.situation_map(ctx, 100, 80, dpi=40)).size
    assert _arr(maps.sketch_map(ctx, 100, 40, dpi=40)).size


def test_path_segments_carry_arrival(ctx, sample):
    segs, vals = maps._path_segments(ctx)
    assert len(segs) == len(vals) > 0
    assert vals[0] <= vals[-1]
    assert vals.max() <= sample["path"]["features"][-1]["properties"]["arrival_h"] + 24


def test_edge_point():
    x, y = mapkit.edge_point((0.0, 0.0), (10.0, 0.0), (-1, 1, -1, 1), inset=0.0)
    assert (x, y) == (1.0, 0.0)


def test_formatting():
    assert fmt_num(0.005) == "0.005" and fmt_num(2104.4) == "2,104" and fmt_num(2.0) == "2"
    assert fmt_num(None) == "—" and fmt_num(float("nan")) == "—"
    assert fmt_hours(1.5) == "1:30" and fmt_hours(None) == "—"


def test_clock(ctx):
    assert ctx.clock(0) == "09:30"
    assert ctx.clock(24) == "03-15 09:30"

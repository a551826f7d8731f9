"""Query parameters of the layer API: bad values are 400s naming the parameter."""

import pytest

from webgis.errors import BadRequest
from webgis.services.layers import parse_bbox, tolerance_for_zoom


def test_bbox_parses():
    assert parse_bbox("92,32,109,43") == (92.0, 32.0, 109.0, 43.0)
    assert parse_bbox(None) is None


@pytest.mark.parametrize("raw", ["1,2,3", "a,b,c,d", "10,10,5,20", "0,0,181,1", "nan,0,1,1",
                                 "0,-91,1,1"])
def test_bad_bbox(raw):
    with pytest.raises(BadRequest) as info:
        parse_bbox(raw)
    assert info.value.fields == {"bbox": raw}


def test_zoom_tolerance_halves_per_level():
    assert tolerance_for_zoom("5") == pytest.approx(2 * tolerance_for_zoom("6"))
    assert tolerance_for_zoom("15") is None
    with pytest.raises(BadRequest):
        tolerance_for_zoom("30")

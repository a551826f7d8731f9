"""Query parameters of the layer API (`LayerQuery`): bad values are 422s naming the
parameter."""

import pytest

from webgis.contract.errors import parse
from webgis.contract.requests import LayerQuery
from webgis.errors import Unprocessable
from webgis.services.layers import tolerance_for_zoom


def test_bbox_parses():
    assert parse(LayerQuery, {"bbox": "92,32,109,43"}).bbox == (92.0, 32.0, 109.0, 43.0)
    assert parse(LayerQuery, {}).bbox is None


@pytest.mark.parametrize("raw", ["1,2,3", "a,b,c,d", "10,10,5,20", "0,0,181,1", "nan,0,1,1",
                                 "0,-91,1,1"])
def test_bad_bbox(raw):
    with pytest.raises(Unprocessable) as info:
        parse(LayerQuery, {"bbox": raw})
    assert info.value.fields == {"bbox": raw}


def test_zoom_tolerance_halves_per_level():
    assert tolerance_for_zoom(5) == pytest.approx(2 * tolerance_for_zoom(6))
    assert tolerance_for_zoom(15) is None
    assert parse(LayerQuery, {"zoom": "5"}).zoom == 5.0
    with pytest.raises(Unprocessable):
        parse(LayerQuery, {"zoom": "30"})

"""The credible-release rule (docs/model.md §10.1) and the chunk plan (basin, then reach)."""

from __future__ import annotations

import pytest

from webgis.hydro.credible import (
    RELEASE_FRACTION,
    STORAGE_TYPES,
    UPPER_BOUND_T,
    credible_release,
    storage_type,
)
from webgis.hydro.screening_chunk import SpillSpec, plan_chunks


@pytest.mark.parametrize(("industry", "pclass", "storage"), [
    ("gold_mining", "cyanide", "tailings"),
    ("metal_mining", "heavy_metal", "tailings"),
    ("tailings", "metalloid", "tailings"),
    ("gold_mining", "oil", "tank"),  # the mine's diesel is in a tank, not the pond
    ("wastewater", "heavy_metal", "wastewater"),
    ("food", "oxygen_demand", "wastewater"),
    ("oil_depot", "oil", "tank"),
    ("chemical", "acid_alkali", "tank"),
    ("electroplating", "heavy_metal", "packaged"),
    ("electroplating", "cyanide", "packaged"),
])
def test_storage_type(industry, pclass, storage):
    assert storage_type(industry, pclass) == storage


def test_every_storage_type_has_a_fraction_and_a_bound():
    for s in STORAGE_TYPES:
        assert 0 < RELEASE_FRACTION[(s, None)] <= 1
        assert UPPER_BOUND_T[s] > 0


def test_release_is_fraction_of_stock_bounded_and_instantaneous():
    r = credible_release(500.0, "oil", "oil_depot")
    assert r is not None and r.storage == "tank" and r.fraction == 0.10
    assert r.mass_kg == pytest.approx(50_000.0) and not r.capped and r.duration_h == 0.0
    big = credible_release(100_000.0, "oil", "oil_depot")
    assert big is not None and big.capped and big.mass_kg == pytest.approx(5_000_000.0)
    pond = credible_release(200.0, "cyanide", "gold_mining")
    assert pond is not None and pond.fraction == 0.05 and pond.mass_kg == pytest.approx(10_000)
    assert credible_release(0.0, "oil", "oil_depot") is None
    assert credible_release(-1.0, "oil", "oil_depot") is None


def _spec(no: int, reach: int) -> SpillSpec:
    return SpillSpec(no, reach, 0.5, "BENZENE", 1000.0, "dry")


def test_chunks_group_by_basin_and_keep_every_spill():
    basin = {0: 10, 1: 10, 2: 20, 3: 20, 4: 30}.__getitem__
    specs = [_spec(i, r) for i, r in enumerate([2, 0, 4, 1, 3, 0, 2, 4, 1, 3, 0, 2])]
    chunks = plan_chunks(specs, basin, 3)
    assert sorted(s.spill_no for c in chunks for s in c) == list(range(len(specs)))
    assert all(len(c) <= 3 for c in chunks)
    order = [basin(s.reach_idx) for c in chunks for s in c]
    assert order == sorted(order)  # basin by basin
    # no chunk mixes basins when each basin fills its chunks
    assert all(len({basin(s.reach_idx) for s in c}) == 1 for c in plan_chunks(specs, basin, 2)
               if len(c) == 2)
    with pytest.raises(ValueError):
        plan_chunks(specs, basin, 0)

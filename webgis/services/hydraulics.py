"""One reach's hydraulics for a season: what the transport model uses there."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from sqlalchemy.orm import Session

from webgis.errors import Unprocessable
from webgis.hydro.hydraulics import SEASONS, reach_hydraulics
from webgis.services.layers import one_feature
from webgis.services.reference import get_reference
from webgis.services.uow import reading


def reach_detail(session: Session, code: str, season: str) -> dict[str, Any]:
    """The reach feature plus `length_m`, `discharge_m3s`, `velocity_mps`, `width_m`,
    `depth_m`, `dispersion_m2s` (top level and in properties) and the worst case."""
    if season not in SEASONS:  # the API's ReachQuery admits only these
        raise Unprocessable("season must be one of %(seasons)s", fields={"season": season},
                            params={"seasons": ", ".join(SEASONS)})
    feature = one_feature(session, "reaches", code)  # 404 for an unknown code
    ref = get_reference(session)
    idx = ref.network.index_of(code)
    expected = asdict(reach_hydraulics(ref.network, idx, season, "expected"))
    worst = asdict(reach_hydraulics(ref.network, idx, season, "worst"))
    hydraulics = {"season": season, **expected, "worst": worst}
    feature["properties"].update(hydraulics)
    return {**feature, **hydraulics}


def reach(code: str, season: str) -> dict[str, Any]:
    """`reach_detail` in its own read (webgis.services.uow): `/api/v1/reaches/<code>`."""
    with reading() as session:
        return reach_detail(session, code, season)

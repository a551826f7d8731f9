"""What a screening runs: the register's enterprises (all, or those in an area, or a
synthetic register) × their substances × the seasons, as credible releases.

The synthetic register (:func:`synthetic_register`) exists for benchmarks and tests: the
province supervises 5,228 enterprises with filed plans, the bundled register holds 282.
It copies the bundled register's mix (an enterprise's industry and its substances with
their quantities, drawn from a real entry) onto random points of Gansu's rivers. Every
entry is marked synthetic (code ``SYN-…``, name "合成企业…（synthetic）") and lives only in
memory and in the screening tables of its own run: never in ``enterprise``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from geoalchemy2.shape import to_shape
from sqlalchemy import select
from sqlalchemy.orm import Session

from webgis import models as m
from webgis.hydro.credible import credible_release
from webgis.hydro.network import RiverNetwork
from webgis.hydro.screening_chunk import SpillSpec
from webgis.services.reference import Reference

SEASONS = ("dry", "normal", "flood")
GANSU = "620000"
SYNTHETIC_PREFIX = "SYN-"


@dataclass(frozen=True, slots=True)
class RegisterEntry:
    """One enterprise as a screening sees it."""

    code: str
    name: str
    industry: str
    reach_code: str
    measure: float
    lon: float
    lat: float
    substances: tuple[tuple[str, float], ...]  # (pollutant code, max_t)
    synthetic: bool = False


@dataclass(frozen=True, slots=True)
class PlannedSpill:
    """A credible release of one entry's substance in one season, ready to store and run."""

    spec: SpillSpec
    entry: RegisterEntry
    stored_t: float
    storage: str
    fraction: float
    capped: bool


def real_register(session: Session, codes: Iterable[str] | None = None
                  ) -> list[RegisterEntry]:
    """The bundled register (``codes``: only those), in code order."""
    q = (select(m.Enterprise, m.Reach.code).join(m.Reach,
                                                 m.Reach.id == m.Enterprise.outfall_reach_id)
         .order_by(m.Enterprise.code))
    if codes is not None:
        q = q.where(m.Enterprise.code.in_(list(codes)))
    subs: dict[int, list[tuple[str, float]]] = {}
    for ent_id, code, max_t in session.execute(
            select(m.EnterpriseSubstance.enterprise_id, m.Pollutant.code,
                   m.EnterpriseSubstance.max_t)
            .join(m.Pollutant, m.Pollutant.id == m.EnterpriseSubstance.pollutant_id)
            .order_by(m.EnterpriseSubstance.enterprise_id, m.Pollutant.code)):
        subs.setdefault(ent_id, []).append((code, float(max_t)))
    out = []
    for ent, reach_code in session.execute(q):
        p = to_shape(ent.geom)
        out.append(RegisterEntry(ent.code, ent.name_zh, ent.industry, reach_code,
                                 float(ent.outfall_measure), float(p.x), float(p.y),
                                 tuple(subs.get(ent.id, ()))))
    return out


def synthetic_register(network: RiverNetwork, templates: Sequence[RegisterEntry], n: int,
                       seed: int = 15) -> list[RegisterEntry]:
    """``n`` synthetic enterprises: each copies a random real entry's industry and
    substances (quantities × 0.5–2) onto a random point of a random Gansu reach."""
    if not templates:
        raise ValueError("a synthetic register copies a real one: the register is empty")
    rng = np.random.default_rng(seed)
    reaches = [i for i in range(len(network.codes)) if network.province(i) == GANSU] \
        or list(range(len(network.codes)))
    picks = rng.integers(0, len(templates), size=n)
    where = rng.integers(0, len(reaches), size=n)
    measures = rng.uniform(0.05, 0.95, size=n)
    scales = rng.uniform(0.5, 2.0, size=n)
    out = []
    for k in range(n):
        t = templates[int(picks[k])]
        idx = reaches[int(where[k])]
        lon, lat = network.point_at(idx, float(measures[k]))
        out.append(RegisterEntry(
            f"{SYNTHETIC_PREFIX}{k + 1:05d}", f"合成企业{k + 1:05d}（synthetic）",
            t.industry, network.codes[idx], round(float(measures[k]), 4), lon, lat,
            tuple((p, round(q * float(scales[k]), 3)) for p, q in t.substances),
            synthetic=True))
    return out


def plan_spills(ref: Reference, entries: Sequence[RegisterEntry], seasons: Sequence[str],
                pollutants: Sequence[str] | None = None,
                max_substances: int | None = None) -> list[PlannedSpill]:
    """Every entry × substance (``pollutants``: only those; ``max_substances``: the first
    n of each entry) × season with a credible release, numbered in that order."""
    net = ref.network
    wanted = set(pollutants) if pollutants else None
    out: list[PlannedSpill] = []
    for e in entries:
        subs = [s for s in e.substances if wanted is None or s[0] in wanted]
        if max_substances is not None:
            subs = subs[:max_substances]
        idx = net.index_of(e.reach_code)
        for code, stored_t in subs:
            pol = ref.pollutants.get(code)
            rel = None if pol is None else credible_release(stored_t, pol.pclass, e.industry)
            if rel is None:
                continue
            for season in seasons:
                spec = SpillSpec(len(out), idx, e.measure, code, rel.mass_kg, season,
                                 rel.duration_h)
                out.append(PlannedSpill(spec, e, stored_t, rel.storage, rel.fraction,
                                        rel.capped))
    return out

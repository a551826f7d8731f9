"""One screening task: many spills of one basin through the lean path, on one worker.

A screening's spills are cut into chunks (:func:`plan_chunks`): sorted by basin (the
reach the river system ends in), then by reach, so a chunk's spills share their paths and
the worker's transfer cache (:mod:`webgis.hydro.transfer`, kept per network object: the
bundle is sent to each worker once and stays) serves them hot. One spill per task costs
more in scheduling than it saves; a few dozen per task keeps both workers busy.

Plain functions and frozen dataclasses: picklable, no engine in sight (the Dask side lives
in ``webgis.services.screening_engine``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from webgis.hydro.inputs import PollutantInput, ReceptorInput, ReleaseInput
from webgis.hydro.network import RiverNetwork
from webgis.hydro.screening import screen_spill, snap_at
from webgis.hydro.transfer import cache_for

# (spill no, kind, code, river code, river km, arrival h, peak mg/L, limit mg/L | None,
#  ratio | None, exceedance h (to the horizon), flagged, exceedance beyond the horizon)
HitRow = tuple[int, str, str, str, float, float, float, float | None, float | None, float,
               bool, bool]


@dataclass(frozen=True, slots=True)
class SpillSpec:
    """One spill of a screening run (``spill_no``: its index in the run)."""

    spill_no: int
    reach_idx: int
    measure: float
    pollutant: str
    mass_kg: float
    season: str
    duration_h: float = 0.0


@dataclass(frozen=True, slots=True)
class ScreeningBundle:
    """What every task reads: sent to each worker once per run, kept there."""

    key: str
    network: RiverNetwork
    receptors: tuple[ReceptorInput, ...]
    pollutants: Mapping[str, PollutantInput]
    horizon_h: float


@dataclass(frozen=True, slots=True)
class ChunkResult:
    """A chunk's rows and what it cost on its worker: wall seconds, and the worker
    process' CPU seconds (on a shared machine the wall time also counts the waits for a
    core; the CPU time is the work)."""

    chunk_no: int
    spills: int
    rows: list[HitRow]
    seconds: float
    cpu_s: float = 0.0


# dataset key -> the first network a worker process received for it: later runs (each sends
# its own copy of the bundle) use it, so the transfer cache, kept per network object,
# stays hot across runs on a long-lived worker
_KEPT: dict[str, RiverNetwork] = {}
KEEP_NETWORKS = 2


def kept_network(bundle: ScreeningBundle) -> RiverNetwork:
    """This process' network for the bundle's dataset (the bundle's own the first time)."""
    got = _KEPT.get(bundle.key)
    if got is None:
        while len(_KEPT) >= KEEP_NETWORKS:
            _KEPT.pop(next(iter(_KEPT)))
        got = _KEPT[bundle.key] = bundle.network
    return got


class ChunkFailed(Exception):
    """A spill of a chunk could not be screened: the message names the spill."""


def run_chunk(bundle: ScreeningBundle, chunk_no: int, specs: Sequence[SpillSpec]
              ) -> ChunkResult:
    """Screen every spill of the chunk; any failure fails the chunk (retried, then
    reported by the engine: never a silently missing spill)."""
    t0, c0 = time.perf_counter(), time.process_time()
    net = kept_network(bundle)
    cache = cache_for(net)
    rows: list[HitRow] = []
    for spec in specs:
        try:
            hits = screen_spill(
                net, snap_at(net, spec.reach_idx, spec.measure),
                bundle.pollutants[spec.pollutant],
                ReleaseInput(spec.mass_kg, spec.duration_h), spec.season, bundle.horizon_h,
                bundle.receptors, transfers=cache)
        except Exception as exc:
            where = net.codes[spec.reach_idx] if 0 <= spec.reach_idx < len(net.codes) \
                else f"reach #{spec.reach_idx}"
            raise ChunkFailed(
                f"chunk {chunk_no}: spill {spec.spill_no} ({spec.pollutant}, "
                f"{spec.mass_kg:g} kg, {spec.season}, at {where}): "
                f"{type(exc).__name__}: {exc}") from None
        rows.extend((spec.spill_no, h.kind, h.code, h.river_code, h.river_km, h.arrival_h,
                     h.peak_mgl, h.limit_mgl, h.ratio, h.exceed_h, h.flagged,
                     h.exceed_beyond_horizon) for h in hits)
    return ChunkResult(chunk_no, len(specs), rows, time.perf_counter() - t0,
                       time.process_time() - c0)


def basin_of(network: RiverNetwork) -> Callable[[int], int]:
    """Reach index -> the reach its river system ends in (memoised per call)."""
    memo: dict[int, int] = {}

    def of(reach_idx: int) -> int:
        got = memo.get(reach_idx)
        if got is None:
            got = memo[reach_idx] = network.trace_downstream(reach_idx)[-1].reach_idx
        return got

    return of


def plan_chunks(specs: Sequence[SpillSpec], basin: Callable[[int], int], size: int
                ) -> list[list[SpillSpec]]:
    """Spills in chunks of at most ``size``, by basin then reach (a small basin's spills
    join the next basin's chunk rather than make a chunk of a few)."""
    if size < 1:
        raise ValueError("chunk size must be ≥ 1")
    ordered = sorted(specs, key=lambda s: (basin(s.reach_idx), s.reach_idx, s.measure,
                                           s.season, s.pollutant, s.spill_no))
    chunks: list[list[SpillSpec]] = []
    current: list[SpillSpec] = []
    last_basin: int | None = None
    for s in ordered:
        b = basin(s.reach_idx)
        if current and (len(current) >= size or (b != last_basin and len(current) >= size // 2)):
            chunks.append(current)
            current = []
        current.append(s)
        last_basin = b
    if current:
        chunks.append(current)
    return chunks

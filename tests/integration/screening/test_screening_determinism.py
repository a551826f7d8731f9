"""A screening's results do not depend on how it is run.

The same spills (a slice of the synthetic register on the bundled network, where many
spills share the cached transfers below the Yellow River's reservoirs) screened

* on a real LocalCluster of 2 worker processes, in chunks of 7,
* on a LocalCluster of 1 worker, in chunks of 23,
* serially in this process, in reversed order, as one chunk,

must give exactly the same rows — every arrival, peak, ratio and exceedance to the last
bit. Each run gets a fresh network (a bundle key of its own), so every run starts with
cold transfer caches and fills them in its own order: a cached response that depended on
which spills asked first (the bug this guards against: rows computed in batches, at the
first asker's float offset) would show here.
"""

from __future__ import annotations

import dataclasses
import pickle
from collections.abc import Sequence

import pytest

from webgis.hydro.screening_chunk import (
    ChunkResult,
    HitRow,
    ScreeningBundle,
    SpillSpec,
    basin_of,
    plan_chunks,
    run_chunk,
)
from webgis.services.screening_engine import EngineSettings, close_local, run_chunks

SPILLS = 160  # the first synthetic spills (normal season, first substance)


@pytest.fixture(scope="module", autouse=True)
def _cluster():
    yield
    close_local()


@pytest.fixture(scope="module")
def screening(bundled_app) -> tuple[ScreeningBundle, list[SpillSpec]]:
    from webgis.extensions import db
    from webgis.services.reference import get_reference
    from webgis.services.screening_jobs import _bundle
    from webgis.services.screening_register import (
        plan_spills,
        real_register,
        synthetic_register,
    )

    with bundled_app.app_context():
        ref = get_reference(db.session)
        register = real_register(db.session)
        entries = synthetic_register(ref.network, register, SPILLS * 2, seed=15)
        planned = plan_spills(ref, entries, ["normal"], max_substances=1)
        return _bundle(ref, 72.0), [p.spec for p in planned][:SPILLS]


def _fresh(bundle: ScreeningBundle, tag: str) -> ScreeningBundle:
    """The bundle with a network of its own (as a worker receives it) under a key of its
    own: a run that starts with empty transfer caches, wherever it runs."""
    copy: ScreeningBundle = pickle.loads(pickle.dumps(bundle))
    return dataclasses.replace(copy, key=f"{bundle.key}/determinism-{tag}")


def _exact(rows: Sequence[HitRow]) -> list[tuple[str, ...]]:
    """Rows as exact text (repr keeps every bit of a float; NaN equals NaN)."""
    return sorted(tuple(repr(v) for v in row) for row in rows)


def _on_engine(bundle: ScreeningBundle, specs: list[SpillSpec], workers: int,
               chunk: int) -> list[tuple[str, ...]]:
    got: list[ChunkResult] = []

    def keep(res: ChunkResult) -> bool:
        got.append(res)
        return True

    chunks = plan_chunks(specs, basin_of(bundle.network), chunk)
    report = run_chunks(EngineSettings(local_workers=workers, chunk_size=chunk),
                        _fresh(bundle, f"{workers}w-{chunk}"), chunks, keep)
    assert not report.failed and report.chunks_done == len(chunks)
    assert sum(r.spills for r in got) == len(specs)
    return _exact([row for r in got for row in r.rows])


def test_results_do_not_depend_on_workers_chunks_or_order(screening):
    bundle, specs = screening
    assert len(specs) == SPILLS
    serial = _exact(run_chunk(_fresh(bundle, "reversed"), 0, specs[::-1]).rows)
    spills_hit = {row[0] for row in serial}
    # the slice reaches receptors, many spills through the cached reservoir transfers
    assert len(spills_hit) > SPILLS // 2 and len(serial) > 4 * SPILLS
    two = _on_engine(bundle, specs, workers=2, chunk=7)
    one = _on_engine(bundle, specs, workers=1, chunk=23)
    assert two == serial
    assert one == serial

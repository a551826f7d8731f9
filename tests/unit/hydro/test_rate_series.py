"""Releases given as rate series (issue #16 item 5): superposition of constant-rate pieces.

The properties tested are those of the physics, not of the code: a one-piece series is a
constant release; two pieces are the sum of two constant releases, the second delayed;
the transport keeps the mass; the flux through a cross-section never exceeds the largest
release rate; a series is never below any constant release it contains; what the water
dissolves never runs ahead of what was released nor above Q·S.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from webgis.hydro.errors import HydroError
from webgis.hydro.hydraulics import PathHydraulics
from webgis.hydro.inputs import ReleaseInput, validate_run
from webgis.hydro.rate_series import dissolved, series_mass_kg, to_transport
from webgis.hydro.transport import PlumeModel
from webgis.hydro.transport.release import Release

U, D, Q = 0.8, 60.0, 120.0


def channel(length_m: float = 200_000.0, n: int = 4) -> PathHydraulics:
    seg = length_m / n
    return PathHydraulics(
        start_m=np.arange(n) * seg, length_m=np.full(n, seg), velocity_mps=np.full(n, U),
        dispersion_m2s=np.full(n, D), discharge_m3s=np.full(n, Q),
        is_reservoir=np.zeros(n, bool), theta_s=np.zeros(n), n_cells=np.zeros(n, int))


def with_reservoir(first: bool) -> PathHydraulics:
    """A channel with a 20 km reservoir of 8 cells (at the spill when ``first``)."""
    lengths = [20_000.0, 30_000.0, 40_000.0] if first else [30_000.0, 20_000.0, 40_000.0]
    res = [True, False, False] if first else [False, True, False]
    theta = [6 * 3600.0 if r else 0.0 for r in res]
    return PathHydraulics(
        start_m=np.concatenate(([0.0], np.cumsum(lengths)[:-1])),
        length_m=np.array(lengths), velocity_mps=np.full(3, U),
        dispersion_m2s=np.full(3, D), discharge_m3s=np.full(3, Q),
        is_reservoir=np.array(res), theta_s=np.array(theta),
        n_cells=np.array([8 if r else 0 for r in res]))


def model_of(hyd: PathHydraulics, series_h: list[tuple[float, float]]) -> PlumeModel:
    """A plume model of a series given in (h, kg/h)."""
    s = to_transport(tuple(series_h))
    mass = series_mass_kg(series_h)
    return PlumeModel(hyd, mass, s[-1][0], 0.0, rate_series=s)


def grid(tau: float, var: float, span_s: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    t = np.linspace(1.0, tau + span_s + 12 * math.sqrt(var), 6000)
    return t[None, :], np.array([[tau]]), np.array([[var]])


# ----------------------------------------------------------------- closed form (channel)
def test_one_piece_is_the_constant_release() -> None:
    t, tau, var = grid(25_000.0, 3e6, 7200.0)
    const = Release(900.0, 7200.0, 1e-5).flux(t, tau, var)
    series = Release.of_series((0.0, 7200.0), (900.0 / 7200.0, 0.0), 1e-5).flux(t, tau, var)
    assert np.allclose(series, const, rtol=1e-12, atol=1e-15 * const.max())


def test_two_pieces_are_two_constant_releases_the_second_delayed() -> None:
    t, tau, var = grid(40_000.0, 8e6, 5 * 3600.0)
    k = 2e-6
    series = Release.of_series((0.0, 3600.0, 18_000.0), (0.5, 0.1, 0.0), k)
    first = Release(0.5 * 3600.0, 3600.0, k).flux(t, tau, var)
    second = Release(0.1 * 14_400.0, 14_400.0, k).flux(t - 3600.0, tau, var)
    got = series.flux(t, tau, var)
    assert np.allclose(got, first + second, rtol=1e-10, atol=1e-14)
    assert series.mass_kg == pytest.approx(0.5 * 3600 + 0.1 * 14_400)


def test_a_gap_in_the_series_is_two_separate_clouds_near_the_spill() -> None:
    """Rate 0 between two pieces: near the spill the passage has a gap (the flux falls to
    ~0 between the two clouds), far away they merge."""
    series = Release.of_series((0.0, 3600.0, 36_000.0, 39_600.0, 50_000.0),
                               (1.0, 0.0, 1.0, 0.0, 0.0))
    t, tau, var = grid(2_000.0, 2e3, 50_000.0)
    near = series.flux(t, tau, var)[0]
    mid = (t[0] > 20_000.0) & (t[0] < 30_000.0)
    assert near[mid].max() < 1e-6 * near.max()
    assert near.max() == pytest.approx(1.0, rel=1e-3)  # each piece's plateau: its rate


@settings(max_examples=40, deadline=None)
@given(
    steps=st.lists(st.tuples(st.floats(0.1, 12.0), st.floats(0.0, 2_000.0)),
                   min_size=1, max_size=12),
    tau_h=st.floats(0.5, 60.0),
    disp=st.floats(0.005, 0.3),
)
def test_flux_bounds_and_mass(steps: list[tuple[float, float]], tau_h: float,
                              disp: float) -> None:
    """Any series: the flux is ≥ 0, never above the largest rate (the kernel is a unit
    mass), and its time integral is the released mass (no decay)."""
    t_h = np.concatenate(([0.0], np.cumsum([d for d, _ in steps])))
    rates = [r for _, r in steps] + [0.0]
    if sum(rates) == 0:
        rates[0] = 1.0
    series = Release.of_series(tuple(t_h * 3600.0), tuple(r / 3600.0 for r in rates))
    tau = tau_h * 3600.0
    var = (disp * tau) ** 2
    t = np.linspace(0.0, tau + series.duration_s + 14 * math.sqrt(var) + 40 * var / tau,
                    40_000)
    f = series.flux(t[None, :], np.array([[tau]]), np.array([[var]]))[0]
    assert f.min() >= 0.0
    assert f.max() <= max(rates) / 3600.0 * (1 + 1e-6)
    assert np.trapezoid(f, t) == pytest.approx(series.mass_kg, rel=2e-3)


# -------------------------------------------------------------------- the plume model
@pytest.mark.parametrize("hyd", [channel(), with_reservoir(first=True),
                                 with_reservoir(first=False)],
                         ids=["channel", "reservoir-at-spill", "reservoir-below"])
def test_plume_model_one_piece_equals_constant(hyd: PathHydraulics) -> None:
    pos = np.array([5_000.0, 25_000.0, 60_000.0, 85_000.0])
    pos = pos[pos < hyd.total_m]
    # the same sampling for both (a series takes more samples by default)
    const = PlumeModel(hyd, 2_000.0, 4 * 3600.0).peaks(pos, npts=200)
    series = model_of(hyd, [(0.0, 500.0), (4.0, 0.0)]).peaks(pos, npts=200)
    for a, b in zip(const, series, strict=True):
        assert np.allclose(a, b, rtol=1e-6)


@pytest.mark.parametrize("hyd", [channel(), with_reservoir(first=True),
                                 with_reservoir(first=False)],
                         ids=["channel", "reservoir-at-spill", "reservoir-below"])
def test_plume_model_keeps_the_mass(hyd: PathHydraulics) -> None:
    """∫ C·Q dt at every position is the released mass (curves in mg/L, t in h)."""
    series = [(0.0, 300.0), (2.0, 1_200.0), (3.0, 0.0), (6.0, 200.0), (10.0, 0.0)]
    mass = series_mass_kg(series)
    for curve in model_of(hyd, series).curves([8_000.0, 30_000.0, 70_000.0], npts=400):
        got_kg = np.trapezoid(curve.conc_mgl, curve.times_h) * 3600.0 * Q * 1e-3
        assert got_kg == pytest.approx(mass, rel=0.02)


@pytest.mark.parametrize("hyd", [channel(), with_reservoir(first=True)],
                         ids=["channel", "reservoir-at-spill"])
def test_series_never_below_the_constant_releases_it_contains(hyd: PathHydraulics) -> None:
    """Superposition of non-negative pieces: the series' concentration is at least that of
    its strongest piece alone, and of the constant base rate over its whole duration."""
    series = [(0.0, 100.0), (1.0, 900.0), (3.0, 100.0), (8.0, 0.0)]
    pos = np.array([2_000.0, 15_000.0, 45_000.0, 80_000.0])
    peak = model_of(hyd, series).peaks(pos)[2]
    strongest = PlumeModel(hyd, 900.0 * 2.0, 2 * 3600.0).peaks(pos)[2]  # 900 kg/h, 1–3 h
    base = PlumeModel(hyd, 100.0 * 8.0, 8 * 3600.0).peaks(pos)[2]
    assert np.all(peak >= strongest * (1 - 1e-3))
    assert np.all(peak >= base * (1 - 1e-3))
    # and never above the most concentrated form of its mass: all of it at once
    inst = PlumeModel(hyd, series_mass_kg(series), 0.0).peaks(pos)[2]
    assert np.all(peak <= inst * (1 + 1e-3))


def test_far_downstream_a_series_tends_to_the_pulse_of_its_mass() -> None:
    """Far below the spill (spread ≫ duration) only the mass and its mean time count."""
    hyd = channel(length_m=1_500_000.0, n=10)
    series = [(0.0, 300.0), (0.5, 100.0), (1.0, 0.0)]
    far = np.array([1_400_000.0])
    got = model_of(hyd, series).peaks(far)[2]
    pulse = PlumeModel(hyd, series_mass_kg(series), 0.0).peaks(far)[2]
    assert got == pytest.approx(pulse, rel=0.01)


# ------------------------------------------------------------------ checks and solubility
@pytest.mark.parametrize(("series", "field"), [
    ([(0.0, 10.0), (2.0, -1.0), (3.0, 0.0)], "release.rate_series[1]"),
    ([(0.0, 10.0), (2.0, 5.0), (2.0, 0.0)], "release.rate_series[2]"),
    ([(0.0, 10.0), (3.0, 5.0), (2.0, 0.0)], "release.rate_series[2]"),
    ([(0.0, 10.0), (2.0, 5.0)], "release.rate_series[1]"),
    ([(1.0, 10.0), (2.0, 0.0)], "release.rate_series[0]"),
    ([(0.0, 0.0), (2.0, 0.0)], "release.rate_series"),
    ([(0.0, 10.0)], "release.rate_series"),
])
def test_bad_series_name_the_row(series: list[tuple[float, float]], field: str) -> None:
    with pytest.raises(HydroError) as err:
        series_mass_kg(series)
    assert list(err.value.fields) == [field]


def test_release_input_of_series_and_its_checks() -> None:
    rel = ReleaseInput.of_series(((0.0, 500.0), (4.0, 0.0)))
    assert (rel.mass_kg, rel.duration_h) == (2000.0, 4.0)
    validate_run(rel, "normal", 72.0)
    with pytest.raises(HydroError) as err:
        validate_run(ReleaseInput(1500.0, 4.0, rel.rate_series), "normal", 72.0)
    assert "release.mass_kg" in err.value.fields


def test_dissolved_unchanged_below_the_cap() -> None:
    s = to_transport(((0.0, 100.0), (2.0, 50.0), (3.0, 0.0)))
    assert dissolved(s, 1.0) == s
    assert dissolved(s, None) == s


@settings(max_examples=60, deadline=None)
@given(
    steps=st.lists(st.tuples(st.floats(0.05, 10.0), st.floats(0.0, 50.0)),
                   min_size=1, max_size=10),
    cap=st.floats(0.5, 30.0),
)
def test_dissolved_is_causal_capped_and_keeps_the_mass(
        steps: list[tuple[float, float]], cap: float) -> None:
    t = np.concatenate(([0.0], np.cumsum([d for d, _ in steps])))
    rates = [r for _, r in steps] + [0.0]
    if sum(rates) == 0:
        rates[0] = 1.0
    s = tuple(zip(t.tolist(), rates, strict=True))
    out = dissolved(s, cap)
    mass_in = series_mass_kg(s)
    assert series_mass_kg(out) == pytest.approx(mass_in, rel=1e-9)
    assert max(r for _, r in out) <= cap * (1 + 1e-12) or out == s
    # never dissolved before it was released: cumulative out ≤ cumulative in everywhere
    probe = np.linspace(0.0, out[-1][0], 400)

    def cum(series: tuple[tuple[float, float], ...]) -> np.ndarray:
        ts = np.array([p[0] for p in series])
        rs = np.array([p[1] for p in series])
        m = np.concatenate(([0.0], np.cumsum(rs[:-1] * np.diff(ts))))
        return np.interp(probe, ts, m)

    assert np.all(cum(out) <= cum(s) * (1 + 1e-9) + 1e-9)


# --------------------------------------------------------------------- a whole incident
def _net_and_snap():
    from hydro_netkit import chain

    from webgis.hydro.network import RiverNetwork

    net = RiverNetwork.build(chain("Y", (105.0, 34.0), 0.0, [10_000, 20_000, 30_000],
                                   [80, 120, 150]))
    lon, lat = net.point_at(net.index_of("Y-1"), 0.1)
    return net, net.snap(lon, lat)


def _receptors():
    from webgis.hydro.inputs import ReceptorInput

    return [ReceptorInput("section", c, c, r, m, 0.0, 0.0, None)
            for c, r, m in (("S1", "Y-1", 0.9), ("S2", "Y-2", 0.8), ("S3", "Y-3", 0.9))]


def _sb(**kw):
    from webgis.hydro.inputs import PollutantInput

    return PollutantInput("SB", "Antimony", "metalloid", 0.0, None, 0.005, **kw)


def test_incident_one_piece_series_equals_the_constant_release() -> None:
    from webgis.hydro.analysis import run_incident

    net, snap = _net_and_snap()
    const = run_incident(net, snap, _sb(), ReleaseInput(2_000.0, 4.0), receptors=_receptors(),
                         transfers=False)
    series = run_incident(net, snap, _sb(), ReleaseInput.of_series(((0.0, 500.0), (4.0, 0.0))),
                          receptors=_receptors(), transfers=False)
    assert [r.code for r in const.receptors] == [r.code for r in series.receptors]
    for a, b in zip(const.receptors, series.receptors, strict=True):
        assert b.peak_conc_mgl == pytest.approx(a.peak_conc_mgl, rel=5e-3)
        assert b.arrival_h == pytest.approx(a.arrival_h, abs=0.05)
        assert b.worst.peak_conc_mgl == pytest.approx(a.worst.peak_conc_mgl, rel=5e-3)
    assert series.model.coefficients["rate_series"] == [[0.0, 500.0], [4.0, 0.0]]
    assert "rate_series" not in const.model.coefficients
    assert any(a.startswith("Rate series:") for a in series.model.assumptions)


def test_incident_series_above_the_solubility_is_carried_over() -> None:
    """A piece faster than Q·S: the peak stays at the solubility, the release lasts longer
    and the mass is kept."""
    from webgis.hydro.analysis import run_incident

    net, snap = _net_and_snap()
    sol = 5.0  # mg/L: Q·S = 80 m³/s × 5 g/m³ = 0.4 kg/s = 1440 kg/h
    series = ((0.0, 5_000.0), (1.0, 100.0), (3.0, 0.0))
    res = run_incident(net, snap, _sb(solubility_mgl=sol), ReleaseInput.of_series(series),
                       receptors=_receptors(), transfers=False)
    dis = res.model.coefficients["rate_series_dissolved"]
    assert dis is not None and max(r for _, r in dis) == pytest.approx(1_440.0)
    assert series_mass_kg(dis) == pytest.approx(series_mass_kg(series))
    assert all(r.peak_conc_mgl <= sol * (1 + 1e-9) for r in res.receptors)
    assert res.receptors[0].peak_conc_mgl > 0.5 * sol


def test_floating_oil_series_is_released_at_once() -> None:
    from webgis.hydro.analysis import run_incident
    from webgis.hydro.inputs import PollutantInput

    net, snap = _net_and_snap()
    diesel = PollutantInput("DIESEL", "Diesel", "oil", 0.0, None, 0.05, behaviour="floats")
    series = ((0.0, 100.0), (10.0, 0.0))
    a = run_incident(net, snap, diesel, ReleaseInput.of_series(series), receptors=_receptors(),
                     transfers=False)
    b = run_incident(net, snap, diesel, ReleaseInput(1_000.0), receptors=_receptors(),
                     transfers=False)
    assert [r.arrival_h for r in a.receptors] == [r.arrival_h for r in b.receptors]
    assert [r.peak_conc_mgl for r in a.receptors] == [r.peak_conc_mgl for r in b.receptors]
    assert any("floating product" in x for x in a.model.assumptions)
    assert a.model.coefficients["rate_series"] == [[0.0, 100.0], [10.0, 0.0]]


def test_a_short_piece_after_a_long_pause_is_not_missed() -> None:
    """A hundred hours of nothing, then one minute: near the spill the model must see that
    minute's cloud as sharply as if it came at once (a look over the whole series from 0
    reads its peak low)."""
    hyd = channel()
    series = [(0.0, 0.0), (100.0, 6_000.0), (100.0 + 1 / 60, 0.0)]
    pos = np.array([200.0, 500.0, 3_000.0, 40_000.0])
    got = model_of(hyd, series).peaks(pos, npts=200)
    pulse = PlumeModel(hyd, 100.0, 60.0).peaks(pos, npts=200)
    assert np.allclose(got[2], pulse[2], rtol=1e-3)
    assert np.allclose(got[1], pulse[1] + 100.0, atol=0.02)  # the same cloud, 100 h later

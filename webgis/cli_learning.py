"""`webgis calibrate` and `webgis ensemble` (issue 16, items 3 and 4): the same services
as ``POST /api/v1/calibrate`` and ``POST /api/v1/ensemble``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
from flask.cli import with_appcontext

from webgis.cli_options import analysis_options, analysis_request
from webgis.edge import current_settings


def _fail(exc: Any) -> None:
    click.echo(json.dumps(exc.to_dict(), ensure_ascii=False), err=True)
    sys.exit(2)


def _h(v: float | None) -> str:
    return "   -  " if v is None else f"{v:6.1f}"


def _band_line(r: dict[str, Any]) -> str:
    b = r["band"]
    if b is None:
        return ""
    a, c = b["arrival_h"], b["peak_conc_mgl"]
    raised = " worst raised" if b["worst_raised"] else ""
    return (f"  band arrival {_h(a[0])}–{_h(a[2])} h, peak {c[0]:.3g}–{c[2]:.3g} mg/L"
            f"{raised}")


@click.command("calibrate")
@click.argument("request_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON answer.")
@with_appcontext
def calibrate_command(request_file: Path, as_json: bool) -> None:
    """Fit a spill to its readings: REQUEST_FILE holds the body of POST /api/v1/calibrate
    ({"spill": {...}, "readings": [...]})."""
    from webgis.errors import WebgisError
    from webgis.services.learning import calibrate

    try:
        body = json.loads(request_file.read_text(encoding="utf-8"))
        out = calibrate(body, current_settings())
    except json.JSONDecodeError as exc:
        click.echo(f"{request_file}: not JSON ({exc})", err=True)
        sys.exit(2)
    except WebgisError as exc:
        _fail(exc)
    if as_json:
        click.echo(json.dumps(out, ensure_ascii=False))
        return
    click.echo(f"Calibration ({out['n_detected']} readings above and {out['n_censored']} "
               f"below detection; σ_ln {out['sigma_ln']:.3f}; rms ln residual "
               f"{out['rms_ln_prior']:.2f} -> {out['rms_ln_fitted']:.2f})")
    for p in out["parameters"]:
        flag = "" if p["identified"] else "  (not identified: prior kept)"
        click.echo(f"  {p['name']:<18} {p['value']:10.4g}  95 % {p['low']:.4g}–{p['high']:.4g}"
                   f"  prior {p['prior']:.4g}{flag}")
    for note in out["notes"]:
        click.echo(f"  - {note['en']}")
    click.echo(f"{'km':>7} {'arrival h':>15} {'peak mg/L':>21}  receptor")
    for r in out["receptors"]:
        u, c = r["uncalibrated"], r.get("calibrated")
        cal_a = _h(c["arrival_h"]) if c else "   -  "
        cal_p = f"{c['peak_conc_mgl']:9.3g}" if c else "        -"
        click.echo(f"{r['river_km']:7.1f} {_h(u['arrival_h'])} -> {cal_a} "
                   f"{u['peak_conc_mgl']:9.3g} -> {cal_p}  {r['kind']} {r['code']} {r['name']}"
                   f"{_band_line(r)}")


@click.command("ensemble")
@analysis_options
@click.option("--members", type=int, default=200, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--mass-uncertainty", type=float, default=0.0, show_default=True,
              help="σ of ln(mass) when the released mass is uncertain.")
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON answer.")
@with_appcontext
def ensemble_command(members: int, seed: int, mass_uncertainty: float, as_json: bool,
                     **spill: Any) -> None:
    """Monte Carlo bands (P5/P50/P95) of arrival and peak at every receptor of a spill."""
    from webgis.errors import WebgisError
    from webgis.services.learning import ensemble

    body = {"spill": analysis_request(**spill), "members": members, "seed": seed,
            "mass_uncertainty": mass_uncertainty}
    try:
        out = ensemble(body, current_settings())
    except WebgisError as exc:
        _fail(exc)
    if as_json:
        click.echo(json.dumps(out, ensure_ascii=False))
        return
    e = out["ensemble"]
    click.echo(f"Ensemble of {e['members']} members (seed {e['seed']})")
    for k, v in e["distributions"].items():
        click.echo(f"  {k}: {v}")
    for r in out["receptors"]:
        x = r["expected"]
        click.echo(f"{r['river_km']:7.1f} km  {r['kind']} {r['code']} {r['name']}: expected "
                   f"{_h(x['arrival_h'])} h, {x['peak_conc_mgl']:.3g} mg/L{_band_line(r)}")
    for note in e["notes"]:
        click.echo(f"  - {note['en']}")

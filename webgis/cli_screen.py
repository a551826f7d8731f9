"""`webgis screen`: province-wide and area risk screening from the command line.

    webgis screen                                  # every enterprise × substance × season
    webgis screen --season dry --pollutant CYANIDE # a part of it
    webgis screen --area 35.70,102.79,60 --watch IP-HH-LIUJIAXIA --watch WS-HH-LANZHOU-LJX
    webgis screen --area drawn.geojson --xlsx out.xlsx --geojson out.geojson
    webgis screen status 12 | cancel 12 | list | worker [--once]

A run already done for the same dataset and parameters is reused (asked again, it prints
at once). The progress bar follows the chunks as the engine finishes them.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import click
import orjson
from flask.cli import AppGroup, with_appcontext

from webgis.contract.errors import parse
from webgis.contract.screening import ScreeningRequest
from webgis.errors import WebgisError
from webgis.services import screening_jobs as jobs
from webgis.services import screening_results as results
from webgis.services.screening_engine import EngineSettings


def _fail(err: WebgisError) -> None:
    click.echo(orjson.dumps(err.to_dict(), option=orjson.OPT_INDENT_2).decode(), err=True)
    sys.exit(1)


def _area(raw: str | None, name: str | None) -> dict[str, Any] | None:
    """``LAT,LON,RADIUS_KM`` or a GeoJSON file."""
    if raw is None:
        return None
    parts = raw.split(",")
    if len(parts) == 3 and not Path(raw).exists():
        try:
            lat, lon, r = (float(p) for p in parts)
        except ValueError:
            raise click.BadParameter("LAT,LON,RADIUS_KM or a GeoJSON file",
                                     param_hint="--area") from None
        return {"centre": {"lon": lon, "lat": lat}, "radius_km": r, "name": name}
    try:
        polygon = json.loads(Path(raw).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise click.BadParameter(f"{raw}: {exc}", param_hint="--area") from None
    return {"polygon": polygon, "name": name}


def _bar(total: int) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, unit="spill", file=sys.stderr, dynamic_ncols=True,
                desc="screening")


def _follow(job: dict[str, Any], settings: EngineSettings) -> dict[str, Any]:
    """Run the job here if it is free, else follow the runner that has it."""
    if job["status"] in jobs.FINISHED:
        return job
    bar = _bar(job["spills_total"])
    bar.update(job["spills_done"])

    def show(seen: dict[str, Any]) -> None:
        bar.update(seen["spills_done"] - bar.n)

    try:
        if job["status"] == "queued" and jobs.claim(job_id=job["id"]) == job["id"]:
            return jobs.execute(job["id"], settings, progress=show)
        while job["status"] not in jobs.FINISHED:  # another runner has it
            time.sleep(1.0)
            job = jobs.get_job(job["id"])
            show(job)
        return job
    finally:
        bar.close()


def _print_rankings(data: dict[str, Any], top: int) -> None:
    job = data["job"]
    click.echo(f"screening job {job['id']} ({job['kind']}): {job['spills_total']} spills, "
               f"{job['engine'] or '-'}; dataset {job['dataset_key'][:12]}")
    if data.get("inside") is not None:
        ins = data["inside"]
        click.echo(f"inside the area: {len(ins['enterprises'])} enterprises "
                   f"({len(ins['tailings'])} tailings facilities, "
                   f"{len(ins['wastewater_plants'])} wastewater plants), "
                   f"{len(ins['intakes'])} intakes")
    click.echo("\nenterprises by threat (population at threatened intakes, warning time):")
    for r in data["enterprises"][:top]:
        click.echo(f"  {r['rank']:>3}. {r['enterprise_code']:<14} {r['enterprise_name']}"
                   f"  intakes {r['threatened_intakes']}, population "
                   f"{r['population_threatened']:,}, warning {_h(r['warning_h'])}")
    click.echo("\nintakes by threatening sources (shortest warning):")
    for r in data["intakes"][:top]:
        click.echo(f"  {r['rank']:>3}. {r['code']:<22} {r['name']}  sources "
                   f"{r['threatening_sources']}, warning {_h(r['warning_h'])}, max "
                   f"peak/limit {_x(r['max_ratio'])}, longest above the limit "
                   f"{_exceed(r['max_exceed_h'], r['exceed_beyond_horizon'])}")
    click.echo("\nrivers by exposure:")
    for r in data["rivers"][:top]:
        click.echo(f"  {r['rank']:>3}. {r['river_code']:<12} {r['river_name']}  sources "
                   f"{r['threatening_sources']}, receptors exceeded "
                   f"{r['receptors_exceeded']}, population {r['population_threatened']:,}")


def _h(v: float | None) -> str:
    return "-" if v is None else f"{v:.1f} h"


def _exceed(v: float | None, beyond: bool) -> str:
    """Hours above the limit; one still running at the horizon is a lower bound."""
    return f"≥ {_h(v)} (beyond horizon)" if beyond and v is not None else _h(v)


def _x(v: float | None) -> str:
    return "-" if v is None else f"{v:.3g}×"


def _print_reaching(rows: list[dict[str, Any]], watch: tuple[str, ...]) -> None:
    """Per watched receptor: each enterprise's substance that reaches it (its earliest
    season), threats (peak ≥ limit) first, the rest summed up."""
    click.echo("\nwhat reaches the watched receptors (worst case over the seasons):")
    for code in watch:
        best: dict[tuple[str, str], dict[str, Any]] = {}
        for r in rows:
            if r["receptor_code"] != code:
                continue
            k = (r["enterprise_code"], r["pollutant"])
            got = best.get(k)
            # the longest exceedance over the seasons, with its beyond-the-horizon flag
            longest = max((r, got or r), key=lambda x: (x["exceed_h"] or 0.0,
                                                        x["exceed_beyond_horizon"]))
            if got is None or r["arrival_h"] < got["arrival_h"]:
                best[k] = {**r, "ratio": max(r["ratio"] or 0.0, (got or {}).get("ratio") or 0.0)}
                got = best[k]
            else:
                got["ratio"] = max(got["ratio"] or 0.0, r["ratio"] or 0.0)
            got["exceed_h"] = longest["exceed_h"] or 0.0
            got["exceed_beyond_horizon"] = longest["exceed_beyond_horizon"]
        click.echo(f"  {code}:")
        threats = sorted((v for v in best.values() if (v["ratio"] or 0) >= 1),
                         key=lambda v: v["arrival_h"])
        rest = [v for v in best.values() if (v["ratio"] or 0) < 1]
        if not best:
            click.echo("    nothing reaches it within the horizon")
        for v in threats:
            flag = " [same reservoir, upstream of entry]" if v["flagged"] else ""
            click.echo(f"    {v['enterprise_code']:<12} {v['enterprise_name']}  {v['pollutant']} "
                       f"{v['mass_kg'] / 1000:g} t: arrives {_h(v['arrival_h'])} "
                       f"({v['season']}), peak/limit {_x(v['ratio'])}, above the limit "
                       f"{_exceed(v['exceed_h'], v['exceed_beyond_horizon'])}{flag}")
        if rest:
            first = min(v["arrival_h"] for v in rest)
            click.echo(f"    + {len(rest)} more releases reach it below their limits "
                       f"(earliest {_h(first)})")


@click.group("screen", cls=AppGroup, invoke_without_command=True)
@click.option("--season", "seasons", multiple=True,
              type=click.Choice(["dry", "normal", "flood"]), help="default: all three")
@click.option("--horizon", "horizon_h", type=float, default=72.0, show_default=True)
@click.option("--pollutant", "pollutants", multiple=True, help="only these substances")
@click.option("--area", help="LAT,LON,RADIUS_KM or a GeoJSON (Multi)Polygon file")
@click.option("--area-name", help="a name for the area (e.g. the earthquake)")
@click.option("--synthetic", type=int, help="a synthetic register of N enterprises")
@click.option("--seed", type=int, default=15, show_default=True)
@click.option("--watch", multiple=True, help="list what reaches this receptor code")
@click.option("--top", type=int, default=10, show_default=True)
@click.option("--xlsx", type=click.Path(path_type=Path), help="write the rankings (XLSX)")
@click.option("--geojson", type=click.Path(path_type=Path), help="write the map layers")
@click.pass_context
def screen_group(ctx: click.Context, seasons: tuple[str, ...], horizon_h: float,
                 pollutants: tuple[str, ...], area: str | None, area_name: str | None,
                 synthetic: int | None, seed: int, watch: tuple[str, ...], top: int,
                 xlsx: Path | None, geojson: Path | None) -> None:
    """Risk screening: credible releases of every enterprise's substances, ranked."""
    if ctx.invoked_subcommand is not None:
        return
    ctx.invoke(_run_screen, seasons, horizon_h, pollutants, area, area_name, synthetic, seed,
               watch, top, xlsx, geojson)


@with_appcontext
def _run_screen(seasons: tuple[str, ...], horizon_h: float, pollutants: tuple[str, ...],
                area: str | None, area_name: str | None, synthetic: int | None, seed: int,
                watch: tuple[str, ...], top: int, xlsx: Path | None,
                geojson: Path | None) -> None:
    """The run itself, in the app's context."""
    body: dict[str, Any] = {"horizon_h": horizon_h}
    if seasons:
        body["seasons"] = list(dict.fromkeys(seasons))
    if pollutants:
        body["pollutants"] = list(pollutants)
    if area:
        body["area"] = {k: v for k, v in (_area(area, area_name) or {}).items()
                        if v is not None}
    settings = EngineSettings.from_environment()
    try:
        req = parse(ScreeningRequest, body)
        job = jobs.request_run(req, None, synthetic=None if synthetic is None
                               else (synthetic, seed))
        if job["reused"]:
            click.echo(f"reusing screening job {job['id']} ({job['status']})", err=True)
        t0 = time.perf_counter()
        job = _follow(job, settings)
        if job["status"] != "done":
            click.echo(orjson.dumps(job, option=orjson.OPT_INDENT_2).decode(), err=True)
            sys.exit(1)
        click.echo(f"done in {time.perf_counter() - t0:.1f} s", err=True)
        if job.get("parameters", {}).get("note"):
            click.echo(job["parameters"]["note"])
        data = results.rankings(job["id"], limit=max(top, 200))
        _print_rankings(data, top)
        reach = results.reaching(job["id"], list(watch)) if watch else []
        if watch:
            _print_reaching(reach, watch)
        _exports(data, reach, xlsx, geojson)
    except WebgisError as err:
        _fail(err)


def _exports(data: dict[str, Any], reach: list[dict[str, Any]], xlsx: Path | None,
             geojson: Path | None) -> None:
    from webgis.exports.screening import screening_geojson, screening_xlsx

    if xlsx is not None:
        xlsx.write_bytes(screening_xlsx(data, reach))
        click.echo(f"wrote {xlsx}", err=True)
    if geojson is not None:
        geojson.write_bytes(screening_geojson(data, results.threat_lines(data["job"]["id"])))
        click.echo(f"wrote {geojson}", err=True)


@screen_group.command("status")
@click.argument("job_id", type=int)
def status_command(job_id: int) -> None:
    """A job's state and progress (JSON)."""
    try:
        click.echo(orjson.dumps(jobs.get_job(job_id), option=orjson.OPT_INDENT_2).decode())
    except WebgisError as err:
        _fail(err)


@screen_group.command("cancel")
@click.argument("job_id", type=int)
def cancel_command(job_id: int) -> None:
    """Cancel a queued or running job (its partial results are deleted)."""
    try:
        job = jobs.cancel(job_id, None)
        click.echo(f"screening job {job['id']}: {job['status']}")
    except WebgisError as err:
        _fail(err)


@screen_group.command("list")
def list_command() -> None:
    """The latest jobs."""
    for j in jobs.list_jobs():
        click.echo(f"{j['id']:>5} {j['kind']:<8} {j['status']:<9} "
                   f"{j['spills_done']:>6}/{j['spills_total']:<6} {j['created_at']} "
                   f"{j['created_by']}")


@screen_group.command("worker")
@click.option("--once", is_flag=True, help="run at most one queued job, then stop")
@click.option("--poll", type=float, default=2.0, show_default=True)
def worker_command(once: bool, poll: float) -> None:
    """Claim queued jobs (those started from the web) and run them, one at a time."""
    settings = EngineSettings.from_environment()
    while True:
        try:
            done = jobs.run_next(settings)
        except WebgisError as err:
            click.echo(orjson.dumps(err.to_dict()).decode(), err=True)
            done = None
        if done is not None:
            click.echo(f"screening job {done['id']}: {done['status']}")
        if once:
            return
        if done is None:
            time.sleep(poll)

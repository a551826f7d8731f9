"""The commands that need the app and its database, on `app.cli` (`create_app` registers
them): `load-data`, `users ...`, `analyze`, `upstream`, `warm`, `sheet`. Each parses its options and
calls one service (`webgis.services`), which owns the transaction."""

from __future__ import annotations

import secrets
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TypeVar

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext

from webgis.cli_options import analysis_options, analysis_request
from webgis.edge import current_settings

T = TypeVar("T")


# --- data ----------------------------------------------------------------------------------


def print_invalid(exc: Exception) -> None:
    """Why the dataset was refused, one problem a line, on standard error."""
    click.echo("The dataset is invalid; nothing was written:", err=True)
    for line in str(exc).splitlines():
        click.echo(f"  {line}", err=True)

@click.command("load-data")
@click.argument("directory", required=False, type=click.Path(path_type=Path))
@with_appcontext
def load_data(directory: Path | None) -> None:
    """Validate DIRECTORY (default data/) and load it in one transaction."""
    from sqlalchemy.exc import SQLAlchemyError

    from webgis.services.loading import DataError, DatasetInvalid
    from webgis.services.loading import load_data as load_dataset

    root = directory or Path(current_settings().data_dir)
    try:
        report = load_dataset(root)  # one unit of work: all of it, or nothing
    except (DatasetInvalid, DataError) as exc:
        print_invalid(exc)
        sys.exit(1)
    except SQLAlchemyError as exc:
        reason = getattr(exc, "orig", None) or exc
        click.echo(f"The database refused the data; nothing was written: {reason}", err=True)
        sys.exit(1)
    click.echo(f"Loaded {root}:")
    for line in report.lines():
        click.echo(f"  {line}")

# --- users ---------------------------------------------------------------------------------


@click.group("users", cls=AppGroup)
def users_group() -> None:
    """Accounts, roles and API tokens."""


@users_group.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(["admin", "duty_officer", "leader", "planner",
                                           "field_team"]),
              required=True)
@click.option("--name", "display_name", default="", help="Display name.")
@click.option("--password", default=None,
              help="Password (prompted for when omitted; use --generate to print a random one).")
@click.option("--generate", is_flag=True, help="Generate a random password and print it once.")
def users_create(username: str, role: str, display_name: str, password: str | None,
                 generate: bool) -> None:
    """Create USERNAME with ROLE (there are no default accounts or passwords)."""
    from webgis.services import users

    if users.exists(username):
        raise click.ClickException(f"user {username!r} exists")
    if generate:
        password = secrets.token_urlsafe(12)
    elif password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    assert password is not None
    _service(lambda: users.create_user(username, role, password, display_name))
    click.echo(f"created {username} ({role})")
    if generate:
        click.echo(f"password: {password}")


def _service(action: Callable[[], T]) -> T:
    """Run a use case; its refusal (a taken name, a short password, no such user) is a
    usage error naming the reason."""
    from webgis.errors import WebgisError

    try:
        return action()
    except WebgisError as exc:
        raise click.ClickException(exc.message) from None


def _utc(moment: datetime | None) -> str:
    from datetime import UTC

    return "-" if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


@users_group.command("token")
@click.argument("username")
@click.option("--ttl-days", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Days the token stays valid (default WEBGIS_TOKEN_TTL_DAYS, 90).")
def users_token(username: str, ttl_days: float | None) -> None:
    """Issue a new API token for USERNAME (the previous one stops working).

    The token goes to standard output (alone, for scripts); its expiry to standard error.
    """
    from webgis.services import users

    ttl = ttl_days or current_settings().token_ttl_days
    token, expires = _service(lambda: users.issue_token(username, ttl))
    click.echo(token)
    click.echo(f"expires {_utc(expires)}", err=True)


@users_group.command("revoke")
@click.argument("username")
@click.option("--token-only", is_flag=True, help="Revoke the API token, keep the sessions.")
@click.option("--sessions-only", is_flag=True, help="End the sessions, keep the API token.")
def users_revoke(username: str, token_only: bool, sessions_only: bool) -> None:
    """Revoke USERNAME's API token and end all their signed-in sessions (every device)."""
    from webgis.services import users

    if token_only and sessions_only:
        raise click.UsageError("--token-only and --sessions-only exclude each other")
    done = _service(lambda: users.revoke(username, token=not sessions_only,
                                         sessions=not token_only))
    click.echo(f"{username}: {', '.join(done)}")


@users_group.command("list")
def users_list() -> None:
    """List accounts, roles and when their API token expires."""
    from webgis.services import users

    for user in users.list_users():
        state = "" if user.active else " (disabled)"
        if not user.has_token:
            token = "no token"
        elif user.token_valid:
            token = f"token expires {_utc(user.token_expires_at)}"
        else:
            token = "token expired"
        click.echo(f"{user.username:<20} {user.role:<14} {token}{state}")


@users_group.command("team")
@click.argument("username")
@click.argument("team_code", required=False)
@click.option("--none", "no_team", is_flag=True, help="Take the account out of its team.")
def users_team(username: str, team_code: str | None, no_team: bool) -> None:
    """Make USERNAME (a field-team account) a member of the rescue team TEAM_CODE: it sees
    that team's dispatches and moves their status (one team per account)."""
    from webgis.services import dispatch

    if (team_code is None) != no_team:
        raise click.UsageError("give a TEAM_CODE or --none")
    code = _service(lambda: dispatch.link_team(username, None if no_team else team_code))
    click.echo(f"{username}: {'team ' + code if code else 'no team'}")


# --- analysis ------------------------------------------------------------------------------


def _fmt(value, spec: str) -> str:
    return "-" if value is None else format(value, spec)


@click.command("analyze")
@analysis_options
@click.option("--json", "as_json", is_flag=True, help="Print the full result as JSON.")
@with_appcontext
def analyze_command(as_json: bool, **options) -> None:
    """Analyse a spill: path, arrival and peak at every receptor, resources, plan, level."""
    import json

    from webgis.errors import WebgisError
    from webgis.services.incidents import analyse

    try:
        analysis = analyse(analysis_request(**options), current_settings())
    except WebgisError as exc:
        click.echo(json.dumps(exc.to_dict(), ensure_ascii=False), err=True)
        sys.exit(2)
    if as_json:
        click.echo(analysis.json.decode())  # the API's answer, byte for byte
        return
    result = analysis.result
    snap, level = result["snap"], result["level"]
    click.echo(f"{snap['river_name']} ({snap['river_code']}) reach {snap['reach_code']}, "
               f"{snap['offset_m']:.0f} m from the point; path {result['length_km']:.1f} km")
    click.echo(f"Suggested level {level['suggested']}; report as {level['report_as']} within "
               f"{level['report_due_min']} min of discovery ({level['discovered_at']}), "
               f"by {level['report_due_at']}")
    for reason in level["reasons"] + level["report_reasons"]:
        click.echo(f"  - {reason['text_en']} [{reason['source']}]")
    release = result["request"]["release"]
    series = release.get("rate_series") or []
    if series:
        click.echo(f"Release {release['mass_kg']:g} kg as a rate series: " + ", ".join(
            f"from {t:g} h {r:g} kg/h" for t, r in series))
    flow = result["model"].get("flow_today")
    if flow:
        click.echo(f"Today's discharge {flow['discharge_m3s']:g} m³/s at "
                   f"{flow['station_code'] or flow['reach_code']} (season's "
                   f"{flow['season_discharge_m3s']:g} m³/s, × {flow['ratio']:.3g})")
    click.echo(f"{'km':>7} {'arrival h':>9} {'peak h':>7} {'peak mg/L':>10} {'limit':>8}  "
               "receptor")
    slick = result["slick"]
    if slick:
        click.echo("Floating oil: peak mg/L is dissolved petroleum (bounded by the WAF, "
                   f"{slick['waf_mgl']:g} mg/L); slick: arrival h (earliest) / "
                   "passage end h (latest) / length km (longest)")
    for r in result["receptors"]:
        flag = " EXCEEDS" if r["exceeds"] else ""
        if r.get("undissolved"):
            flag += " (exceeds solubility: undissolved product)"
        if r.get("near_field"):
            flag += " (near field)"
        click.echo(f"{r['river_km']:7.1f} {_fmt(r['arrival_h'], '9.1f')} "
                   f"{_fmt(r['peak_h'], '7.1f')} {_fmt(r['peak_conc_mgl'], '10.4g')} "
                   f"{_fmt(r['limit_mgl'], '8.3g')}  [{r['kind']}] {r['name']}{flag}")
        s = r.get("slick")
        if s:
            w = s["worst"]
            click.echo(f"{'':9} slick {_fmt(s['arrival_h'], '.1f')} "
                       f"({_fmt(w['arrival_h'], '.1f')})"
                       f" / {_fmt(s['passage_end_h'], '.1f')} ({_fmt(w['passage_end_h'], '.1f')})"
                       f" / {_fmt(s['length_km'], '.1f')} ({_fmt(w['length_km'], '.1f')}) km,"
                       f" {_fmt(s['evaporated_pct'], '.0f')} % evaporated")
    click.echo("Depots:")
    for d in result["depots"][:5]:
        ok = "in time" if d["arrives_before_plume"] else "late"
        click.echo(f"  {d['name']} → {d['target_name']}: {_fmt(d['travel_h'], '.1f')} h ({ok})")
    for n in result["notify"]:
        click.echo(f"Notify: {n['reason']}")


@click.command("upstream")
@click.option("--lon", type=float, help="Start point longitude (snapped to the nearest reach).")
@click.option("--lat", type=float, help="Start point latitude.")
@click.option("--reach", help="Start at the downstream end of this reach (instead of a point).")
@click.option("--mode", type=click.Choice(["main", "all"]), default="all", show_default=True,
              help="Main stem only, or every tributary.")
@click.option("--max-km", type=float, help="Distance limit along the river, km.")
@click.option("--max-h", type=float, help="Travel-time limit for the season, hours.")
@click.option("--season", type=click.Choice(["dry", "normal", "flood"]), default="normal",
              show_default=True)
@click.option("--case", type=click.Choice(["worst", "expected"]), default="worst",
              show_default=True, help="worst: the safe side (fastest velocity, shortest times).")
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON answer.")
@with_appcontext
def upstream_command(as_json: bool, **options) -> None:
    """The network upstream of a point or reach and every feature on it, nearest first."""
    import json

    from webgis.contract.errors import parse
    from webgis.contract.requests import UpstreamQuery
    from webgis.errors import WebgisError
    from webgis.services.upstream import upstream

    try:
        query = parse(UpstreamQuery, {k: v for k, v in options.items() if v is not None})
        result = upstream(query, current_settings())
    except WebgisError as exc:
        click.echo(json.dumps(exc.to_dict(), ensure_ascii=False), err=True)
        sys.exit(2)
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False))
        return
    start = result["start"]
    click.echo(f"Upstream of {start['river_name']} ({start['river_code']}) reach "
               f"{start['reach_code']} at {start['measure']:.3f}: {result['length_km']:.1f} km "
               f"of river, {len(result['features'])} features ({result['mode']}, "
               f"{result['season']}, {result['case']} case)")
    for note in result["notes"]:
        click.echo(f"  - {note['en']}")
    click.echo(f"{'km':>8} {'hours':>7}  kind          code / name")
    for f in result["features"]:
        flag = " (via reservoir)" if f["via_reservoir"] else ""
        click.echo(f"{f['distance_km']:8.1f} {f['travel_h']:7.1f}  {f['kind']:<13} "
                   f"{f['code']} {f['name']} [{f['river_code']}]{flag}")


@click.command("warm")
@click.option("--season", "seasons", multiple=True, default=("normal",),
              type=click.Choice(["dry", "normal", "flood"]), show_default=True,
              help="Season(s) to warm; repeat the option for several.")
@with_appcontext
def warm_command(seasons: tuple[str, ...]) -> None:
    """Build the analysis' cached transfers (a notional spill above every reservoir)."""
    import time

    from webgis.services.warmup import warm_now

    t0 = time.perf_counter()
    runs, built, mb = warm_now(seasons, current_settings())
    click.echo(f"warm: {runs} notional spills, {built} transfers built in "
               f"{time.perf_counter() - t0:.1f} s, {mb:.0f} MB held")


@click.command("warm-sheets")
@click.option("--fonts-only", is_flag=True, help="Only build the CJK font cache.")
def warm_sheets_command(fonts_only: bool) -> None:
    """Build the sheets' CJK font cache (once per machine) and time a cold sheet."""
    import time

    from webgis.services.sheet_warmup import build_fonts, warm_sheets

    t0 = time.perf_counter()
    ok = build_fonts()
    click.echo(f"CJK font cache: {'ready' if ok else 'no CJK font on this machine'} "
               f"({time.perf_counter() - t0:.1f} s)")
    if not fonts_only:
        click.echo(f"sheet libraries and fonts loaded in {warm_sheets():.1f} s")


# --- survey import ---------------------------------------------------------------------------


def _print_report(report: dict, as_json: bool) -> None:
    """The import report: a summary, then each error and warning with its row and field."""
    import orjson

    if as_json:
        click.echo(orjson.dumps(report, option=orjson.OPT_INDENT_2).decode())
        return
    enc = report.get("encoding") or "-"
    click.echo(f"{report['file']}: {report['format']}, encoding {enc}, CRS {report['crs']}, "
               f"layer {report['layer']}, {report['rows']} valid row(s)")
    if report.get("ignored_columns"):
        click.echo(f"  columns ignored: {', '.join(report['ignored_columns'])}")
    for kind in ("errors", "warnings"):
        for p in report.get(kind, []):
            where = f"row {p['row']}" if p["row"] else "file"
            click.echo(f"  {kind[:-1]}: {where}, {p['field'] or '-'}: {p['message']}",
                       err=kind == "errors")
    for feat in report.get("features", {}).get("features", []):
        props = feat["properties"]
        for name, (old, new) in (props.get("changes") or {}).items():
            click.echo(f"  row {props['row']} {props['code']}: {name} {old} → {new}")
    if "created" in report and not report.get("errors"):
        verb = "stored" if report["committed"] else "dry run, nothing stored"
        click.echo(f"  {report['created']} created, {report['changed']} changed, "
                   f"{report['unchanged']} unchanged, {report['flagged']} flagged "
                   f"(> {report['flag_m']:.0f} m from a reach) — {verb}")


@click.command("import")
@click.argument("layer")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--profile", default=None, help="Field-mapping profile: a name or a YAML path.")
@click.option("--crs", default=None,
              help="The coordinates' CRS when the file has none or is wrong: EPSG:4326, "
                   "EPSG:4490, any EPSG code, or gcj02 (converted to WGS84).")
@click.option("--dry-run", is_flag=True, help="Validate and preview; store nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the full report as JSON.")
@click.option("--user", default=None, help="Who imports (the audit log's actor name).")
@with_appcontext
def import_command(layer: str, file: Path, profile: str | None, crs: str | None,
                   dry_run: bool, as_json: bool, user: str | None) -> None:
    """Import a department's survey FILE into LAYER (enterprises, intakes, sections,
    spaces, depots, teams): all rows or none, audited; a re-import changes nothing."""
    import getpass

    from webgis.services.actor import Actor
    from webgis.services.survey_import import ImportRejected, SurveyInvalid, import_survey

    actor = Actor(None, f"cli:{user or getpass.getuser()}", "admin")
    try:
        report = import_survey(layer, file, actor, current_settings(), profile=profile,
                               crs=crs, commit=not dry_run)
    except SurveyInvalid as exc:
        _print_report(exc.extra["report"], as_json)
        click.echo(f"Refused, nothing was stored: {exc.message}", err=True)
        sys.exit(1)
    except ImportRejected as exc:
        click.echo(f"Refused, nothing was stored: {exc.message}", err=True)
        sys.exit(1)
    _print_report(report, as_json)


def register(app: Flask) -> None:
    """Commands that need the app (and its database) live on `app.cli`."""
    app.cli.add_command(load_data)
    app.cli.add_command(warm_command)
    app.cli.add_command(users_group)
    app.cli.add_command(analyze_command)
    app.cli.add_command(upstream_command)
    from webgis.cli_sheet import sheet_command

    app.cli.add_command(sheet_command)
    from webgis.cli_screen import screen_group

    app.cli.add_command(screen_group)
    from webgis.cli_drill import drill_group

    app.cli.add_command(drill_group)
    from webgis.cli_scenarios import scenarios_group

    app.cli.add_command(scenarios_group)
    from webgis.cli_learning import calibrate_command, ensemble_command

    app.cli.add_command(calibrate_command)
    app.cli.add_command(ensemble_command)
    from webgis.cli_source import source_search_command

    app.cli.add_command(source_search_command)
    app.cli.add_command(warm_sheets_command)
    app.cli.add_command(import_command)

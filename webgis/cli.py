"""The `webgis` command: Flask's CLI (so `webgis db upgrade` works) plus our own commands."""

from __future__ import annotations

import secrets
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, FlaskGroup, with_appcontext

from webgis import create_app, localdb


@click.group(cls=FlaskGroup, create_app=create_app)
def main() -> None:
    """Gansu river emergency GIS."""


# --- local PostGIS -------------------------------------------------------------------------


@main.group("localdb", cls=click.Group)
def localdb_group() -> None:
    """A project-local PostgreSQL + PostGIS under var/pg (no Docker)."""


def _localdb(action):
    try:
        return action()
    except localdb.LocalDbError as exc:
        raise click.ClickException(str(exc)) from None


@localdb_group.command("start")
def localdb_start() -> None:
    """Create on first use and start; safe to run again."""
    c = _localdb(localdb.start)
    click.echo(f"PostgreSQL + PostGIS running: {c.datadir} on 127.0.0.1:{c.port}")


@localdb_group.command("stop")
def localdb_stop() -> None:
    """Stop the local cluster if it runs."""
    was = _localdb(localdb.stop)
    click.echo("stopped" if was else "was not running")


@localdb_group.command("status")
def localdb_status() -> None:
    """Say whether the local cluster exists and runs."""
    click.echo(_localdb(localdb.status))


# --- data ----------------------------------------------------------------------------------


def _print_invalid(exc) -> None:
    click.echo("The dataset is invalid; nothing was written:", err=True)
    for line in str(exc).splitlines():
        click.echo(f"  {line}", err=True)


@click.command("load-data")
@click.argument("directory", required=False, type=click.Path(path_type=Path))
@with_appcontext
def load_data(directory: Path | None) -> None:
    """Validate DIRECTORY (default data/) and load it in one transaction."""
    from sqlalchemy.exc import SQLAlchemyError

    from webgis.dataset.read import DatasetInvalid
    from webgis.errors import DataError
    from webgis.extensions import db
    from webgis.services.loading import load

    root = directory or Path(current_app.config["DATA_DIR"])
    try:
        report = load(db.session, root)
        db.session.commit()
    except (DatasetInvalid, DataError) as exc:
        db.session.rollback()
        _print_invalid(exc)
        sys.exit(1)
    except SQLAlchemyError as exc:
        db.session.rollback()
        reason = getattr(exc, "orig", None) or exc
        click.echo(f"The database refused the data; nothing was written: {reason}", err=True)
        sys.exit(1)
    click.echo(f"Loaded {root}:")
    for line in report.lines():
        click.echo(f"  {line}")


@main.command("check-data", with_appcontext=False)
@click.argument("directory", required=False, type=click.Path(path_type=Path))
def check_data(directory: Path | None) -> None:
    """Check DIRECTORY (default data/): schema, references, network topology, linear refs."""
    from webgis.config import PROJECT_ROOT
    from webgis.dataset.checks import check
    from webgis.dataset.read import DatasetInvalid, read_dataset

    root = directory or PROJECT_ROOT / "data"
    try:
        ds = read_dataset(root)
    except DatasetInvalid as exc:
        _print_invalid(exc)
        sys.exit(1)
    problems, summary = check(ds)
    for line in summary:
        click.echo(line)
    if problems:
        click.echo(f"{len(problems)} problem(s):", err=True)
        for p in problems:
            click.echo(f"  {p}", err=True)
        sys.exit(1)
    click.echo("check-data: OK")


# --- users ---------------------------------------------------------------------------------


@click.group("users", cls=AppGroup)
def users_group() -> None:
    """Accounts, roles and API tokens."""


@users_group.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(["admin", "duty_officer", "planner", "field_team"]),
              required=True)
@click.option("--name", "display_name", default="", help="Display name.")
@click.option("--password", default=None,
              help="Password (prompted for when omitted; use --generate to print a random one).")
@click.option("--generate", is_flag=True, help="Generate a random password and print it once.")
def users_create(username: str, role: str, display_name: str, password: str | None,
                 generate: bool) -> None:
    """Create USERNAME with ROLE (there are no default accounts or passwords)."""
    from sqlalchemy import select

    from webgis.extensions import db
    from webgis.models import User

    if db.session.scalar(select(User).where(User.username == username)):
        raise click.ClickException(f"user {username!r} exists")
    if generate:
        password = secrets.token_urlsafe(12)
    elif password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < 10:
        raise click.ClickException("the password must have at least 10 characters")
    user = User(username=username, role=role, display_name=display_name)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    click.echo(f"created {username} ({role})")
    if generate:
        click.echo(f"password: {password}")


def _user_named(username: str):
    from sqlalchemy import select

    from webgis.extensions import db
    from webgis.models import User

    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(f"no user {username!r}")
    return user


def _utc(moment) -> str:
    from datetime import UTC

    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


@users_group.command("token")
@click.argument("username")
@click.option("--ttl-days", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Days the token stays valid (default WEBGIS_TOKEN_TTL_DAYS, 90).")
def users_token(username: str, ttl_days: float | None) -> None:
    """Issue a new API token for USERNAME (the previous one stops working).

    The token goes to standard output (alone, for scripts); its expiry to standard error.
    """
    from webgis.extensions import db

    user = _user_named(username)
    token = user.new_token(ttl_days or current_app.config["TOKEN_TTL_DAYS"])
    db.session.commit()
    click.echo(token)
    click.echo(f"expires {_utc(user.token_expires_at)}", err=True)


@users_group.command("revoke")
@click.argument("username")
@click.option("--token-only", is_flag=True, help="Revoke the API token, keep the sessions.")
@click.option("--sessions-only", is_flag=True, help="End the sessions, keep the API token.")
def users_revoke(username: str, token_only: bool, sessions_only: bool) -> None:
    """Revoke USERNAME's API token and end all their signed-in sessions (every device)."""
    from webgis.extensions import db

    if token_only and sessions_only:
        raise click.UsageError("--token-only and --sessions-only exclude each other")
    user = _user_named(username)
    done = []
    if not sessions_only:
        had = user.token_hash is not None
        user.revoke_token()
        done.append("API token revoked" if had else "no API token")
    if not token_only:
        user.revoke_sessions()
        done.append("all sessions ended")
    db.session.commit()
    click.echo(f"{username}: {', '.join(done)}")


@users_group.command("list")
def users_list() -> None:
    """List accounts, roles and when their API token expires."""
    from datetime import UTC, datetime

    from sqlalchemy import select

    from webgis.extensions import db
    from webgis.models import User

    now = datetime.now(UTC)
    for user in db.session.scalars(select(User).order_by(User.username)):
        state = "" if user.active else " (disabled)"
        if user.token_hash is None:
            token = "no token"
        elif user.token_valid(now):
            token = f"token expires {_utc(user.token_expires_at)}"
        else:
            token = "token expired"
        click.echo(f"{user.username:<20} {user.role:<14} {token}{state}")


# --- analysis ------------------------------------------------------------------------------


def analysis_options(command):
    """The spill options shared by `webgis analyze` and the commands built on it."""
    options = [
        click.option("--lon", type=float, required=True, help="Longitude of the spill."),
        click.option("--lat", type=float, required=True, help="Latitude of the spill."),
        click.option("--pollutant", required=True, help="Pollutant code (see /api/v1/pollutants)."),
        click.option("--mass-kg", type=float, required=True, help="Released mass (kg)."),
        click.option("--duration-h", type=float, default=0.0, show_default=True,
                     help="Release duration (h); 0 = instantaneous."),
        click.option("--season", type=click.Choice(["dry", "normal", "flood"]), default="normal",
                     show_default=True),
        click.option("--horizon-h", type=float, default=72.0, show_default=True,
                     help="How far ahead to follow the plume (h)."),
        click.option("--started-at", default=None, help="ISO-8601 start time (default: now)."),
        click.option("--discovered-at", default=None,
                     help="ISO-8601 time the spill was discovered; the reporting clock runs "
                          "from it (default: now, or the start if later)."),
        click.option("--deaths", type=int, default=None, help="Deaths so far (grading)."),
        click.option("--poisoned", type=int, default=None,
                     help="Poisoned or seriously injured (grading)."),
        click.option("--evacuated", type=int, default=None,
                     help="People evacuated or relocated (grading)."),
        click.option("--loss-cny", type=float, default=None,
                     help="Direct economic loss in CNY (grading)."),
        click.option("--sensitive-groups", is_flag=True, default=False,
                     help="Residential areas, schools or hospitals affected (Art. 4 (2)): "
                          "report as II/I."),
        click.option("--mass-incident", is_flag=True, default=False,
                     help="Mass incident or large social impact (Art. 4 (5)): report as II/I."),
        click.option("--ecology", type=click.Choice(
                         ["function_lost", "function_partly_lost", "species_damaged"]),
                     default=None, help="Ecological damage (2014 plan, ecology row: I, II, III)."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def analysis_request(lon, lat, pollutant, mass_kg, duration_h, season, horizon_h,
                     started_at, discovered_at=None, deaths=None, poisoned=None,
                     evacuated=None, loss_cny=None, sensitive_groups=False, mass_incident=False,
                     ecology=None) -> dict:
    """The API request body for the CLI options: both paths give the same result."""
    body = {"location": {"lon": lon, "lat": lat}, "pollutant": pollutant,
            "release": {"mass_kg": mass_kg, "duration_h": duration_h},
            "season": season, "horizon_h": horizon_h}
    if started_at:
        body["started_at"] = started_at
    if discovered_at:
        body["discovered_at"] = discovered_at
    if deaths is not None or poisoned is not None:
        body["casualties"] = {"deaths": deaths or 0, "poisoned": poisoned or 0}
    for key, value in (("evacuated", evacuated), ("loss_cny", loss_cny), ("ecology", ecology)):
        if value is not None:
            body[key] = value
    if sensitive_groups:
        body["sensitive_groups"] = True
    if mass_incident:
        body["mass_incident"] = True
    return body


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
    from webgis.extensions import db
    from webgis.services.analysis import run_analysis

    try:
        analysis = run_analysis(db.session, analysis_request(**options))
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


@click.command("warm")
@click.option("--season", "seasons", multiple=True, default=("normal",),
              type=click.Choice(["dry", "normal", "flood"]), show_default=True,
              help="Season(s) to warm; repeat the option for several.")
@with_appcontext
def warm_command(seasons: tuple[str, ...]) -> None:
    """Build the analysis' cached transfers (a notional spill above every reservoir)."""
    import time

    from webgis.extensions import db
    from webgis.hydro.transfer import cache_for
    from webgis.services.reference import get_reference
    from webgis.services.warmup import warm_transfers

    t0 = time.perf_counter()
    ref = get_reference(db.session)
    budget = int(current_app.config["TRANSFER_CACHE_MB"] * 2**20)
    runs, built = warm_transfers(ref, seasons, max_bytes=budget)
    mb = cache_for(ref.network).nbytes() / 2**20
    click.echo(f"warm: {runs} notional spills, {built} transfers built in "
               f"{time.perf_counter() - t0:.1f} s, {mb:.0f} MB held")


def register(app) -> None:
    """Commands that need the app (and its database) live on `app.cli`."""
    app.cli.add_command(load_data)
    app.cli.add_command(warm_command)
    app.cli.add_command(users_group)
    app.cli.add_command(analyze_command)
    from webgis.cli_sheet import sheet_command

    app.cli.add_command(sheet_command)

"""A project-local PostgreSQL + PostGIS cluster under `var/pg/`, without Docker.

It uses the machine's PostgreSQL binaries (Debian/Ubuntu layout
`/usr/lib/postgresql/<version>/bin`), listens on 127.0.0.1 only at a port that does not
clash with a system server (5433 by default) and trusts local connections: it is a
developer's and a test suite's database, not a production one. PostgreSQL refuses to run
as root, so as root it runs as the unprivileged `postgres` user of the Debian package.

It serves the data `scripts/run.sh` shows (database `webgis`), so it always runs with
`fsync`, `full_page_writes` and `synchronous_commit` on: a committed incident survives a
power cut. fsync is a setting of the whole cluster, and the tests' databases live in this
same cluster, so they get it too. Only a throw-away cluster a test makes for itself (its own
data directory and port) may pass ``fsync=False`` to `start`; a cluster found running
without fsync (started by an older version) is restarted with it.
"""

from __future__ import annotations

import hashlib
import os
import pwd
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from webgis.config import PROJECT_ROOT
from webgis.errors import WebgisError

SUPERUSER = "webgis"
DATABASES = ("webgis", "webgis_test")


class LocalDbError(WebgisError, RuntimeError):
    """The local cluster cannot be created or started; the message says what to do."""

    code = "local_database"


@dataclass(frozen=True)
class Cluster:
    """Where the cluster lives and with which binaries it runs."""

    bindir: Path
    datadir: Path
    port: int
    run_as: str | None  # None: the current user

    @property
    def logfile(self) -> Path:
        return self.datadir.parent / "postgres.log"


def _version_key(path: Path) -> float:
    try:
        return float(path.name)
    except ValueError:
        return 0.0


def install_command() -> str:
    """The exact command that installs what the local cluster needs."""
    return (
        "sudo apt-get update && sudo apt-get install -y postgresql postgresql-postgis "
        "# or, for a given version: postgresql-15 postgresql-15-postgis-3"
    )


def find_bindir() -> Path:
    """The newest installed PostgreSQL whose PostGIS extension is installed too."""
    override = os.environ.get("WEBGIS_PG_BINDIR")
    if override:
        return Path(override)
    roots = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: _version_key(p.parent))
    missing_postgis = []
    for bindir in reversed(roots):
        version = bindir.parent.name
        if not (bindir / "initdb").exists():
            continue
        if Path(f"/usr/share/postgresql/{version}/extension/postgis.control").exists():
            return bindir
        missing_postgis.append(version)
    if missing_postgis:
        v = missing_postgis[0]
        raise LocalDbError(
            f"PostgreSQL {v} is installed but PostGIS is not. Install it with:\n"
            f"  sudo apt-get install -y postgresql-{v}-postgis-3"
        )
    raise LocalDbError("PostgreSQL with PostGIS is not installed. Install it with:\n  " + (
        install_command()
    ))


def _traversable_by(user: str, path: Path) -> bool:
    """Whether `user` can reach `path` (every parent must be searchable)."""
    uid = pwd.getpwnam(user).pw_uid
    gid = pwd.getpwnam(user).pw_gid
    for parent in [path, *path.parents]:
        if not parent.exists():
            continue
        st = parent.stat()
        if st.st_uid == uid:
            mode_ok = st.st_mode & 0o100
        elif st.st_gid == gid:
            mode_ok = st.st_mode & 0o010
        else:
            mode_ok = st.st_mode & 0o001
        if not mode_ok:
            return False
    return True


def cluster() -> Cluster:
    """The cluster's settings for this checkout (env: WEBGIS_PGPORT, WEBGIS_PGDATA)."""
    port = int(os.environ.get("WEBGIS_PGPORT", "5433"))
    run_as = "postgres" if os.geteuid() == 0 else None
    default = PROJECT_ROOT / "var" / "pg" / "data"
    datadir = Path(os.environ.get("WEBGIS_PGDATA", default))
    if run_as and not _traversable_by(run_as, datadir.parent):
        # A checkout under a 0700 home directory: keep the cluster where postgres can reach it.
        digest = hashlib.sha1(str(PROJECT_ROOT).encode()).hexdigest()[:8]
        datadir = Path("/var/tmp") / f"webgis-pg-{digest}" / "data"
    return Cluster(find_bindir(), datadir, port, run_as)


def _run(c: Cluster, args: list[str], check: bool = True) -> subprocess.CompletedProcess:
    cmd = [str(c.bindir / args[0]), *args[1:]]
    if c.run_as:
        cmd = ["runuser", "-u", c.run_as, "--", *cmd]
    return subprocess.run(cmd, capture_output=True, text=True, check=check, cwd="/")


def _ensure_dirs(c: Cluster) -> None:
    c.datadir.parent.mkdir(parents=True, exist_ok=True)
    if c.run_as:
        pw = pwd.getpwnam(c.run_as)
        shutil.chown(c.datadir.parent, pw.pw_uid, pw.pw_gid)
        if c.datadir.exists():
            shutil.chown(c.datadir, pw.pw_uid, pw.pw_gid)


def _initdb(c: Cluster) -> None:
    _ensure_dirs(c)
    proc = _run(
        c,
        ["initdb", "-D", str(c.datadir), "-A", "trust", "-U", SUPERUSER, "-E", "UTF8",
         "--locale=C.UTF-8"],
        check=False,
    )
    if proc.returncode != 0:
        raise LocalDbError(f"initdb failed:\n{proc.stdout}\n{proc.stderr}")


def _pid_alive(pid: int) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return b"postgres" in cmdline


def _clear_stale_pidfile(c: Cluster) -> bool:
    """Remove postmaster.pid when its process is gone (or the pid was reused)."""
    pidfile = c.datadir / "postmaster.pid"
    if not pidfile.exists():
        return False
    try:
        pid = int(pidfile.read_text().splitlines()[0])
    except (ValueError, IndexError, OSError):
        pid = -1
    if pid > 0 and _pid_alive(pid):
        return False
    pidfile.unlink()
    return True


def is_running(c: Cluster) -> bool:
    """Whether the cluster answers on its port."""
    proc = _run(c, ["pg_isready", "-h", "127.0.0.1", "-p", str(c.port), "-q"], check=False)
    return proc.returncode == 0


def _psql(c: Cluster, sql: str, dbname: str = "postgres") -> str:
    proc = _run(
        c,
        ["psql", "-h", "127.0.0.1", "-p", str(c.port), "-U", SUPERUSER, "-d", dbname,
         "-v", "ON_ERROR_STOP=1", "-tAc", sql],
        check=False,
    )
    if proc.returncode != 0:
        raise LocalDbError(f"psql failed: {proc.stderr.strip()}")
    return proc.stdout.strip()


def _ensure_databases(c: Cluster) -> None:
    for name in DATABASES:
        if _psql(c, f"SELECT 1 FROM pg_database WHERE datname = '{name}'") != "1":
            _psql(c, f'CREATE DATABASE "{name}"')
        _psql(c, "CREATE EXTENSION IF NOT EXISTS postgis", dbname=name)


def durability(c: Cluster) -> dict[str, str]:
    """The running cluster's fsync, full_page_writes and synchronous_commit settings."""
    names = ("fsync", "full_page_writes", "synchronous_commit")
    out = _psql(c, "SELECT string_agg(name || '=' || setting, ',' ORDER BY name) FROM "
                "pg_settings WHERE name IN ('" + "','".join(names) + "')")
    return dict(item.split("=", 1) for item in out.split(","))


def start(wait_s: float = 30.0, *, fsync: bool = True) -> Cluster:
    """Create on first use, start if stopped, recover from a stale pid file; idempotent.

    `fsync=False` is for a test's own throw-away cluster only (see the module docstring).
    """
    c = cluster()
    if not (c.datadir / "PG_VERSION").exists():
        _initdb(c)
    _ensure_dirs(c)
    if is_running(c):
        if durability(c).get("fsync") == ("on" if fsync else "off"):
            _ensure_databases(c)
            return c
        # started with other durability settings: restart with the wanted ones
        _run(c, ["pg_ctl", "-D", str(c.datadir), "-m", "fast", "-w", "stop"], check=False)
    _clear_stale_pidfile(c)
    safe = "on" if fsync else "off"
    options = (f"-p {c.port} -k {c.datadir} -c listen_addresses=127.0.0.1 -c fsync={safe} "
               f"-c full_page_writes={safe} -c synchronous_commit={safe}")
    deadline = time.monotonic() + wait_s
    last_error = ""
    while True:
        proc = _run(
            c,
            ["pg_ctl", "-D", str(c.datadir), "-o", options, "-l", str(c.logfile), "-w", "-t",
             "20", "start"],
            check=False,
        )
        if proc.returncode == 0 and is_running(c):
            break
        last_error = proc.stderr.strip() or proc.stdout.strip()
        # After a kill -9 the old backends may linger a moment holding shared memory.
        if time.monotonic() > deadline:
            tail = c.logfile.read_text(errors="replace")[-2000:] if c.logfile.exists() else ""
            raise LocalDbError(f"could not start PostgreSQL: {last_error}\n{tail}")
        time.sleep(1.0)
        _clear_stale_pidfile(c)
    _ensure_databases(c)
    return c


def stop() -> bool:
    """Stop the cluster if it runs; returns whether it was running."""
    c = cluster()
    if not (c.datadir / "PG_VERSION").exists():
        return False
    if not is_running(c):
        _clear_stale_pidfile(c)
        return False
    _run(c, ["pg_ctl", "-D", str(c.datadir), "-m", "fast", "-w", "stop"], check=False)
    return True


def status() -> str:
    """A one-line human status."""
    c = cluster()
    if not (c.datadir / "PG_VERSION").exists():
        return f"not created (would live in {c.datadir}, port {c.port})"
    state = "running" if is_running(c) else "stopped"
    return f"{state}: {c.datadir} on 127.0.0.1:{c.port} (PostgreSQL binaries {c.bindir})"

"""`webgis localdb`: idempotent start, and recovery after the server is killed."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from webgis import localdb
from webgis.config import PROJECT_ROOT

PORT = "5439"


@pytest.fixture
def scratch_cluster(monkeypatch):
    """A throw-away cluster beside the real one (under var/, reachable by `postgres`)."""
    datadir = PROJECT_ROOT / "var" / f"test-pg-{os.getpid()}" / "data"
    monkeypatch.setenv("WEBGIS_PGPORT", PORT)
    monkeypatch.setenv("WEBGIS_PGDATA", str(datadir))
    yield datadir
    localdb.stop()
    shutil.rmtree(datadir.parent, ignore_errors=True)


def _cli(*args: str) -> subprocess.CompletedProcess:
    webgis = Path(os.environ.get("VIRTUAL_ENV", PROJECT_ROOT / ".venv")) / "bin" / "webgis"
    return subprocess.run([str(webgis), "localdb", *args], capture_output=True, text=True,
                          env=os.environ.copy(), timeout=120)


def test_start_twice_then_recover_from_kill(scratch_cluster):
    first = _cli("start")
    assert first.returncode == 0, first.stderr
    assert "running" in first.stdout
    second = _cli("start")
    assert second.returncode == 0, second.stderr
    assert "running" in _cli("status").stdout

    pid = int((scratch_cluster / "postmaster.pid").read_text().splitlines()[0])
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while localdb.is_running(localdb.cluster()) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not localdb.is_running(localdb.cluster())
    assert (scratch_cluster / "postmaster.pid").exists()  # stale

    again = _cli("start")
    assert again.returncode == 0, again.stderr + again.stdout
    assert localdb.is_running(localdb.cluster())
    out = localdb._psql(localdb.cluster(), "SELECT postgis_lib_version()", dbname="webgis")
    assert out.startswith("3.")

    assert "stopped" in _cli("stop").stdout
    assert "stopped" in _cli("status").stdout


def test_missing_binaries_print_the_install_command(monkeypatch):
    monkeypatch.setattr(localdb, "Path", _NoPostgres)
    with pytest.raises(localdb.LocalDbError, match="apt-get install"):
        localdb.find_bindir()


class _NoPostgres(type(Path())):
    """A Path whose /usr/lib/postgresql holds nothing."""

    def glob(self, pattern):
        return iter(()) if str(self) == "/usr/lib/postgresql" else super().glob(pattern)

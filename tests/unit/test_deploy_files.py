"""The deployment files agree with each other: the lock pins what pyproject asks for, the
image installs from the lock, and compose publishes only the TLS proxy."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]


def _pins() -> dict[str, str]:
    text = (ROOT / "requirements.lock").read_text()
    return {canonicalize_name(m[1]): m[2]
            for m in re.finditer(r"^([A-Za-z0-9_.\-]+)==([^\s\\;]+)", text, re.MULTILINE)}


def test_lock_pins_every_runtime_dependency_within_its_range():
    """Fails after a change to [project].dependencies until `scripts/lock.sh` is re-run."""
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    pins = _pins()
    wrong = []
    for dep in map(Requirement, deps):
        version = pins.get(canonicalize_name(dep.name))
        if version is None or not dep.specifier.contains(version, prereleases=True):
            wrong.append(f"{dep} (lock: {version})")
    assert not wrong, f"requirements.lock is stale, run scripts/lock.sh: {wrong}"
    lock = (ROOT / "requirements.lock").read_text()
    assert "--hash=sha256:" in lock and "-e " not in lock


def test_image_installs_the_lock_and_the_app_non_editable():
    steps = (ROOT / "Dockerfile").read_text()
    assert re.search(r"pip install --require-hashes -r \S*requirements\.lock", steps)
    assert re.search(r"pip install --no-deps ", steps)
    assert "pip install -e" not in steps and "--editable" not in steps


def test_compose_publishes_only_the_tls_proxy():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"db", "app", "proxy", "dask-scheduler", "dask-worker"}
    for name in ("dask-scheduler", "dask-worker"):  # issue 15: never published
        assert "ports" not in services[name]
    for name, service in services.items():
        assert service.get("healthcheck", {}).get("test"), f"{name} has no health check"
    app, proxy = services["app"], services["proxy"]
    assert "ports" not in app and "ports" not in services["db"]
    assert str(app["environment"]["WEBGIS_TRUSTED_PROXIES"]) == "1"
    assert app["environment"]["WEBGIS_SECURE_COOKIES"].endswith("true}")
    assert proxy["image"].startswith("caddy:")
    assert any(v.startswith("./docker/Caddyfile:/etc/caddy/Caddyfile") for v in proxy["volumes"])
    assert any("443" in p for p in proxy["ports"])
    caddyfile = (ROOT / "docker" / "Caddyfile").read_text()
    assert "tls {$WEBGIS_TLS:internal}" in caddyfile
    assert re.search(r"reverse_proxy \{\$WEBGIS_UPSTREAM:app:5000\}", caddyfile)

"""The product served as `scripts/run.sh` serves it (gunicorn with `gunicorn.conf.py`):
over-long URLs and headers get the product's JSON error, whether the app or gunicorn itself
refuses them, and the `Server` header names no version."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(database_url):
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "gunicorn-edge-test",
           "WEBGIS_PUBLIC_READ": "true", "WEBGIS_WARM_TRANSFERS": "false",
           "WEBGIS_WARM_SHEETS": "false"}
    gunicorn = Path(sys.executable).parent / "gunicorn"
    proc = subprocess.Popen(
        [str(gunicorn), "--config", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}",
         "--workers", "1", "webgis:create_app()"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            if proc.poll() is not None:
                pytest.fail("gunicorn exited: " + proc.stderr.read().decode()[-2000:])
            time.sleep(0.2)
    try:
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        proc.stderr.close()


def _raw(port: int, request: bytes) -> tuple[int, dict[str, str], bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(request)
        sock.shutdown(socket.SHUT_WR)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        key, _, value = line.partition(":")
        headers[key.strip().lower()] = value.strip()
    return int(lines[0].split()[1]), headers, body


def _get(port: int, path: str, extra: str = "") -> tuple[int, dict[str, str], bytes]:
    req = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n{extra}\r\n"
    return _raw(port, req.encode("latin-1"))


def _is_error_json(headers, body) -> bool:
    if not headers.get("content-type", "").startswith("application/json"):
        return False
    parsed = json.loads(body)
    return isinstance(parsed["error"], str) and isinstance(parsed["fields"], dict)


@pytest.mark.parametrize("length", [7000, 9000, 20000])
def test_long_urls_are_414_json(server, length):
    status, headers, body = _get(server, "/api/v1/rivers?zoom=" + "1" * length)
    assert status == 414 and _is_error_json(headers, body), body[:200]


@pytest.mark.parametrize("size", [9000, 20000])
def test_large_headers_are_431_json(server, size):
    status, headers, body = _get(server, "/api/v1/layers", f"X-Pad: {'x' * size}\r\n")
    assert status == 431 and _is_error_json(headers, body), body[:200]


def test_many_headers_are_431_json(server):
    extra = "".join(f"X-H{i}: v\r\n" for i in range(150))
    status, headers, body = _get(server, "/api/v1/layers", extra)
    assert status == 431 and _is_error_json(headers, body)
    extra = "".join(f"X-H{i}: v\r\n" for i in range(300))
    status, headers, body = _get(server, "/api/v1/layers", extra)
    assert status in (400, 431) and _is_error_json(headers, body)


def test_malformed_request_is_json(server):
    status, headers, body = _raw(server, b"GET /api/v1/layers HTTP/1.1\r\nBad Header\r\n\r\n")
    assert status == 400 and _is_error_json(headers, body)


def test_server_header_has_no_version(server):
    status, headers, body = _get(server, "/api/v1/layers")
    assert status == 200
    assert "gunicorn" not in headers.get("server", "").lower()
    assert not any(ch.isdigit() for ch in headers.get("server", ""))
    assert headers["x-content-type-options"] == "nosniff"

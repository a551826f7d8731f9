"""Behind a reverse proxy: X-Forwarded-* believed for WEBGIS_TRUSTED_PROXIES hops only."""

from __future__ import annotations

import pytest
from flask import jsonify, request

FORWARDED = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7",
             "X-Forwarded-Host": "yingji.example.gov.cn", "X-Forwarded-Port": "443"}


def _app(app, hops):
    from webgis import create_app

    probe = create_app({**app.config, "TRUSTED_PROXIES": hops})

    @probe.get("/_test/seen")
    def seen():
        return jsonify(scheme=request.scheme, remote=request.remote_addr, host=request.host,
                       secure=request.is_secure)

    return probe


def test_forwarded_headers_are_ignored_by_default(app, monkeypatch):
    from webgis.config import from_environment

    monkeypatch.delenv("WEBGIS_TRUSTED_PROXIES", raising=False)
    assert from_environment()["TRUSTED_PROXIES"] == 0
    seen = _app(app, 0).test_client().get("/_test/seen", headers=FORWARDED).get_json()
    assert seen == {"scheme": "http", "remote": "127.0.0.1", "host": "localhost",
                    "secure": False}


def test_one_trusted_proxy_gives_the_client_scheme_address_and_host(app, monkeypatch):
    from webgis.config import from_environment

    monkeypatch.setenv("WEBGIS_TRUSTED_PROXIES", "1")
    assert from_environment()["TRUSTED_PROXIES"] == 1
    client = _app(app, 1).test_client()
    seen = client.get("/_test/seen", headers=FORWARDED).get_json()
    assert seen == {"scheme": "https", "remote": "203.0.113.7",
                    "host": "yingji.example.gov.cn", "secure": True}
    # a client's own X-Forwarded-For in front of the proxy's entry is not believed
    spoofed = client.get("/_test/seen", headers={
        **FORWARDED, "X-Forwarded-For": "10.9.9.9, 203.0.113.7"}).get_json()
    assert spoofed["remote"] == "203.0.113.7"


def test_a_negative_count_is_refused(app):
    with pytest.raises(RuntimeError, match="WEBGIS_TRUSTED_PROXIES"):
        _app(app, -1)

"""The bad-input battery (issue 12): every route of the app, every method it has (and some
it has not), bad path values, bad query parameters, bad bodies and wrong content types, as
an anonymous visitor and as a signed-in duty officer. Not one answer may be a 5xx, and every
error under /api, /map, /healthz or on a data file route must be `{"error", "fields"}` JSON.
"""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest

from webgis.models import User

PASSWORD = "battery test password"
BODY = {
    "location": {"lon": 103.1, "lat": 35.92},
    "pollutant": "BENZENE",
    "release": {"mass_kg": 2000, "duration_h": 0},
    "season": "normal",
    "horizon_h": 72,
}
JSON_PREFIXES = ("/api/", "/map/", "/healthz")
DATA_SUFFIXES = (".json", ".pdf", ".zip", ".geojson", ".kml", ".gpx", ".xlsx")

INT_VALUES = ("999999", "0", "2147483648", "99999999999999999999", "9" * 40, "-1", "1.5",
              "%00", "%D9%A3", "1e3")
STR_VALUES = ("rivers", "zz", "%00", "%ff%fe", "A" * 3000, "%F0%9F%92%A9", "..%2F..%2Fetc",
              "%0d%0aX-Injected:1", "%ED%A0%80", "pdf", "exe", "map-xx.js", "%09")
QUERIES = (
    "zoom=%C2%B2", "zoom=%00", "zoom=1e309", "zoom=-1", "zoom=nan", "zoom=" + "9" * 400,
    "limit=%C2%B2", "limit=-1", "limit=" + "9" * 30, "limit=%D9%A1%D9%A0",
    "bbox=nan,nan,nan,nan", "bbox=1,2", "bbox=%C2%B9,%C2%B2,%C2%B3,%E2%81%B4",
    "bbox=1,2,3,inf", "bbox=" + ",".join(["1"] * 400),
    "lang=xx", "lang=%00", "format=exe", "format=%ED%A0%80", "season=%00",
    "season=monsoon", "v=" + "x" * 500, "download", "scenario=%7Bbad",
    "next=http://evil.example/", "zoom=4&zoom=5&zoom=x", "%ff=%fe", "a=%01%02%03",
)


def _deep(n: int) -> bytes:
    return b"[" * n + b"]" * n


def _json(obj) -> bytes:
    return json.dumps(obj).encode()


def _bodies() -> list[tuple[str, bytes]]:
    j = "application/json"
    bad_requests = [
        {**BODY, "started_at": "9999-12-31T23:59:59"},
        {**BODY, "started_at": "0001-01-01T00:00:00+14:00"},
        {**BODY, "started_at": ["2026"]},
        {**BODY, "release": {"mass_kg": 2**70}},
        {**BODY, "release": {"mass_kg": -(2**90), "duration_h": 2**65}},
        {**BODY, "casualties": {"deaths": 2**64, "poisoned": 1.5}},
        {**BODY, "location": [103, 36]},
        {**BODY, "location": {"lon": "103", "lat": True}},
        {**BODY, "pollutant": ["BENZENE"]},
        {**BODY, "season": {"x": 1}},
        {**BODY, "horizon_h": 1e308},
        {"request": {**BODY, "started_at": "9999-12-31T23:00:00"}},
        {"request": BODY, "kind": ["x"], "title": 5},
        {"request": BODY, "title": "t" * 5000},
        {"request": "BODY"},
    ]
    out: list[tuple[str, bytes]] = [(j, _json(b)) for b in bad_requests]
    out += [
        (j, b""), (j, b"{"), (j, b"[]"), (j, b"null"), (j, b"1e999"), (j, b'"str"'),
        (j, b'{"location": {"lon": 1e999, "lat": NaN}}'), (j, _deep(10_000)),
        (j, _deep(33)), (j, b'{"a":' * 2000 + b"1" + b"}" * 2000),
        (j, b'{"pollutant": "\\ud800", "location": {"lon": 1, "lat": 1}}'),
        (j, b'{"pollutant": "BEN\\u0000ZENE"}'), (j, b'{"\\udfff": 1}'),
        (j, b'{"title": "\\u001b[2J", "request": {}}'),
        (j, b'{"evacuated": ' + b"9" * 5000 + b"}"), (j, b"\xff\xfe\xfd"),
        (j, b'{"a": 1, "a": 2}'), (j, b"{" + b'"k":1,' * 5000 + b'"z":0}'),
        ("text/plain", _json(BODY)), ("application/xml", b"<a/>"),
        ("application/x-www-form-urlencoded", b"username=%00&password=%ff&csrf_token=x"),
        ("application/x-www-form-urlencoded", b"username=" + b"a" * 5000 + b"&password=b"),
        ("multipart/form-data; boundary=zz", b"--zz\r\nContent-Disposition: broken\r\n"),
        ("multipart/form-data", b"no boundary"),
        ("application/json; charset=utf-16", "{}".encode("utf-16")),
        ("application/octet-stream", b"\x00" * 64),
    ]
    return out


def _fill(rule, values_for) -> list[str]:
    """URLs of `rule` with each bad value in turn in each argument (others plausible)."""
    args = sorted(rule.arguments)
    if not args:
        return [rule.rule]
    plausible = {a: values_for(rule, a)[0] for a in args}
    urls = []
    for arg in args:
        for value in values_for(rule, arg):
            filled = {**plausible, arg: value}
            url = rule.rule
            for name in args:
                url = re.sub(r"<(?:[^:<>]+:)?" + name + r">", filled[name], url)
            urls.append(url)
    return urls


def _values_for(rule, arg) -> tuple[str, ...]:
    kind = type(rule._converters[arg]).__name__
    if kind == "IdConverter" or "Integer" in kind:
        return INT_VALUES
    if kind == "PathConverter":
        return ("vendor/leaflet/leaflet.js", "..%2F..%2Fpyproject.toml", "%00", "A" * 3000)
    if arg == "fmt":
        return ("geojson", "exe", "%00", "pdf.", "%ED%A0%80")
    return STR_VALUES


@pytest.fixture
def battery_app(app):
    """The test app without CSRF, so the bad bodies reach the views. Its engine is closed
    afterwards: routes that read through it directly (the /ogc extents) leave a pooled
    connection that would otherwise be collected open (a ResourceWarning)."""
    from webgis import create_app
    from webgis.extensions import db

    made = create_app({**app.config, "WTF_CSRF_ENABLED": False})
    yield made
    with made.app_context():
        db.engine.dispose()


@pytest.fixture
def clients(battery_app, session):
    user = User(username="battery_officer", role="duty_officer")
    user.set_password(PASSWORD)
    session.add(user)
    session.commit()
    anonymous = battery_app.test_client()
    officer = battery_app.test_client()
    resp = officer.post("/login", data={"username": "battery_officer", "password": PASSWORD})
    assert resp.status_code == 302
    return {"anonymous": anonymous, "officer": officer}


def _wants_json(path: str) -> bool:
    path = path.split("?", 1)[0]
    return path.startswith(JSON_PREFIXES) or path.endswith(DATA_SUFFIXES)


def test_bad_input_battery(battery_app, clients, capsys):
    requests: list[tuple[str, str, str, str | None, bytes | None]] = []
    rules = list(battery_app.url_map.iter_rules())
    for rule in rules:
        methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
        for url in _fill(rule, _values_for):
            for method in methods:
                if method == "GET":
                    requests.append(("anonymous", method, url, None, None))
                else:
                    for ctype, data in _bodies():
                        requests.append(("officer", method, url, ctype, data))
            for wrong in ({"PUT", "DELETE", "PATCH"} - rule.methods):
                requests.append(("anonymous", wrong, url, "application/json", b"{}"))
        url = _fill(rule, _values_for)[0]
        for method in methods:
            for query in QUERIES:
                for who in ("anonymous", "officer"):
                    requests.append((who, method, f"{url}?{query}", "application/json",
                                     _json(BODY) if method != "GET" else None))
    # the limits: too large a body, too long a URL, too many or too large headers
    requests.append(("anonymous", "POST", "/api/v1/incidents/analyze", "application/json",
                     b'{"pad": "' + b"x" * (battery_app.config["MAX_CONTENT_LENGTH"]) + b'"}'))
    requests.append(("anonymous", "GET", "/api/v1/rivers?zoom=" + "1" * 20_000, None, None))

    seen: Counter[int] = Counter()
    failures: list[str] = []
    for who, method, url, ctype, data in requests:
        client = clients[who]
        resp = client.open(url, method=method, data=data, content_type=ctype)
        seen[resp.status_code] += 1
        where = f"{who} {method} {url[:120]} {ctype} {(data or b'')[:60]!r}"
        if resp.status_code >= 500:
            failures.append(f"{resp.status_code} {where}: {resp.get_data()[:200]!r}")
        elif resp.status_code >= 400 and _wants_json(url):
            body = None
            if resp.mimetype == "application/json":
                body = json.loads(resp.get_data())
            if not (isinstance(body, dict) and isinstance(body.get("error"), str)
                    and isinstance(body.get("fields"), dict)):
                failures.append(f"not JSON {resp.status_code} {where}")
        resp.close()
    # huge headers through the same app
    resp = clients["anonymous"].get("/api/v1/layers", headers={"X-Pad": "x" * 40_000})
    seen[resp.status_code] += 1
    if resp.status_code >= 500 or resp.mimetype != "application/json":
        failures.append(f"{resp.status_code} huge header")
    resp.close()
    total = sum(seen.values())
    server_errors = sum(n for code, n in seen.items() if code >= 500)
    with capsys.disabled():
        print(f"\nbad-input battery: {total} requests over {len(rules)} routes, "
              f"{server_errors} × 5xx; statuses {dict(sorted(seen.items()))}")
    assert total >= 400
    assert not failures, "\n".join(failures[:40]) + f"\n... {len(failures)} in all"

"""Schemathesis against the live app from its own OpenAPI document (issue 13).

Every operation of ``/api/v1/openapi.json`` gets generated requests, valid (positive) and
invalid (negative), sent through the WSGI app on the test database (rolled back after).
Bounded: `POSITIVE` + `NEGATIVE` cases per operation, at least `MIN_CASES` in all. Checks:
no 5xx; every response's status, content type and body conform to the document; every 4xx
is `{"error", "fields"}` JSON, and a 400 or 422 names the field in `fields`.

Valid requests rarely hit a real layer name or pollutant code by chance, so half of the
positive cases get one from the data (the mini dataset) and a point on its river.
"""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

POSITIVE = 50
NEGATIVE = 40
MIN_CASES = 1000
LAYERS = ("rivers", "reaches", "receptors", "depots", "pollutants", "admin_areas")
POLLUTANTS = ("BENZENE", "ANTIMONY", "PHENOL")
ON_RIVER = {"lon": 103.1, "lat": 35.92}  # on the mini dataset's main river
PLAIN = {"Accept-Encoding": "identity"}


def error_body_names_the_field(ctx, response, case) -> bool | None:
    """Every 4xx is `{"error": str, "fields": {...}}` JSON; a 400 or 422 names a field."""
    if not 400 <= response.status_code < 500:
        return None
    body = response.json()
    assert isinstance(body, dict) and isinstance(body.get("error"), str), body
    assert isinstance(body.get("fields"), dict), body
    if response.status_code in (400, 422):
        assert body["fields"], f"{response.status_code} names no field: {body}"
    return True


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, error_body_names_the_field]


def _realistic(case, rng_seed: int):
    """Half of the valid cases: a real layer name, pollutant and a point on the river."""
    rng = random.Random(rng_seed)
    if rng.random() < 0.5:
        return case
    if case.path_parameters and "name" in case.path_parameters:
        case.path_parameters["name"] = rng.choice(LAYERS)
    if case.path == "/api/v1/upstream":  # a start on the river, not a reach code as well
        case.query = {k: v for k, v in (case.query or {}).items() if k != "reach"}
        case.query.update(ON_RIVER)
    body = case.body
    if isinstance(body, dict) and "pollutant" in body and "/sheets" not in case.path:
        body["pollutant"] = rng.choice(POLLUTANTS)  # sheets stay cheap: no PDF per case
        body["location"] = dict(ON_RIVER)
    return case


def _run(operation, mode: GenerationMode, n: int, seen: Counter) -> None:
    strategy = operation.as_strategy(generation_mode=mode)
    if mode == GenerationMode.POSITIVE:
        strategy = st.tuples(strategy, st.integers(0, 2**16)).map(lambda t: _realistic(*t))

    @settings(max_examples=n, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def test(case: Any) -> None:
        # plain bodies: schemathesis' WSGI transport would not un-gzip a layer read
        response = case.call(headers=PLAIN)
        seen[response.status_code] += 1
        seen["cases"] += 1
        case.validate_response(response, checks=CHECKS)

    test()


@pytest.fixture
def schema(app, session):
    from webgis.limits import limiter

    was = limiter.enabled
    limiter.enabled = False  # the generated traffic is far above any rate limit
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    finally:
        limiter.enabled = was


def test_openapi_document_holds_every_api_route(app, session):
    doc = app.test_client().get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.1")
    api_rules = {r.rule for r in app.url_map.iter_rules()
                 if r.rule.startswith("/api/v1/") and r.endpoint.startswith("api.")
                 and r.endpoint != "api.openapi_document"}
    paths = {p.replace("{", "<").replace("}", ">") for p in doc["paths"]}
    documented = {r for r in api_rules
                  if r.replace("<int:", "<") in paths or r in paths}
    assert documented == api_rules
    for ops in doc["paths"].values():
        for op in ops.values():
            assert "200" in op["responses"] or "201" in op["responses"]
            assert "422" in op["responses"] and "400" in op["responses"]


def test_schemathesis_every_operation(schema):
    seen: Counter = Counter()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 14
    for operation in operations:
        _run(operation, GenerationMode.POSITIVE, POSITIVE, seen)
        try:
            _run(operation, GenerationMode.NEGATIVE, NEGATIVE, seen)
        except Unsatisfiable:  # nothing can be invalid: only text path values, or nothing
            seen["operations without invalid cases"] += 1
    statuses = {k: v for k, v in seen.items() if isinstance(k, int)}
    print(f"schemathesis: {seen['cases']} cases over {len(operations)} operations; "
          f"statuses {dict(sorted(statuses.items()))}; "
          f"{seen['operations without invalid cases']} operations without invalid cases")
    assert seen["cases"] >= MIN_CASES
    assert 200 in seen and 422 in seen  # both valid and invalid requests were answered

"""OGC API - Features at `/ogc`, served by pygeoapi over the views in schema `ogc`.

pygeoapi does the standard (landing page, conformance, collections, items with `bbox`,
`limit`/`offset` and `next` links, property filters, item by id, CRS84); this module only
drives its `API` object from a Flask blueprint, the way pygeoapi's own `flask_app.py` does,
with a configuration generated here from our settings (no YAML to drift) and our access
rules in front:

* `PUBLIC_READ` on: anyone reads the layers. Off (and for the collections in
  `SIGNED_IN_ONLY` always: anonymous users never see incidents, drills or planners'
  scenarios): a signed-in session, `Authorization:
  Bearer <token>`, or HTTP Basic with the API token as the password (any username), which
  is what GDAL and QGIS can send. Otherwise 401 JSON with `WWW-Authenticate: Basic
  realm="webgis"`.
* Read only: GET/HEAD; pygeoapi's transactions are never configured.
* JSON by default, also for browsers: pygeoapi's HTML pages load Leaflet from a CDN and
  its own static files and scripts, which an offline deployment with a strict CSP does not
  serve; `f=html` is refused with a JSON error naming the parameter.

The provider is pygeoapi's PostgreSQL provider on psycopg 3 (the driver the app already
uses) instead of its hard-coded psycopg2, so the install gains no second PostgreSQL driver.
"""

from __future__ import annotations

import logging
import math
import threading
from collections import OrderedDict
from typing import Any

import orjson
from flask import Blueprint, Flask, Response, current_app, make_response, request
from flask_login import current_user
from sqlalchemy.engine import make_url

from webgis.errors import BadRequest, Unauthorized

SCHEMA = "ogc"
PREFIX = "/ogc"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
# When a view is empty (no data loaded yet): Gansu and its downstream neighbours.
FALLBACK_BBOX = [89.0, 30.0, 112.0, 43.5]

# Collection id (= view name in schema `ogc`) -> (title zh, title en, description en).
COLLECTIONS: dict[str, tuple[str, str, str]] = {
    "rivers": ("河流", "Rivers", "Rivers, each the collection of its reaches' lines."),
    "reaches": ("河段", "Reaches",
                "River reaches with discharge, seasonal factors and the downstream reach."),
    "admin_areas": ("行政区", "Administrative areas", "Province, prefecture, county areas."),
    "places": ("地名", "Places", "Towns and other named places."),
    "enterprises": ("风险企业", "Risk enterprises",
                    "Enterprises with their risk level, outfall reach and substances."),
    "depots": ("物资库", "Material depots", "Emergency material depots and their materials."),
    "teams": ("救援队伍", "Rescue teams", "Emergency rescue teams."),
    "intakes": ("饮用水水源地取水口", "Drinking-water intakes",
                "Centralised drinking-water intakes on the reaches."),
    "sections": ("监测断面", "Monitoring sections", "Water-quality monitoring sections."),
    "interception_points": ("拦截点", "Interception points",
                            "Interception spaces and dosing points with capacity and "
                            "techniques."),
    "incidents": ("已保存事件路径", "Saved incidents' paths",
                  "The predicted downstream path of each saved real incident (the analysis "
                  "as saved; no author). Drills are in `drills`, never here."),
    "drills": ("【演练 DRILL】演练路径", "Drills' paths (DRILL, not real incidents)",
               "The predicted downstream path of each drill, every title prefixed "
               "【演练 DRILL】 and is_drill true, so no client takes one for a real spill."),
    "scenario_paths": ("预案情景路径", "Saved scenarios' paths",
                       "The predicted downstream path of each saved spill scenario (the "
                       "planners' library), its first intake or section and worst-case "
                       "arrival there, its author and the dataset version it was computed "
                       "on."),
}

#: Collections never for anonymous readers, PUBLIC_READ or not: saved incidents (issue 14),
#: drills and the planners' scenarios (with their authors). Their advertised extent is the
#: fallback box (it would otherwise tell where they are, and go stale as they are saved).
SIGNED_IN_ONLY = frozenset({"incidents", "drills", "scenario_paths"})

bp = Blueprint("ogc", __name__, url_prefix=PREFIX)

_LOCK = threading.Lock()
_MAX_APIS = 8  # one API object per public base URL; bounded (the Host header is the client's)


def _connection(app: Flask) -> tuple[dict[str, Any], dict[str, Any]]:
    """pygeoapi's `data` block and connection options, from the app's database URL."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    data: dict[str, Any] = {"dbname": url.database, "user": url.username,
                            "search_path": [SCHEMA]}
    if url.host:
        data["host"] = url.host
    if url.port:
        data["port"] = url.port
    if url.password is not None:
        data["password"] = url.password
    options = {k: (v if isinstance(v, str) else v[-1]) for k, v in url.query.items()}
    return data, options


def _extents(app: Flask) -> dict[str, list[float]]:
    """Each view's bounding box (lon/lat), read once per process, for clients' zoom-to."""
    cache = app.extensions.setdefault("webgis_ogc", {})
    if "extents" in cache:
        return cache["extents"]
    from webgis.services.layers import view_extents

    public = [name for name in COLLECTIONS if name not in SIGNED_IN_ONLY]
    extents = view_extents(SCHEMA, public, FALLBACK_BBOX)
    extents.update({name: list(FALLBACK_BBOX) for name in SIGNED_IN_ONLY})
    cache["extents"] = extents
    return extents


def pygeoapi_config(app: Flask, base_url: str) -> dict[str, Any]:
    """The whole pygeoapi configuration, generated from our settings and `COLLECTIONS`."""
    data, options = _connection(app)
    extents = _extents(app)
    resources: dict[str, Any] = {}
    for name, (title_zh, title_en, description) in COLLECTIONS.items():
        provider: dict[str, Any] = {
            "type": "feature",
            "name": "webgis.ogc_provider.PostgreSQLProvider",
            "data": dict(data),
            "id_field": "id",
            "table": name,
            "geom_field": "geom",
            "storage_crs": CRS84,
        }
        if options:
            provider["options"] = dict(options)
        resources[name] = {
            "type": "collection",
            "title": {"zh": title_zh, "en": title_en},
            "description": {"zh": title_zh, "en": description},
            "keywords": {"zh": [title_zh, "甘肃"], "en": [title_en, "Gansu"]},
            "extents": {"spatial": {"bbox": extents[name], "crs": CRS84}},
            "providers": [provider],
        }
    return {
        "server": {
            "bind": {"host": "127.0.0.1", "port": 0},  # unused: we serve through Flask
            "url": base_url,
            "mimetype": "application/json; charset=UTF-8",
            "encoding": "utf-8",
            "languages": ["zh", "en-US"],  # "zh-CN": babel knows zh_Hans_CN only
            "pretty_print": False,
            "limits": {"default_items": 100, "max_items": 10000, "on_exceed": "throttle"},
            "map": {"url": "", "attribution": ""},
        },
        "logging": {"level": "ERROR"},
        "metadata": {
            "identification": {
                "title": {"zh": "甘肃河流突发水污染应急 GIS 图层",
                          "en": "Gansu river emergency GIS layers"},
                "description": {"zh": "一河一策一图：河流、河段、风险源、物资与处置设施图层",
                                "en": "One river, one policy, one map: the product's layers"},
                "keywords": {"zh": ["甘肃", "突发水污染"], "en": ["Gansu", "river emergency"]},
                "keywords_type": "theme",
                "terms_of_service": "",
                "url": base_url,
            },
            "license": {"name": "Proprietary", "url": base_url},
            "provider": {"name": "webgis", "url": base_url},
            "contact": {"name": "webgis", "url": base_url, "role": "pointOfContact"},
        },
        "resources": resources,
    }


def _base_url() -> str:
    public = current_app.config.get("PUBLIC_URL") or ""
    root = public.rstrip("/") if public else request.host_url.rstrip("/")
    return root + PREFIX


def _api() -> Any:
    """The pygeoapi `API` for this request's base URL (its links are absolute)."""
    from pygeoapi.api import API

    base_url = _base_url()
    cache = current_app.extensions.setdefault("webgis_ogc", {})
    with _LOCK:
        apis: OrderedDict = cache.setdefault("apis", OrderedDict())
        api = apis.get(base_url)
        if api is not None:
            apis.move_to_end(base_url)
            return api
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        api = API(pygeoapi_config(current_app, base_url), {})
    finally:  # pygeoapi calls logging.basicConfig: keep the process's logging as it was
        for handler in root.handlers[:]:
            if handler not in handlers:
                root.removeHandler(handler)
        root.setLevel(level)
    with _LOCK:
        apis[base_url] = api
        while len(apis) > _MAX_APIS:
            apis.popitem(last=False)
    return api


def _token_user(token: str) -> Any:
    """The active user whose unexpired API token this is, else None."""
    from webgis.services.users import user_for_token

    return user_for_token(token)


def _check_bbox(raw: str) -> None:
    """``bbox`` as OGC API - Features defines it: 4 (or 6) finite numbers, lower corner
    first, in CRS84. pygeoapi passes NaN or a reversed box to PostGIS (a 500)."""
    try:
        nums = [float(x) for x in raw.split(",")]
    except ValueError:
        nums = []
    ok = len(nums) in (4, 6) and all(math.isfinite(x) for x in nums)
    if ok:
        half = len(nums) // 2
        ok = all(nums[i] <= nums[i + half] for i in range(half))
        lon_ok = nums[0] >= -180 and nums[half] <= 180
        lat_ok = nums[1] >= -90 and nums[half + 1] <= 90
        ok = ok and lon_ok and lat_ok
    if not ok:
        raise BadRequest("bbox must be minlon,minlat,maxlon,maxlat: four finite numbers in "
                         "CRS84, lower corner first", fields={"bbox": raw})


@bp.before_request
def _authorise() -> None:
    if request.method not in ("GET", "HEAD"):
        raise BadRequest("OGC API - Features here is read only",
                         fields={"method": request.method})
    for name, value in request.args.items(multi=True):
        if "\x00" in name or "\x00" in value:
            raise BadRequest("NUL character in a query parameter", fields={name: "NUL"})
    if "\x00" in request.path:
        raise BadRequest("NUL character in the path", fields={"path": "NUL"})
    if "bbox" in request.args:
        _check_bbox(request.args["bbox"])
    if (request.args.get("f") or "").strip().lower() == "html":
        raise BadRequest("HTML pages are not served here; use f=json (the default)",
                         fields={"f": "html"})
    # anonymous users never see incidents (issue 14), drills nor scenarios: PUBLIC_READ
    # opens the layers only
    restricted = (request.view_args or {}).get("collection_id") in SIGNED_IN_ONLY
    if (current_app.config["PUBLIC_READ"] and not restricted) or current_user.is_authenticated:
        return
    auth = request.authorization
    if auth is not None and auth.type == "basic" and _token_user(auth.password or ""):
        return
    raise Unauthorized(
        "sign in, or send an API token: Authorization: Bearer <token>, or HTTP Basic with "
        "the token as the password",
        fields={"Authorization": "missing or not a valid API token"},
    )


@bp.after_request
def _challenge(response: Response) -> Response:
    if response.status_code == 401:
        response.headers["WWW-Authenticate"] = 'Basic realm="webgis"'
    response.headers.setdefault("Vary", "Authorization, Cookie")
    return response


def _run(api_function: Any, *args: Any, check_valid: bool = True) -> Response:
    """Call one pygeoapi API function as pygeoapi's flask_app.execute_from_flask does,
    answering JSON unless the client asked for another machine format."""
    from pygeoapi.api import F_HTML, F_JSON, APIRequest, apply_gzip

    api = _api()
    api_request = APIRequest.from_flask(request, api.locales)
    if api_request.format == F_HTML:  # a browser's Accept header, not an explicit f=html
        api_request._format = F_JSON
    if check_valid and not api_request.is_valid():
        headers, status, content = api.get_format_exception(api_request)
    else:
        headers, status, content = api_function(api, api_request, *args)
    content = apply_gzip(headers, _utf8_json(headers, status, content))
    response = make_response(content, status)
    if headers:
        response.headers = headers
    return response


def _utf8_json(headers: dict[str, str], status: int, content: Any) -> Any:
    """pygeoapi writes JSON with every non-ASCII character escaped (\\uXXXX): valid, but
    Chinese names become unreadable to a person and 3x longer. Re-encode as plain UTF-8.

    Its errors (`{"code", "type", "description"}`, the OGC exception) also get our
    `error` and `fields` (the query parameters the description names), so clients of the
    rest of the API read them the same way."""
    if "json" not in (headers or {}).get("Content-Type", "") or not isinstance(
            content, (str, bytes)):
        return content
    try:
        doc = orjson.loads(content)
    except orjson.JSONDecodeError:  # not JSON after all: leave it as pygeoapi made it
        return content
    if status >= 400 and isinstance(doc, dict) and "description" in doc:
        description = str(doc["description"])
        fields = {k: v for k, v in request.args.items() if k in description}
        if not fields and request.view_args:
            fields = {k: v for k, v in request.view_args.items() if v is not None}
        doc.setdefault("error", description)
        doc.setdefault("fields", fields)
    return orjson.dumps(doc)


@bp.get("/")
def landing_page() -> Response:
    import pygeoapi.api as core_api

    return _run(core_api.landing_page)


@bp.get("/conformance")
def conformance() -> Response:
    import pygeoapi.api as core_api

    return _run(core_api.conformance)


@bp.get("/openapi")
def openapi() -> Response:
    """The OpenAPI document, generated by pygeoapi from the same configuration."""
    import pygeoapi.api as core_api
    from pygeoapi.openapi import get_oas

    api = _api()
    if not api.openapi:
        api.openapi = get_oas(api.config, fail_on_invalid_collection=False)
    return _run(core_api.openapi_)


@bp.get("/collections")
@bp.get("/collections/<collection_id>")
def collections(collection_id: str | None = None) -> Response:
    import pygeoapi.api as core_api

    return _run(core_api.describe_collections, collection_id)


@bp.get("/collections/<collection_id>/queryables")
def queryables(collection_id: str) -> Response:
    import pygeoapi.api.itemtypes as itemtypes_api

    return _run(itemtypes_api.get_collection_queryables, collection_id)


@bp.get("/collections/<collection_id>/schema")
def collection_schema(collection_id: str) -> Response:
    import pygeoapi.api as core_api

    return _run(core_api.get_collection_schema, collection_id)


@bp.get("/collections/<collection_id>/items")
def items(collection_id: str) -> Response:
    import pygeoapi.api.itemtypes as itemtypes_api

    return _run(itemtypes_api.get_collection_items, collection_id, check_valid=False)


@bp.get("/collections/<collection_id>/items/<path:item_id>")
def item(collection_id: str, item_id: str) -> Response:
    import pygeoapi.api.itemtypes as itemtypes_api

    return _run(itemtypes_api.get_collection_item, collection_id, item_id)


def init_app(app: Flask) -> None:
    """Mount `/ogc` (read-only GETs: no CSRF token involved)."""
    from webgis.extensions import csrf

    csrf.exempt(bp)
    app.register_blueprint(bp)

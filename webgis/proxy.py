"""Behind a reverse proxy: believe its `X-Forwarded-*` headers, and nobody else's.

The TLS-terminating proxy of docker compose (Caddy) talks plain HTTP to gunicorn and says
in `X-Forwarded-Proto` / `-For` / `-Host` / `-Port` what the client used. Without that the
app takes every request for plain HTTP from the proxy's address: Flask-WTF skips its
same-origin Referer check, which it makes on HTTPS only, links on response sheets say
`http://`, and every client shares the proxy's address. Those headers are only trusted
when `WEBGIS_TRUSTED_PROXIES` says how many proxies put them there. It is 0 by default,
because a client that reaches the app directly could forge them.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


def init_app(app: Flask) -> None:
    """Wrap the WSGI app in `ProxyFix` for `TRUSTED_PROXIES` hops (nothing when 0)."""
    hops = int(app.config.get("TRUSTED_PROXIES") or 0)
    if hops < 0:
        raise RuntimeError("WEBGIS_TRUSTED_PROXIES must be 0 or more")
    if hops:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)

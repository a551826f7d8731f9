"""gunicorn settings of the product (`scripts/run.sh`, the Docker image: ``-c gunicorn.conf.py``).

The app enforces its own request limits and answers them in JSON (webgis/edge.py:
URL 6000 characters → 414, a header line 8190 bytes or all headers 32 KiB / 100 fields →
431, body `MAX_CONTENT_LENGTH` → 413). gunicorn's limits are set a little above those, so
the app's answer is the one a client normally sees; a request beyond even gunicorn's limits
(it must refuse those before the app runs) still gets the product's JSON error shape,
because gunicorn's HTML error page is replaced below. The ``Server`` header names no
software version.
"""

from __future__ import annotations

import json

import gunicorn.http.wsgi
import gunicorn.util

# Request line: gunicorn's maximum (the app's own limit is 6000 characters).
limit_request_line = 8190
# Header fields: the app refuses more than 100 and lines above 8190 bytes.
limit_request_fields = 200
limit_request_field_size = 16380


def _json_error(sock, status_int, reason, mesg):
    """gunicorn's own error answer (a malformed or oversized request) as the app's JSON."""
    body = json.dumps({"error": reason.lower(), "fields": {"request": mesg[:200]}}).encode()
    head = (f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            "X-Content-Type-Options: nosniff\r\n\r\n").encode("latin-1")
    gunicorn.util.write_nonblock(sock, head + body)


gunicorn.util.write_error = _json_error
gunicorn.http.wsgi.SERVER = "webgis"


def post_worker_init(worker):
    """Load the response sheets' libraries and fonts in the background of each worker, so
    the first sheet after a start costs what the hundredth does (WEBGIS_WARM_SHEETS)."""
    from flask import Flask

    from webgis.services.sheet_warmup import start_sheet_warmup

    app = worker.wsgi
    if isinstance(app, Flask):
        start_sheet_warmup(app)

"""The conditional answer of ``GET /api/v1/incidents/<id>/events`` (live updates, issue 14).

The ETag of the events after any ``after`` names the incident's version (the event log is
append-only and every write raises the version, `webgis.services.incident_live`), whether
account names are shown, and this release of the code. A page sends back the ETag of its
last answer in ``If-None-Match`` and gets 304 with no body until something changes.
"""

from __future__ import annotations

from flask import Response, jsonify, request

from webgis import compression
from webgis.services import incident_live

__all__ = ["events_response", "events_tag"]

#: The answer depends on who asks (account names): never shared by a proxy's cache, and
#: always revalidated.
CACHE_CONTROL = "private, no-cache"


def events_tag(incident_id: int, version: int, show_names: bool) -> str:
    """The validator of the incident's events at `version` (any `after`)."""
    return compression.etag(str(version), "incident-events", incident_id, show_names)


def events_response(incident_id: int, after_seq: int, show_names: bool) -> Response:
    """200 with the events after `after_seq`, or 304 when the client holds this version."""
    header = request.headers.get("If-None-Match")

    def holds(version: int) -> bool:
        return compression.if_none_match(header, events_tag(incident_id, version,
                                                            show_names))

    poll = incident_live.poll_events(incident_id, after_seq=after_seq,
                                     show_names=show_names, holds=holds)
    headers = {"ETag": f'"{events_tag(incident_id, poll.version, show_names)}"',
               "Cache-Control": CACHE_CONTROL}
    if poll.body is None:
        return Response(status=304, headers=headers)
    response = jsonify(poll.body)
    response.headers.update(headers)
    return response

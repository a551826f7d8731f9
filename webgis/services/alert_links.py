"""Acknowledgement links of downstream alerts: signed, expiring, single-purpose, no sign-in.

A link is ``<base>/ack/<token>``; the token is ``{"n": <token id>, "e": <expiry, epoch s>}``
signed by itsdangerous with the app's SECRET_KEY and a salt of its own (a session cookie or
any other signed value of the app is never a valid link, nor the reverse). The database
keeps only the token id (a random nonce) and the token's SHA-256, never the token: a copy
of the database hands out no working link, while the server, which holds the key, can
print the same link again (the payload is deterministic). Changing SECRET_KEY voids every
link.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime
from typing import Any

from itsdangerous import BadData, URLSafeSerializer

from webgis.errors import WebgisError

SALT = "webgis.alert-ack.v1"


class LinkInvalid(WebgisError):
    """A forged, altered or unknown acknowledgement link."""

    code = "link_invalid"


class LinkExpired(WebgisError):
    """An acknowledgement link past its expiry."""

    code = "link_expired"


def _serializer(secret_key: str) -> URLSafeSerializer:
    if not secret_key:
        raise RuntimeError("SECRET_KEY is needed to sign acknowledgement links")
    return URLSafeSerializer(secret_key, salt=SALT)


def new_token_id() -> str:
    """A fresh random id for a link (what the database keeps)."""
    return secrets.token_urlsafe(18)


def make_token(secret_key: str, token_id: str, expires_at: datetime) -> str:
    """The signed token of `token_id`, valid until `expires_at` (the same arguments always
    give the same token, so the server can print a link again)."""
    return str(_serializer(secret_key).dumps({"n": token_id,
                                               "e": int(expires_at.timestamp())}))


def token_hash(token: str) -> str:
    """What the database keeps of a token: its SHA-256, hex."""
    return hashlib.sha256(token.encode()).hexdigest()


def hash_matches(token: str, stored: str) -> bool:
    """Whether `token` is the one whose hash was stored (constant-time comparison)."""
    return hmac.compare_digest(token_hash(token), stored)


def read_token(secret_key: str, token: str, now: datetime | None = None) -> str:
    """The token id of a genuine, unexpired token; `LinkInvalid` for a forged or altered
    one, `LinkExpired` past its expiry (checked here from the signed payload, before any
    database read)."""
    try:
        data: Any = _serializer(secret_key).loads(token)
    except BadData:
        raise LinkInvalid("this acknowledgement link is not valid",
                          fields={"token": "bad signature"}) from None
    if not (isinstance(data, dict) and isinstance(data.get("n"), str)
            and isinstance(data.get("e"), int)):
        raise LinkInvalid("this acknowledgement link is not valid",
                          fields={"token": "bad payload"})
    if (now or datetime.now(UTC)).timestamp() > data["e"]:
        raise LinkExpired("this acknowledgement link has expired (%(at)s)",
                          fields={"token": "expired"},
                          params={"at": datetime.fromtimestamp(data["e"], UTC).isoformat()})
    return str(data["n"])


def ack_url(base_url: str, token: str) -> str:
    """The link a recipient opens."""
    return f"{base_url.rstrip('/')}/ack/{token}"

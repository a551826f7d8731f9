"""Who is acting: every write service takes an `Actor`, so the event log records who did
what without the services knowing about sessions, cookies or tokens (the edge builds it:
`webgis.edge.current_actor`)."""

from __future__ import annotations

from dataclasses import dataclass

from webgis.config import Settings
from webgis.errors import Forbidden


@dataclass(frozen=True, slots=True)
class Actor:
    """A signed-in user (or a token's owner, e.g. an automatic station's account), or the
    system itself (`id` None: an acknowledgement by link, a drill's inject)."""

    id: int | None
    username: str
    role: str

    @classmethod
    def system(cls, name: str = "system") -> Actor:
        """An action no account did (`name` says what did it, e.g. ``ack-link``)."""
        return cls(None, name, "system")


#: Who may issue a report or end an alert (and, with `duty_officer_may_issue`, duty officers).
ISSUING_ROLES = ("leader", "admin")


def may_issue(actor: Actor, settings: Settings) -> bool:
    """Whether `actor` may issue reports and end alerts: a leader (or admin), or a duty
    officer where the configuration says so (WEBGIS_DUTY_OFFICER_MAY_ISSUE)."""
    return actor.role in ISSUING_ROLES or (
        settings.duty_officer_may_issue and actor.role == "duty_officer")


def require_issuer(actor: Actor, settings: Settings) -> None:
    """`Forbidden` unless `actor` may issue (see `may_issue`); nothing is changed."""
    if not may_issue(actor, settings):
        raise Forbidden("only a leader may issue this (or a duty officer where configured)",
                        fields={"role": actor.role})

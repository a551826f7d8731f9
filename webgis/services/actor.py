"""Who is acting: every write service takes an `Actor`, so the event log records who did
what without the services knowing about sessions, cookies or tokens (the edge builds it:
`webgis.edge.current_actor`)."""

from __future__ import annotations

from dataclasses import dataclass


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

"""Who a change is by, for the record's history (the product's "audit trail shows this user").

A platform API write says who it is for in one of two headers (percent-encoded UTF-8, at most 200
characters): `X-Acting-User: <user id>` when a person of the tenant acted through Fieldbooks (the
user id the SaaS put in their console token), or `X-Acting-System: <name>` when Fieldbooks acted on
its own ("Fieldbooks (scheduled sync)"). Both at once, or an unreadable value, is a 400. A write
that names nobody is kept as Fieldbooks' own, unattributed. The app API's edits are the app's
users' own; a UI that knows who is signed in sends `X-Acting-User` too.
"""

from dataclasses import dataclass
from typing import Literal
from urllib.parse import unquote

from starlette.requests import Request

from fieldbooks.saas.events import Origin
from local.saas.errors import MalformedRequest

ACTING_USER = "X-Acting-User"
ACTING_SYSTEM = "X-Acting-System"
MAX_ACTOR_TEXT = 200
ActorKind = Literal["user", "system"]


@dataclass(frozen=True)
class AuditActor:
    kind: ActorKind
    name: str

    def as_json(self) -> dict[str, str]:
        return {"kind": self.kind, "name": self.name}


UNATTRIBUTED: dict[Origin, AuditActor] = {
    "user": AuditActor("user", "app user"),
    "fieldbooks": AuditActor("system", "Fieldbooks"),
}


def _decoded(header: str, raw: str) -> str:
    try:
        text = unquote(raw, errors="strict")
    except UnicodeDecodeError as error:
        raise MalformedRequest(f"{header} must be percent-encoded UTF-8") from error
    if not text.strip() or len(text) > MAX_ACTOR_TEXT or not text.isprintable():
        raise MalformedRequest(f"{header} must name who acted in 1 to {MAX_ACTOR_TEXT} printable characters")
    return text


def acting_actor(request: Request) -> AuditActor | None:
    """Who the request says it acts for; None when it does not say."""
    user, system = request.headers.get(ACTING_USER), request.headers.get(ACTING_SYSTEM)
    if user is not None and system is not None:
        raise MalformedRequest(f"Send {ACTING_USER} or {ACTING_SYSTEM}, not both: a change has one author")
    if user is not None:
        return AuditActor("user", _decoded(ACTING_USER, user))
    if system is not None:
        return AuditActor("system", _decoded(ACTING_SYSTEM, system))
    return None

"""Who acted: a person of the tenant (from the verified console token) or Fieldbooks working on its own.

The actor is set once per request or job (`acting_as`, in the tenant API, the workers and the
scheduler) and read where a trace of the work is written: sync-log rows, runs, conflicts and the
SaaS platform client's audit header. So a write added anywhere later carries the actor without a
user being passed through every call. Lambda runs one invocation at a time per container and the
core starts no threads, so a context variable reset at the end of each request or job is exact.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

# Ids beyond this are not ones the SaaS issues; the audit header and the log keep them bounded.
MAX_ACTOR_TEXT = 200


class ActorKind(StrEnum):
    USER = "user"  # a person signed in to the SaaS: the console token's subject
    SYSTEM = "system"  # Fieldbooks' own work: nobody clicked anything


class Actor(BaseModel):
    """What the runs list, the sync log and the SaaS's record history show as "by"."""

    model_config = ConfigDict(frozen=True)

    kind: ActorKind
    id: str = Field(min_length=1, max_length=MAX_ACTOR_TEXT, description="The user's id, or what Fieldbooks was doing.")
    name: str = Field(min_length=1, max_length=MAX_ACTOR_TEXT, description="How the console shows who acted.")

    @classmethod
    def user(cls, user_id: str) -> Actor:
        # The console token carries the user's id only; the SaaS shows its own users' names from it.
        return cls(kind=ActorKind.USER, id=user_id, name=user_id)

    @classmethod
    def scheduled(cls) -> Actor:
        return cls(kind=ActorKind.SYSTEM, id="scheduled", name="Fieldbooks (scheduled sync)")

    @classmethod
    def webhook(cls, source_label: str) -> Actor:
        """A notification from the accounting system, named by its product label, never by code here."""
        return cls(kind=ActorKind.SYSTEM, id="webhook", name=f"Fieldbooks ({source_label} webhook)")

    @classmethod
    def live(cls) -> Actor:
        """A change made in the app, synced as it happened: the change event names no person."""
        return cls(kind=ActorKind.SYSTEM, id="live", name="Fieldbooks (live sync)")


_acting: ContextVar[Actor | None] = ContextVar("fieldbooks_acting", default=None)


def current_actor() -> Actor | None:
    """Who the current request or job acts for; None outside one (a script, a unit test)."""
    return _acting.get()


@contextmanager
def acting_as(actor: Actor | None) -> Iterator[Actor | None]:
    """Everything written inside the block is attributed to `actor`; the previous one comes back after."""
    token = _acting.set(actor)
    try:
        yield actor
    finally:
        _acting.reset(token)

"""Creating a remote record exactly once, whatever crashes, timeouts or duplicate deliveries happen.

Provider independent; it needs only that the provider replays the first reply to a repeated
idempotency key (the descriptor's `Replay`, e.g. a request id or an Idempotency-Key header). The protocol:

1. read the link; a LINKED record is updated, never created again;
2. save the intent (state PENDING, `intent_request_id`, `intent_version`) *before* the call,
   conditionally on the link's version, so two workers cannot both start a create;
3. call create with that key;
4. save the remote id, its version token and the snapshot (state LINKED).

Several creates may share one call (a batch): every member's intent is saved before the call and
names the batch's own key and the member's place in it (`intent_batch`). A member's key cannot be
replayed on its own then, only the batch's; see `batch_request_id`.

A worker that dies between 3 and 4 leaves the PENDING intent behind: the retry repeats the create
with the SAME key and the provider answers with the record it already made. A new key is only ever
minted when the provider definitely made nothing (it refused the call) or after the remote twin was
discarded; both bump `generation`, which is part of the key.

A provider keeps a key's first reply only so long (the descriptor's `Replay.ttl_seconds`), and one
that replays nothing (`LookUpFirst`) never does: past that, repeating the create could make a second
record, so the transport first looks the record up by its name or number (`replay_window_passed`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from fieldbooks.domain.errors import NotFound, ValidationFailed
from fieldbooks.domain.models import Link, LinkState, Provider
from fieldbooks.providers.contract import Idempotency, LookUpFirst, Written
from fieldbooks.store.links import LinkStore

FULL_LENGTH = 64  # a whole SHA-256 in hex; each provider's descriptor says how much of it it takes


def request_id(
    tenant_id: str, entity: str, record_id: str, version: int, generation: int, length: int = FULL_LENGTH
) -> str:
    """Deterministic, so even a lost intent write still repeats the same key for the same version."""
    source = f"{tenant_id}\x1f{entity}\x1f{record_id}\x1f{version}\x1f{generation}"
    return hashlib.sha256(source.encode()).hexdigest()[:length]


def batch_request_id(member_keys: list[str], length: int = FULL_LENGTH) -> str:
    """Derived from the members' own keys, in order: the same members of the same versions give the
    same key, so a batch repeated after a lost reply is replayed, never run twice."""
    return hashlib.sha256("\x1f".join(member_keys).encode()).hexdigest()[:length]


def batch_intent(batch_key: str, batch_item_id: str) -> str:
    return f"{batch_key} {batch_item_id}"


def parse_batch_intent(intent: str) -> tuple[str, str]:
    """(batch requestid, bId) of a member's stored `intent_batch`."""
    batch_key, _, batch_item_id = intent.partition(" ")
    return batch_key, batch_item_id


def next_request_id(
    existing: Link | None, tenant_id: str, entity: str, saas_id: str, version: int, length: int = FULL_LENGTH
) -> str:
    """The key `begin_create` gives a new intent; a batch needs its members' keys before writing them."""
    return request_id(tenant_id, entity, saas_id, version, existing.generation if existing else 0, length)


def replay_window_passed(pending: Link | None, idempotency: Idempotency, now: datetime | None = None) -> bool:
    """Whether a create left PENDING (its reply lost) can no longer be repeated safely with its key:
    the provider replays nothing, or the intent is older than the provider keeps keys."""
    if pending is None or pending.state is not LinkState.PENDING or not pending.intent_request_id:
        return False
    if isinstance(idempotency, LookUpFirst):
        return True
    if idempotency.ttl_seconds is None:
        return False
    return (now or datetime.now(UTC)) - pending.updated_at >= timedelta(seconds=idempotency.ttl_seconds)


def begin_create(
    links: LinkStore,
    existing: Link | None,
    *,
    tenant_id: str,
    provider: Provider,
    entity: str,
    saas_id: str,
    version: int,
    remote_entity: str,
    key_length: int = FULL_LENGTH,
    batch: str | None = None,
) -> Link:
    """The PENDING link whose `intent_request_id` the create must carry (`batch`: see `batch_intent`).

    An intent already stored is reused as it is, even if the record moved on to a newer version:
    that create may have committed, and only its own key can find out. Raises StaleVersion if
    another worker wrote the link first (the message is retried and then sees its result).
    """
    if existing is not None and existing.state is LinkState.PENDING and existing.intent_request_id:
        return existing
    generation = existing.generation if existing else 0
    intent = Link(
        tenant_id=tenant_id,
        provider=provider,
        entity=entity,
        saas_id=saas_id,
        state=LinkState.PENDING,
        remote_entity=remote_entity,
        intent_request_id=next_request_id(existing, tenant_id, entity, saas_id, version, key_length),
        intent_version=version,
        intent_batch=batch,
        generation=generation,
        updated_at=datetime.now(UTC),
        version=existing.version if existing else 0,
    )
    return links.save(intent)


def finish_create(links: LinkStore, pending: Link, created: Written, snapshot: dict[str, Any]) -> Link:
    """Step 4: the remote id is known; the link now says LINKED at the version the create carried."""
    return links.save(
        pending.model_copy(
            update={
                "state": LinkState.LINKED,
                "remote_id": created.remote_id,
                "remote_version": created.version,
                "synced_version": pending.intent_version,
                "intent_request_id": None,
                "intent_version": None,
                "intent_batch": None,
                "snapshot": snapshot,
            }
        )
    )


def abandon_create(links: LinkStore, pending: Link) -> Link:
    """Nothing exists remotely under this intent (refused, or deleted by us): the next try needs a new key.

    The provider would replay a refusal to the old key forever, so the generation moves on.
    """
    return links.save(
        pending.model_copy(
            update={
                "state": LinkState.PENDING,
                "remote_id": None,
                "remote_version": None,
                "synced_version": None,
                "intent_request_id": None,
                "intent_version": None,
                "intent_batch": None,
                "snapshot": None,
                "generation": pending.generation + 1,
            }
        )
    )


def without_twin(link: Link) -> Link:
    """A link whose remote twin is discarded (unlinked by a person, deleted in accounting) before the
    record is created again: nothing of the old twin carries over, and the new generation gives the
    create a key the provider never saw. Not saved: `begin_create` writes the intent from it."""
    return link.model_copy(
        update={
            "state": LinkState.PENDING,
            "remote_id": None,
            "remote_version": None,
            "synced_version": None,
            "snapshot": None,
            "intent_request_id": None,
            "intent_version": None,
            "intent_batch": None,
            "remote_inactive": False,
            "generation": link.generation + 1,
        }
    )


def create_exactly_once(
    links: LinkStore,
    existing: Link | None,
    *,
    tenant_id: str,
    provider: Provider,
    entity: str,
    saas_id: str,
    version: int,
    remote_entity: str,
    create: Callable[[str], Written],
    snapshot: dict[str, Any],
    key_length: int = FULL_LENGTH,
) -> tuple[Link, Written]:
    """Steps 2–4. A refusal (ValidationFailed, NotFound) proves nothing was made: the intent is abandoned
    and the error re-raised. Anything else (a timeout, a 5xx, a crash) leaves the intent PENDING for
    the retry to repeat."""
    pending = begin_create(
        links,
        existing,
        tenant_id=tenant_id,
        provider=provider,
        entity=entity,
        saas_id=saas_id,
        version=version,
        remote_entity=remote_entity,
        key_length=key_length,
    )
    assert pending.intent_request_id is not None  # begin_create always returns an intent
    try:
        created = create(pending.intent_request_id)
    except (ValidationFailed, NotFound):
        abandon_create(links, pending)
        raise
    return finish_create(links, pending, created, snapshot), created

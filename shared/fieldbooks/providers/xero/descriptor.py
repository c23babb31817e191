"""Xero's facts as data: what the engine needs to know without naming Xero."""

from __future__ import annotations

from fieldbooks.domain.models import Provider
from fieldbooks.providers.contract import AuthKind, Descriptor, RateBudget, Replay, Transport
from fieldbooks.providers.xero.client import BATCH_MAX_ELEMENTS, ID_PATTERN, IDEMPOTENCY_KEY_MAX
from fieldbooks.providers.xero.mapping import REMOTE_ENTITY

# Xero keeps an Idempotency-Key's first reply for a few minutes (providers.md 2.5: about 6, unconfirmed);
# after that a repeated create is looked up by its number or name before it is sent again.
KEY_WINDOW_SECONDS = 360.0

DESCRIPTOR = Descriptor(
    provider=Provider.XERO,
    label="Xero",
    short_label="Xero",
    link_marker="xero",
    transport=Transport.CALL,
    auth=AuthKind.OAUTH2_PKCE,
    # No "property": Xero has no sub-customers, so a job site never becomes a record of its own.
    remote_entities=REMOTE_ENTITY,
    pulled=("contact", "invoice", "credit_note", "payment"),
    # A batch key carries ".<entity>.<chunk>" after it (client.create_many): 64 + 20 stays under 128.
    idempotency=Replay(max_len=64, batch_max_len=64, ttl_seconds=KEY_WINDOW_SECONDS),
    # Xero's per-organisation limits (providers.md 2.2): 60 a minute, 5 at once, 5,000 a day; the
    # governor keeps under them with a margin, since Xero's windows need not line up with ours.
    budget=RateBudget(per_minute=55, batches_per_minute=55, per_day=4900, concurrent=5),
    company_id_parameter=None,  # the redirect names no organisation: ask Xero (GET /connections)
    batched=frozenset({"contact", "item"}),  # creates that never need another record first
    batch_size=BATCH_MAX_ELEMENTS,
    remote_nouns={"contact": "contact", "item": "item", "invoice": "invoice", "credit_note": "credit note"},
    remote_id_pattern=ID_PATTERN,
)

assert DESCRIPTOR.idempotency.max_len + 20 <= IDEMPOTENCY_KEY_MAX  # room for the batch suffixes

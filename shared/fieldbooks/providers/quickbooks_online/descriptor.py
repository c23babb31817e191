"""QuickBooks Online's facts as data: what the engine needs to know without naming QuickBooks."""

from __future__ import annotations

from datetime import timedelta

from fieldbooks.domain.models import Provider
from fieldbooks.providers.contract import AuthKind, Descriptor, RateBudget, Replay, Transport
from fieldbooks.providers.quickbooks_online.client import BATCH_MAX_ITEMS, ID_PATTERN
from fieldbooks.providers.quickbooks_online.mapping import REMOTE_ENTITY

DESCRIPTOR = Descriptor(
    provider=Provider.QUICKBOOKS_ONLINE,
    label="QuickBooks Online",
    short_label="QuickBooks",
    link_marker="qbo",
    transport=Transport.CALL,
    auth=AuthKind.OAUTH2,
    remote_entities=REMOTE_ENTITY,
    pulled=("contact", "property", "invoice", "credit_note", "payment"),
    changes_window=timedelta(days=30),  # CDC looks back 30 days at most (providers.md 1.6)
    # `requestid` takes 50 characters, but only 36 inside a batch, and a batch key leaves room for
    # the ".<chunk>" the client appends (providers.md 1.8, 1.2); one length fits every create.
    idempotency=Replay(max_len=36, batch_max_len=33),
    # Under the 500 requests and 40 batch requests per minute and 10 requests per second per realm
    # (providers.md 1.2), with a margin: the governor counts fixed calendar windows, Intuit does not say
    # how it counts, so a burst across a window edge could look like more than a window's worth.
    budget=RateBudget(per_minute=450, batches_per_minute=35, per_second=8),
    company_id_parameter="realmId",  # Intuit appends the company chosen at consent (providers.md 1.1)
    batched=frozenset({"contact", "item"}),  # creates that never need another record first
    batch_size=BATCH_MAX_ITEMS,
    remote_nouns={"contact": "customer", "property": "sub-customer", "item": "item", "invoice": "invoice"},
    # DisplayName is unique across customers, vendors and employees (providers.md 1.3).
    other_name_holders="a vendor or employee",
    # Every record's Id is a decimal number QuickBooks assigns ("58"; providers.md 1.3, 1.7's `"Id":"979"`);
    # ids count from 1, so a leading zero would be a second spelling of the same record.
    remote_id_pattern=ID_PATTERN,
)

"""Reference lists from accounting into the SaaS: tax codes, tax rates and income accounts.

`refresh_reference_lists` reads the three lists through the connection's `Reader`, replaces each of the
provider's lists in the SaaS (platform API `PUT .../reference-lists/{kind}`, a whole replacement, so a
repeat changes nothing), then keeps them in the connection's store row, where the settings check and the
Integrations page's pick lists read them. The row is written last: lists the SaaS has not taken yet are
never the ones settings are checked against, and a retry after a failure simply does it all again.

Called by the initial run (right after connect), by `POST /connections/{provider}/reference-lists/refresh`,
and by the scheduled pull when it wants fresh lists.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from fieldbooks import registry
from fieldbooks.domain.errors import AuthExpired, FieldbooksError, RateLimited, Transient
from fieldbooks.domain.models import Connection, Direction, SyncStatus
from fieldbooks.domain.reference_lists import REFERENCE_KINDS
from fieldbooks.observability import logger
from fieldbooks.saas.reference_lists import ReferenceListFields
from fieldbooks.services import Services
from fieldbooks.store.base import now
from fieldbooks.store.reference_lists import PulledReferenceLists

# What a caller retries as a whole (the queue redelivers the job; the console answers with the message).
RETRIED = (RateLimited, Transient, AuthExpired)
NOUNS = {"tax_codes": "tax code", "tax_rates": "tax rate", "income_accounts": "income account"}


REFRESH_EVERY = timedelta(days=1)


def refresh_reference_lists(connection: Connection, services: Services) -> PulledReferenceLists:
    """Raises domain errors only; nothing is kept unless every list reached the SaaS. Its log row is the
    connection's, not a run's (a run's rows are its records)."""
    descriptor = registry.descriptor(connection.provider)
    lists = registry.reader(connection, services).reference_lists()
    refresh_id = uuid.uuid4().hex[:16]  # one key per list and refresh: a resent PUT is answered once
    for kind in REFERENCE_KINDS:
        services.saas.put_reference_list(
            connection.tenant_id,
            kind,
            ReferenceListFields(provider=descriptor.link_marker, entries=lists.of(kind)),
            idempotency_key=f"fb-ref-{refresh_id}-{kind}",
        )
    pulled = PulledReferenceLists(
        tenant_id=connection.tenant_id, provider=connection.provider, pulled_at=now(), lists=lists
    )
    services.reference_lists.save(pulled)
    counts = ", ".join(_counted(len(lists.of(kind)), NOUNS[kind]) for kind in REFERENCE_KINDS)
    services.sync_log.write(
        connection.tenant_id,
        provider=connection.provider,
        entity="reference_list",
        direction=Direction.FROM_ACCOUNTING,
        status=SyncStatus.SYNCED,
        action="refresh",
        detail=f"Brought {counts} over from {descriptor.short_label}.",
    )
    return pulled


def refresh_alongside_run(connection: Connection, services: Services, run_id: str) -> None:
    """The initial run's step: a list the SaaS refuses is logged in the run and the run goes on (its
    records do not depend on it); a throttle, an outage or an expired grant fails the job, which is retried."""
    try:
        refresh_reference_lists(connection, services)
    except RETRIED:
        raise
    except FieldbooksError as error:
        logger.warning("Reference lists not refreshed", extra={"run_id": run_id, "error": type(error).__name__})
        services.sync_log.write(
            connection.tenant_id,
            provider=connection.provider,
            entity="reference_list",
            direction=Direction.FROM_ACCOUNTING,
            status=SyncStatus.ERROR,
            action="refresh",
            detail=f"The tax codes and income accounts could not be brought over: {error.message}",
            run_id=run_id,
        )


def refresh_when_stale(connection: Connection, services: Services, run_id: str) -> None:
    """Scheduled runs bring the lists over again once a day: tax codes and accounts have no change feed
    to read, and three full reads on every pull would spend the rate budget on what rarely changes."""
    pulled = services.reference_lists.get(connection.tenant_id, connection.provider)
    if pulled is None or now() - pulled.pulled_at >= REFRESH_EVERY:
        refresh_alongside_run(connection, services, run_id)


def _counted(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"

"""A console route that calls the accounting system while a person waits: its refusals become sentences.

The workers retry a throttle, an outage or an expired grant; a person cannot wait for that, so here they
are a 409 that says what to do, and an expired grant also marks the connection as needing a reconnect,
exactly as a worker would (connections/lifecycle.py), so the page shows its banner.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager

from fieldbooks.connections.lifecycle import mark_needs_reauth
from fieldbooks.domain.errors import AuthExpired, Conflict, RateLimited, Transient
from fieldbooks.domain.models import Connection
from fieldbooks.services import Services


@contextmanager
def answered(connection: Connection, services: Services, doing: str) -> Iterator[None]:
    """`doing` completes "Could not …": "read the balances", "refresh the lists"."""
    label = connection.provider.label
    try:
        yield
    except AuthExpired as error:
        mark_needs_reauth(connection.tenant_id, connection.provider, services)
        raise Conflict(f"Could not {doing}: {label} needs you to reconnect it first.") from error
    except RateLimited as error:
        wait = max(1, math.ceil(error.retry_after))
        raise Conflict(f"Could not {doing}: {label} asked us to slow down. Try again in {wait} seconds.") from error
    except Transient as error:
        unanswered = f"Could not {doing}: {label} or the app did not answer just now. Try again in a minute."
        raise Conflict(unanswered) from error

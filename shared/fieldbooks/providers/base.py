"""What the sync core needs from an accounting provider; each provider package implements it.

The core never speaks HTTP to a provider: an adapter owns its client, its mappers and the
translation of its errors into `fieldbooks.domain.errors`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from fieldbooks.domain.models import Connection, Run
    from fieldbooks.saas.events import SaasChangeEvent
    from fieldbooks.services import Services


class AccountingProvider(Protocol):
    def push_change(self, connection: Connection, change: SaasChangeEvent, services: Services) -> None:
        """Brings one SaaS record version into the accounting system, exactly once."""

    def pull_changes(self, connection: Connection, run: Run, services: Services) -> None:
        """Reads what changed in the accounting system since the connection's cursor and applies it."""
